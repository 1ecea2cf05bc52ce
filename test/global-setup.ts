/**
 * Tests that run the CLI as a process need dist/: build it once before any test runs when it is
 * missing or older than src/ (the same check as `npm start`), so no test skips for want of a build.
 */
export async function setup(): Promise<void> {
  // @ts-expect-error -- a plain .mjs script without types; importing it runs the check.
  await import('../scripts/ensure-build.mjs');
}
