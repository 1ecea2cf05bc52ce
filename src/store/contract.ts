import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { sealRecord, ChainVerifier } from '../audit/chain.js';
import type { Store } from './port.js';

/**
 * One contract suite for every storage adapter (memory, SQLite, later PostgreSQL). Each adapter's
 * test file calls this with a factory that opens a fresh, empty store.
 */
export function runStoreContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const entry = (i: number) => ({ at: new Date(1_700_000_000_000 + i).toISOString(), kind: 'decision', record: { i, text: `r${i}` } });

    it('appends records in order, chained, per writer', async () => {
      const a = await store.audit.append('w1', [entry(1), entry(2)], sealRecord);
      const b = await store.audit.append('w1', [entry(3)], sealRecord);
      await store.audit.append('w2', [entry(4)], sealRecord);
      expect(a.map((r) => r.seq)).toEqual([1, 2]);
      expect(b[0]!.seq).toBe(3);
      expect(b[0]!.prevHash).toBe(a[1]!.hash);
      expect(await store.audit.head('w1')).toEqual({ seq: 3, hash: b[0]!.hash });
      expect(await store.audit.writers()).toEqual(['w1', 'w2']);
      const all = await store.audit.read('w1', 1, 100);
      const v = new ChainVerifier('w1');
      for (const r of all) expect(v.push(r)).toBe(true);
      expect(v.count).toBe(3);
    });

    it('reads from a sequence number with a limit', async () => {
      await store.audit.append('w', [1, 2, 3, 4, 5].map(entry), sealRecord);
      expect((await store.audit.read('w', 3, 2)).map((r) => r.seq)).toEqual([3, 4]);
      expect(await store.audit.read('none', 1, 10)).toEqual([]);
      expect(await store.audit.head('none')).toBeUndefined();
    });

    it('writes nothing when sealing fails midway (atomic batch)', async () => {
      await store.audit.append('w', [entry(1)], sealRecord);
      let n = 0;
      const failing: typeof sealRecord = (w, prev, e) => {
        if (++n === 2) throw new Error('boom');
        return sealRecord(w, prev, e);
      };
      await expect(store.audit.append('w', [entry(2), entry(3)], failing)).rejects.toThrow('boom');
      expect((await store.audit.read('w', 1, 10)).length).toBe(1);
    });

    it('stores strings verbatim, SQL metacharacters included', async () => {
      const nasty = `'; DROP TABLE audit;-- \u0000 % _ "`;
      await store.audit.append(nasty, [{ at: 'x', kind: nasty, record: { v: nasty } }], sealRecord);
      const [r] = await store.audit.read(nasty, 1, 1);
      expect(r!.kind).toBe(nasty);
      expect(JSON.parse(r!.recordText).v).toBe(nasty);
    });

    it('keeps checkpoints and returns the latest', async () => {
      await store.audit.saveCheckpoint({ writer: 'w', seq: 1, hash: 'h1', at: 'a', jws: 'j1', kid: 'k' });
      await store.audit.saveCheckpoint({ writer: 'w', seq: 5, hash: 'h5', at: 'b', jws: 'j5', kid: 'k' });
      expect((await store.audit.latestCheckpoint('w'))?.seq).toBe(5);
      expect(await store.audit.latestCheckpoint('other')).toBeUndefined();
    });

    it('stores keys, lists newest first, retires', async () => {
      await store.keys.insert({ kid: 'a', purpose: 'audit', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.keys.insert({ kid: 'b', purpose: 'audit', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-02T00:00:00.000Z' });
      await store.keys.insert({ kid: 'c', purpose: 'grant', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-03T00:00:00.000Z' });
      expect((await store.keys.list('audit')).map((k) => k.kid)).toEqual(['b', 'a']);
      await store.keys.retire('a', '2026-02-01T00:00:00.000Z');
      expect((await store.keys.list('audit')).find((k) => k.kid === 'a')?.retiredAt).toBe('2026-02-01T00:00:00.000Z');
    });
  });
}
