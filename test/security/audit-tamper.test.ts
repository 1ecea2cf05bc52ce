import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpoint } from '../../src/audit/checkpoint.js';
import { sealRecord } from '../../src/audit/chain.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { systemClock } from '../../src/core/clock.js';
import { createKeyRing } from '../../src/grants/keyring.js';
import { createMemoryKeyProvider } from '../../src/keys/memory-provider.js';
import type { Store } from '../../src/store/port.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

// DESIGN §5 / threats.md A2 and §3.9: `audit verify` finds any edited, removed, inserted or
// reordered record, and a saved signed head catches truncation of the tail.
describe('audit log tamper detection (SQLite, direct SQL)', () => {
  let store: Store;
  let db: Database.Database;

  beforeEach(async () => {
    store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-tamper-')), 'airlock.db') });
    db = (store as unknown as { db: Database.Database }).db;
    const entries = Array.from({ length: 10 }, (_, i) => ({ at: new Date(1_700_000_000_000 + i).toISOString(), kind: 'decision', record: { i, outcome: i % 2 ? 'allow' : 'deny' } }));
    await store.audit.append('main', entries, sealRecord);
  });

  const firstBad = async () => {
    const r = await verifyAudit(store.audit);
    return r.ok ? undefined : r.writers.find((w) => w.problem)!.problem!.seq;
  };

  it('an untouched log verifies', async () => {
    const r = await verifyAudit(store.audit);
    expect(r.ok).toBe(true);
    expect(r.total).toBe(10);
  });

  it('edit of a field is found at that record', async () => {
    db.prepare(`UPDATE audit SET record = replace(record, '"deny"', '"allow"') WHERE seq = 5`).run();
    expect(await firstBad()).toBe(5);
  });

  it('whitespace-only edit of the stored JSON is found', async () => {
    db.prepare(`UPDATE audit SET record = replace(record, ':', ': ') WHERE seq = 3`).run();
    expect(await firstBad()).toBe(3);
  });

  it('a changed timestamp alone is found', async () => {
    db.prepare(`UPDATE audit SET at = '2030-01-01T00:00:00.000Z' WHERE seq = 7`).run();
    expect(await firstBad()).toBe(7);
  });

  it('deleting a middle record is found at the next one', async () => {
    db.prepare('DELETE FROM audit WHERE seq = 4').run();
    expect(await firstBad()).toBe(5);
  });

  it('deleting and renumbering the rest is found (prev-hash link broken)', async () => {
    db.prepare('DELETE FROM audit WHERE seq = 4').run();
    for (let s = 5; s <= 10; s++) db.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(s - 1, s);
    expect(await firstBad()).toBe(4);
  });

  it('swapping two records is found', async () => {
    const a = db.prepare('SELECT * FROM audit WHERE seq = 6').get() as Record<string, unknown>;
    const b = db.prepare('SELECT * FROM audit WHERE seq = 7').get() as Record<string, unknown>;
    const upd = db.prepare('UPDATE audit SET at = ?, kind = ?, prev_hash = ?, hash = ?, record = ? WHERE seq = ?');
    upd.run(b['at'], b['kind'], b['prev_hash'], b['hash'], b['record'], 6);
    upd.run(a['at'], a['kind'], a['prev_hash'], a['hash'], a['record'], 7);
    expect(await firstBad()).toBe(6);
  });

  it('an inserted forged record is found', async () => {
    // Renumber from the top down so the primary key never collides.
    for (let s = 10; s >= 8; s--) db.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(s + 1, s);
    // Build the forged row on the real chain head at 7 so its own hash is right; the next link breaks.
    const prev = db.prepare('SELECT seq, hash FROM audit WHERE seq = 7').get() as { seq: number; hash: string };
    const forged = sealRecord('main', prev, { at: new Date().toISOString(), kind: 'decision', record: { forged: true } });
    db.prepare('INSERT INTO audit (writer, seq, at, kind, prev_hash, hash, record) VALUES (?, ?, ?, ?, ?, ?, ?)').run('main', 8, forged.at, forged.kind, forged.prevHash, forged.hash, forged.recordText);
    expect(await firstBad()).toBe(9);
  });

  it('moving a record to another writer is found (writer is in the hash)', async () => {
    db.prepare(`UPDATE audit SET writer = 'other' WHERE seq >= 9`).run();
    db.prepare(`UPDATE audit SET seq = seq - 8 WHERE writer = 'other'`).run();
    const r = await verifyAudit(store.audit);
    expect(r.ok).toBe(false);
    expect(r.writers.find((w) => w.writer === 'other')?.problem?.kind).toBe('link');
  });

  it('tail truncation is invisible to the chain alone but caught by a saved signed head', async () => {
    const keys = createKeyRing(createMemoryKeyProvider(), 'audit', systemClock);
    const head = (await store.audit.head('main'))!;
    const cp = await signCheckpoint('main', head, new Date().toISOString(), await keys.current());
    const anchor = await verifyCheckpoint(cp.jws, (kid) => keys.publicKey(kid));
    expect((await verifyAudit(store.audit, anchor)).ok).toBe(true);

    db.prepare('DELETE FROM audit WHERE seq > 8').run();
    expect((await verifyAudit(store.audit)).ok).toBe(true); // a bare chain cannot see it
    const r = await verifyAudit(store.audit, anchor);
    expect(r.ok).toBe(false);
    expect(r.anchor?.ok).toBe(false);
    expect(r.anchor?.message).toMatch(/ends at seq 8/);
  });

  it('dropping every record is caught by a saved head', async () => {
    const keys = createKeyRing(createMemoryKeyProvider(), 'audit', systemClock);
    const cp = await signCheckpoint('main', (await store.audit.head('main'))!, new Date().toISOString(), await keys.current());
    const anchor = await verifyCheckpoint(cp.jws, (kid) => keys.publicKey(kid));
    db.prepare('DELETE FROM audit').run();
    expect((await verifyAudit(store.audit, anchor)).ok).toBe(false);
  });

  it('a checkpoint with a forged payload, another key or alg none is refused', async () => {
    const keys = createKeyRing(createMemoryKeyProvider(), 'audit', systemClock);
    const cp = await signCheckpoint('main', (await store.audit.head('main'))!, new Date().toISOString(), await keys.current());
    const [h, p, s] = cp.jws.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ writer: 'main', seq: 3, hash: 'x', at: 'y' })).toString('base64url');
    await expect(verifyCheckpoint(`${h}.${forgedPayload}.${s}`, (kid) => keys.publicKey(kid))).rejects.toThrow();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'airlock-checkpoint+jws', kid: cp.kid })).toString('base64url');
    await expect(verifyCheckpoint(`${none}.${p}.`, (kid) => keys.publicKey(kid))).rejects.toThrow();
    const other = createKeyRing(createMemoryKeyProvider(), 'audit', systemClock);
    const cp2 = await signCheckpoint('main', (await store.audit.head('main'))!, new Date().toISOString(), await other.current());
    await expect(verifyCheckpoint(cp2.jws, (kid) => keys.publicKey(kid))).rejects.toThrow(/unknown/);
  });
});
