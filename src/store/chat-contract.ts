import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './port.js';

/**
 * The chat integration's shared state (Slack replay guard, message references): one suite for
 * memory, SQLite and PostgreSQL, so two replicas behind a load balancer see one ledger.
 */
export function runChatStateContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`chat state contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('replay: a key is seen first once while it lives, and again only after it expired', async () => {
      const now = 1_800_000_000_000;
      expect(await store.replay.firstSeen('sig:a', now + 1000, now)).toBe(true);
      expect(await store.replay.firstSeen('sig:a', now + 5000, now + 10)).toBe(false);
      expect(await store.replay.firstSeen('sig:a', now + 5000, now + 999)).toBe(false);
      expect(await store.replay.firstSeen('sig:b', now + 1000, now)).toBe(true);
      // Expired: a new sighting starts a new window.
      expect(await store.replay.firstSeen('sig:a', now + 9000, now + 1000)).toBe(true);
      expect(await store.replay.firstSeen('sig:a', now + 9000, now + 2000)).toBe(false);
    });

    it('replay: of many concurrent sightings of one key exactly one is first', async () => {
      const now = 1_800_000_000_000;
      const results = await Promise.all(Array.from({ length: 12 }, () => store.replay.firstSeen('click:x', now + 60_000, now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('replay: keys are data (SQL metacharacters, NUL)', async () => {
      const nasty = `'; DROP TABLE x;-- \u0000 %_`;
      expect(await store.replay.firstSeen(nasty, 2000, 1000)).toBe(true);
      expect(await store.replay.firstSeen(nasty, 2000, 1001)).toBe(false);
      expect(await store.replay.firstSeen(`${nasty}2`, 2000, 1001)).toBe(true);
    });

    it('message refs: merge-writes, reads copies, unknown is undefined', async () => {
      expect(await store.chatRefs.get('a1')).toBeUndefined();
      await store.chatRefs.put('a1', { message: { channel: 'C1', ts: '1.000100' } });
      expect(await store.chatRefs.get('a1')).toEqual({ message: { channel: 'C1', ts: '1.000100' } });
      expect(await store.chatRefs.claimAnnouncement('a1', 'approved')).toBe(true);
      expect(await store.chatRefs.get('a1')).toEqual({ message: { channel: 'C1', ts: '1.000100' }, announced: 'approved' });
      await store.chatRefs.put('a1', { message: { channel: 'C2', ts: '2.000200' } });
      expect(await store.chatRefs.get('a1')).toEqual({ message: { channel: 'C2', ts: '2.000200' }, announced: 'approved' });
      const got = await store.chatRefs.get('a1');
      got!.message!.channel = 'mutated';
      expect((await store.chatRefs.get('a1'))!.message!.channel).toBe('C2');
    });

    it('message refs: an announcement is claimed once per status, also under concurrency', async () => {
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.chatRefs.claimAnnouncement('a2', 'denied')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.chatRefs.claimAnnouncement('a2', 'denied')).toBe(false);
      expect(await store.chatRefs.claimAnnouncement('a2', 'consumed')).toBe(true);
      expect(await store.chatRefs.get('a2')).toEqual({ announced: 'consumed' });
    });
  });
}
