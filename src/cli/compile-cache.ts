import { lstatSync, mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type CacheApi = {
  enableCompileCache?: (dir?: string) => { status: number; message?: string; directory?: string };
  flushCompileCache?: () => void;
};
const api = nodeModule as unknown as CacheApi;

/**
 * Turns on Node's on-disk compile cache for the modules loaded after this call: `airlock serve`
 * compiles its ~300 modules from the cache on every start but the first (docs/benchmarks.md).
 * Node >= 22.1 only; a no-op on older Node and when NODE_DISABLE_COMPILE_CACHE is set.
 *
 * The cache holds code that Node runs, so the directory must be writable by this user alone:
 * `<tmp>/airlock-compile-cache-<uid>`, created 0700, used only when it is a real directory (not a
 * link) owned by this user with no group or other access. Anything else skips the cache; the
 * cache never fails a command. Returns the directory in use, or undefined.
 */
export function enableCompileCache(baseDir: string = tmpdir()): string | undefined {
  if (typeof api.enableCompileCache !== 'function') return undefined;
  try {
    const uid = process.getuid?.();
    const dir = join(baseDir, `airlock-compile-cache${uid === undefined ? '' : `-${uid}`}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0))) return undefined;
    const r = api.enableCompileCache(dir);
    return r.directory;
  } catch {
    return undefined;
  }
}

/** Writes what the cache gathered so far (Node >= 22.10), so a process that is killed later still leaves it. */
export function flushCompileCache(): void {
  try {
    api.flushCompileCache?.();
  } catch {
    // best effort: the cache is an optimisation only
  }
}
