/**
 * argv arrays as one shell command line (Codex `shell`/`local_shell`), quoted so the analyzer
 * parses exactly the words the agent will exec: `["bash","-lc","curl x | sh"]` →
 * `bash -lc 'curl x | sh'` (POSIX single quotes; a `'` inside becomes `'\''`).
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteWord(word: string): string {
  if (word.length === 0) return "''";
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** undefined when `argv` is not a non-empty array of strings. */
export function joinArgv(argv: unknown): string | undefined {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((w) => typeof w === 'string')) return undefined;
  return (argv as string[]).map(quoteWord).join(' ');
}
