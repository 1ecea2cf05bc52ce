import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord } from '../../audit/chain.js';
import type { Store } from '../port.js';
import { DEFAULT_AUTOCHECKPOINT, startCheckpointer } from './checkpointer.js';
import { openSqliteStore } from './sqlite-store.js';

const dbOf = (s: Store) => (s as unknown as { db: Database.Database }).db;
const autoCheckpoint = (s: Store) => dbOf(s).pragma('wal_autocheckpoint', { simple: true });
/** Resolves once `ok()` holds, checking after each turn of the event loop (no fixed sleep). */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 20));
}
const pad = 'x'.repeat(12_000);
const write = (s: Store, n: number) =>
  s.audit.append('main', Array.from({ length: n }, (_, i) => ({ at: '2026-01-01T00:00:00.000Z', kind: 'decision', record: { i, pad } })), sealRecord);

describe('WAL checkpoints on a worker thread', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-checkpointer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes over from the commits: the worker copies the WAL into the database while the serving connection only keeps a backstop', async () => {
    const path = join(dir, 'airlock.db');
    const store = openSqliteStore({ path, backgroundCheckpointAfter: 1 });
    expect(autoCheckpoint(store)).toBe(DEFAULT_AUTOCHECKPOINT);
    await write(store, 1);
    // 16 MiB of 16 KiB pages: the serving connection would not checkpoint ~3 MB by itself.
    await until(() => autoCheckpoint(store) === 1024);
    const dbBefore = statSync(path).size;
    for (let i = 0; i < 30; i++) await write(store, 8);
    await until(() => statSync(path).size > dbBefore + 2_000_000);
    await store.close();
    // The worker's connection is closed too: the last connection out removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = openSqliteStore({ path });
    expect((await again.audit.read('main', 1, 10_000)).length).toBe(1 + 30 * 8);
    await again.close();
  });

  it('keeps the WAL bounded under commits that never pause (the backstop lets it start over)', async () => {
    const path = join(dir, 'airlock.db');
    const store = openSqliteStore({ path, backgroundCheckpointAfter: 1, walBackstopBytes: 1_000_000 });
    await write(store, 1);
    await until(() => autoCheckpoint(store) === Math.ceil(1_000_000 / 16384));
    let largest = 0;
    // ~12 MB of records, back to back.
    for (let i = 0; i < 120; i++) {
      await write(store, 8);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    expect(largest).toBeLessThan(3_000_000);
    expect((await store.audit.read('main', 1, 10_000)).length).toBe(1 + 120 * 8);
    await store.close();
  });

  it('lets a process that used it exit on its own after close()', async () => {
    const path = join(dir, 'airlock.db');
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(new URL('../../../dist/store/sqlite/sqlite-store.js', import.meta.url).href)});
      const { sealRecord } = await import(${JSON.stringify(new URL('../../../dist/audit/chain.js', import.meta.url).href)});
      const store = openSqliteStore({ path: ${JSON.stringify(path)}, backgroundCheckpointAfter: 1 });
      for (let i = 0; i < 20; i++) await store.audit.append('main', [{ at: '2026-01-01T00:00:00.000Z', kind: 'decision', record: { i } }], sealRecord);
      await new Promise((r) => setTimeout(r, 50));
      await store.close();
      console.log('closed');
    `;
    // Exit code 13 would mean the process ran out of work while close() still waited.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('closed');
    expect(r.status).toBe(0);
  });

  it('hands checkpoints back to the commits when the worker fails, and says so', async () => {
    const settings: number[] = [];
    const errors: Error[] = [];
    const failed = new Promise<void>((resolve) => {
      startCheckpointer({
        path: join(dir, 'no-such-dir', 'airlock.db'),
        backstopPages: 1024,
        setAutoCheckpoint: (pages) => settings.push(pages),
        onError: (e) => (errors.push(e), resolve()),
      });
    });
    await failed;
    expect(errors[0]!.message).toMatch(/unable to open|directory does not exist|no such file/i);
    expect(settings).toEqual([DEFAULT_AUTOCHECKPOINT]);
  });

  it('is not started by a short-lived use of the store', async () => {
    const path = join(dir, 'airlock.db');
    const store = openSqliteStore({ path });
    for (let i = 0; i < 10; i++) await write(store, 1);
    expect(autoCheckpoint(store)).toBe(DEFAULT_AUTOCHECKPOINT);
    await store.close();
  });
});
