#!/usr/bin/env node
import { AirlockError, isAirlockError } from '../core/errors.js';
import type { CliIO } from './command.js';
import { commandLoaders } from './registry.js';

const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

async function usage(): Promise<string> {
  const lines = ['usage: airlock <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commandLoaders)) {
    const cmd = await load();
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  lines.push('', 'Run `airlock <command> --help` for the options of a command.');
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    io.stdout.write(`${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const load = commandLoaders[name];
  if (!load) {
    io.stderr.write(`airlock: unknown command "${name}" (see airlock --help)\n`);
    return 2;
  }
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
