import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from './sqlite-store.js';
import { createWalSync } from './wal-sync.js';

function file(): string {
  const p = join(mkdtempSync(join(tmpdir(), 'airlock-walsync-')), 'x-wal');
  writeFileSync(p, 'frames');
  return p;
}

/** An fsync the test finishes by hand, to see which callers each one answers. */
function manualFsync() {
  const pending: Array<{ done: () => void; fail: (e: Error) => void }> = [];
  const fsync = () => new Promise<void>((done, fail) => pending.push({ done, fail }));
  return { fsync, pending };
}

const settled = async (p: Promise<unknown>) => {
  let state = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('WAL sync off the event loop', () => {
  it('a caller is answered only by an fsync that began after it asked; callers of one moment share it', async () => {
    const { fsync, pending } = manualFsync();
    const s = createWalSync(file(), fsync);
    const first = s.durable();
    await vi.waitFor(() => expect(pending).toHaveLength(1));
    // Two commits land while the first fsync runs: they wait for the next one, together.
    const second = s.durable();
    const third = s.durable();
    pending[0]!.done();
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    await vi.waitFor(() => expect(pending).toHaveLength(2));
    pending[1]!.done();
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('resolved');
    expect(pending).toHaveLength(2);
    await s.close();
  });

  it('after a failed fsync nothing is called durable again (fail closed)', async () => {
    const { fsync, pending } = manualFsync();
    const s = createWalSync(file(), fsync);
    const first = s.durable();
    await vi.waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.fail(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await expect(s.durable()).rejects.toThrow('EIO');
    expect(pending).toHaveLength(1);
    await s.close();
  });

  it('a store write whose WAL cannot be synced is refused, not acknowledged', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'airlock-walsync-store-')), 'airlock.db');
    const store = openSqliteStore({ path });
    expect(String((store as unknown as { db: { pragma(s: string, o: object): unknown } }).db.pragma('synchronous', { simple: true }))).toBe('1');
    // The WAL gone from the directory (SQLite keeps writing the unlinked file): no fsync can reach it.
    unlinkSync(`${path}-wal`);
    const entry = { at: new Date().toISOString(), kind: 'decision', record: { n: 1 } };
    const { sealRecord } = await import('../../audit/chain.js');
    await expect(store.audit.append('w', [entry], sealRecord)).rejects.toThrow(/ENOENT/);
    await expect(store.transaction((tx) => tx.audit.append('w', [entry], sealRecord))).rejects.toThrow(/ENOENT/);
    await store.close();
  });
});
