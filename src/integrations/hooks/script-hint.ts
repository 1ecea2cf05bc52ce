/**
 * A cheap look at a shell command before the hook loads the analyzer to read the scripts it runs
 * (`airlock hook` must start in tens of milliseconds, and most commands run no script by path).
 * Deliberately generous: a false "maybe" costs a grammar load, a false "no" would skip the check,
 * so anything that could name a script says maybe.
 */
const SCRIPT_EXT = /\.(sh|bash|zsh|ksh|py|pyw|pl|rb|php|js|mjs|cjs|ts|lua|ps1|psm1|bat|cmd)$/i;
const INTERPRETER = /^(bash|sh|zsh|ksh|dash|ash|fish|source|\.|python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|perl|ruby|php|lua|luajit|pwsh|powershell|cmd|tclsh|osascript)$/i;
const WRAPPER = /^(sudo|doas|env|exec|nohup|time|command|builtin|nice|ionice|setsid|stdbuf|xargs|timeout|watch|chroot|runuser|su|then|do|else|if|while|until|!|\{)$/;

/** Could `command` run a script by path (so the hook should read and judge it)? */
export function mayRunScript(command: string): boolean {
  // Anything the cheap split below cannot see through: substitutions, escapes, quoting games.
  if (/[`$\\'"]/.test(command) && /(\$\(|`|\\)/.test(command)) return true;
  for (const segment of command.split(/[;&|()\n{}]+/)) {
    const words = segment.trim().split(/\s+/).filter((w) => w !== '');
    for (const w of words) {
      const bare = w.replace(/^['"]|['"]$/g, '');
      if (SCRIPT_EXT.test(bare) || /^(\.{1,2}|~)[\\/]/.test(bare) || /^[A-Za-z]:\\/.test(bare)) return true;
    }
    const program = words.find((w) => !WRAPPER.test(w) && !w.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    if (program === undefined) continue;
    const bare = program.replace(/^['"]|['"]$/g, '');
    if (bare.includes('/') || bare.includes('\\') || INTERPRETER.test(bare)) return true;
  }
  return false;
}
