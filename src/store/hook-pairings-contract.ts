import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './port.js';

/**
 * HTTP hook pre → post pairing: one suite for memory, SQLite and PostgreSQL, so a PostToolUse that
 * reaches another replica than its PreToolUse finds the decisions, once.
 */
export function runHookPairingsContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`hook pairings contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const now = 1_800_000_000_000;

    it('a pairing is taken once, and a later put replaces it', async () => {
      expect(await store.hookPairings.take('k1', now)).toBeUndefined();
      await store.hookPairings.put('k1', '[{"requestId":"a"}]', now + 60_000, now);
      await store.hookPairings.put('k1', '[{"requestId":"b"}]', now + 60_000, now);
      expect(await store.hookPairings.take('k1', now + 1)).toBe('[{"requestId":"b"}]');
      expect(await store.hookPairings.take('k1', now + 2)).toBeUndefined();
    });

    it('an expired pairing is not given out (and is gone)', async () => {
      await store.hookPairings.put('k2', 'v', now + 1000, now);
      expect(await store.hookPairings.take('k2', now + 1000)).toBeUndefined();
      expect(await store.hookPairings.take('k2', now)).toBeUndefined();
    });

    it('of many concurrent takers exactly one gets the pairing', async () => {
      await store.hookPairings.put('k3', 'once', now + 60_000, now);
      const got = await Promise.all(Array.from({ length: 12 }, () => store.hookPairings.take('k3', now)));
      expect(got.filter((v) => v === 'once')).toHaveLength(1);
    });

    it('pairings that expired unclaimed are dropped by later puts, by the caller\'s clock (not the host\'s)', async () => {
      // A clock far in the past: nothing it keeps may be purged as expired by the host's time.
      const past = 1_000_000_000_000;
      await store.hookPairings.put('old', 'stale', past + 10, past);
      await store.hookPairings.put('live', 'kept', past + 60_000, past);
      for (let i = 0; i < 1100; i++) await store.hookPairings.put(`filler-${i}`, 'x', past + 60_000, past + 20);
      expect(await store.hookPairings.take('live', past + 30)).toBe('kept');
      expect(await store.hookPairings.take('old', past + 30)).toBeUndefined();
    });

    it('keys and values are data (SQL metacharacters, Unicode)', async () => {
      const nasty = `'; DROP TABLE hook_pairings;-- %_ ☃`;
      await store.hookPairings.put(nasty, nasty, now + 60_000, now);
      await store.hookPairings.put(`${nasty}2`, 'other', now + 60_000, now);
      expect(await store.hookPairings.take(nasty, now)).toBe(nasty);
      expect(await store.hookPairings.take(`${nasty}2`, now)).toBe('other');
    });
  });
}
