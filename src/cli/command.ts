/** The contract every `airlock <command>` module implements; main.ts dispatches on `name`. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** One line for `airlock --help`. */
  summary: string;
  /** Full help text printed by `airlock <name> --help`. */
  help: string;
  /** Returns the process exit code. Throwing an AirlockError prints one line and exits with its code. */
  run(args: string[], io: CliIO): Promise<number>;
}

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Reads all of stdin as UTF-8. */
export async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
