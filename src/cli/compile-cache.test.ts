import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enableCompileCache } from './compile-cache.js';

const supported = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const uid = process.getuid?.();
const base = mkdtempSync(join(tmpdir(), 'airlock-cc-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('enableCompileCache (serve start-up)', () => {
  it.runIf(!supported)('is a no-op where Node has no compile cache (Node < 22.1)', () => {
    expect(enableCompileCache(base)).toBeUndefined();
  });

  // Cached code is run: a directory another user can write, or a link, must not be used.
  it.runIf(supported && uid !== undefined)('refuses a cache directory with group or other access, and a symlink', () => {
    const open = join(base, 'open');
    mkdirSync(join(open, `airlock-compile-cache-${uid}`), { recursive: true });
    chmodSync(join(open, `airlock-compile-cache-${uid}`), 0o777);
    expect(enableCompileCache(open)).toBeUndefined();
    const linked = join(base, 'linked');
    mkdirSync(join(linked, 'target'), { recursive: true, mode: 0o700 });
    symlinkSync(join(linked, 'target'), join(linked, `airlock-compile-cache-${uid}`));
    expect(enableCompileCache(linked)).toBeUndefined();
  });
});
