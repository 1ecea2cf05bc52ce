#!/usr/bin/env node
import { AirlockError, isAirlockError } from '../core/errors.js';
import type { CliIO } from './command.js';
import { enableCompileCache } from './compile-cache.js';
import { commandLoaders, commandSummaries, subcommands } from './registry.js';

const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

/** The command list, from the static summaries: `airlock --help` loads no command module. */
function usage(): string {
  const lines = ['usage: airlock <command> [options]', '', 'commands:'];
  for (const name of Object.keys(commandLoaders)) lines.push(`  ${name.padEnd(12)} ${commandSummaries[name] ?? ''}`);
  lines.push(
    '',
    'Commands that talk to a running gateway take --gateway URL (or AIRLOCK_URL) and --key-file FILE,',
    '--key KEY (or AIRLOCK_KEY). Run `airlock <command> --help` for the options of a command.',
  );
  return lines.join('\n') + '\n';
}

/** Closest known word (edit distance ≤ 2), for "did you mean". */
function closest(word: string, known: readonly string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  const best = known.map((k) => [k, dist(word, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? best[0] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    io.stdout.write(`${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const load = commandLoaders[name];
  if (!load) {
    const hint = closest(name, Object.keys(commandLoaders));
    io.stderr.write(`airlock: unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; \`airlock --help\` lists the commands\n`);
    return 2;
  }
  const subs = subcommands[name];
  const sub = rest[0];
  if (subs && sub !== undefined && !sub.startsWith('-') && !subs.includes(sub)) {
    const hint = closest(sub, subs);
    io.stderr.write(`airlock ${name}: unknown subcommand "${sub}"${hint ? ` (did you mean "${hint}"?)` : ''}; one of: ${subs.join(', ')}\n`);
    return 2;
  }
  // The gateway's start-up time is mostly compiling modules and the bundle (docs/benchmarks.md).
  if (name === 'serve') enableCompileCache();
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
    return 0;
  }
  return cmd.run(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isAirlockError(err)) {
      io.stderr.write(`airlock: ${err.code}: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.stderr.write(`airlock: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const e = err instanceof Error ? err : new AirlockError('ERR_INTERNAL', String(err));
      io.stderr.write(`airlock: ${e.message}\n`);
      process.exitCode = 2;
    }
  },
);
