import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let runTmp: string | undefined;

/**
 * Tests that run the CLI as a process need dist/: build it once before any test runs when it is
 * missing or older than src/ (the same check as `npm start`), so no test skips for want of a build.
 *
 * Every temporary directory of the run (data dirs, key files, MCP work dirs, the processes the tests
 * start) goes under one directory of its own, removed when the run ends: a run leaves nothing in
 * /tmp. The test workers and their children inherit TMPDIR, which `os.tmpdir()` reads.
 */
export async function setup(): Promise<void> {
  // @ts-expect-error -- a plain .mjs script without types; importing it runs the check.
  await import('../scripts/ensure-build.mjs');
  runTmp = mkdtempSync(join(tmpdir(), 'airlock-test-'));
  process.env['TMPDIR'] = runTmp;
}

export function teardown(): void {
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
}
