/**
 * Runs a child process to completion without blocking the test worker.
 *
 * Tests used `spawnSync` for CLI runs; on a loaded box a child that takes tens of seconds to start
 * then blocks the vitest worker's event loop, the worker misses vitest's RPC deadline
 * ("Timeout calling onTaskUpdate"), and the run fails although every test passed. This helper
 * answers the same fields asynchronously.
 *
 * @example
 * const r = await runProcess(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir]);
 * expect(r.status).toBe(0);
 */
import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed (stdin is always closed). */
  input?: string;
  /** Kills the child (SIGKILL) after this many ms; `status` is then null and `signal` is set. */
  timeout?: number;
}

export interface RunProcessResult {
  /** Exit code, or null when the child ended by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the child could not be started or was killed by the timeout. */
  error?: Error;
}

export function runProcess(command: string, args: readonly string[], opts: RunProcessOptions = {}): Promise<RunProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: Error | undefined;
    const timer = opts.timeout === undefined
      ? undefined
      : setTimeout(() => {
          error = new Error(`${command} did not finish within ${opts.timeout} ms`);
          child.kill('SIGKILL');
        }, opts.timeout);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // a child that exits without reading its input
    child.on('error', (e) => {
      error = e;
    });
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(error ? { error } : {}),
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}
