import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Elevation } from '../elevation/types.js';
import type { Store } from './port.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function elevation(id: string, over: Partial<Elevation> = {}): Elevation {
  return {
    id,
    principal: 'release-bot',
    group: 'prod-deployers',
    reason: 'hotfix INC-1',
    durationS: 900,
    requestedBy: 'Agent:release-bot',
    requestId: `req-${id}`,
    grantedAt: iso(T0),
    expiresAt: iso(T0 + 900_000),
    ...over,
  };
}

/**
 * Granted elevations (docs/elevation.md): one suite for memory, SQLite and PostgreSQL. Active means
 * not revoked and `expiresAt` later than the instant asked about; the first revocation wins.
 */
export function runElevationContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`elevation store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('an elevation is active up to its expiry instant (exclusive) and then gone', async () => {
      await store.elevations.insert(elevation('e1'));
      expect((await store.elevations.active('release-bot', iso(T0))).map((e) => e.id)).toEqual(['e1']);
      expect((await store.elevations.active('release-bot', iso(T0 + 899_999))).map((e) => e.id)).toEqual(['e1']);
      expect(await store.elevations.active('release-bot', iso(T0 + 900_000))).toEqual([]);
      expect(await store.elevations.active('other-bot', iso(T0))).toEqual([]);
      expect(await store.elevations.get('e1')).toEqual(elevation('e1'));
      expect(await store.elevations.get('nope')).toBeUndefined();
    });

    it('a revocation ends it at once; the first revocation wins, an expired one cannot be revoked', async () => {
      await store.elevations.insert(elevation('e2'));
      await store.elevations.insert(elevation('e3', { expiresAt: iso(T0 + 1000) }));
      const r = await store.elevations.revoke('e2', iso(T0 + 10), 'Human:olive', 'done early');
      expect(r).toMatchObject({ id: 'e2', revokedAt: iso(T0 + 10), revokedBy: 'Human:olive', revokeReason: 'done early' });
      expect(await store.elevations.revoke('e2', iso(T0 + 20), 'Human:sam', undefined)).toBeUndefined();
      expect((await store.elevations.get('e2'))?.revokedBy).toBe('Human:olive');
      expect((await store.elevations.active('release-bot', iso(T0 + 11))).map((e) => e.id)).toEqual(['e3']);
      expect(await store.elevations.revoke('e3', iso(T0 + 1000), 'Human:olive', undefined)).toBeUndefined();
      expect(await store.elevations.revoke('missing', iso(T0), 'Human:olive', undefined)).toBeUndefined();
    });

    it('of concurrent revocations exactly one succeeds', async () => {
      await store.elevations.insert(elevation('e4'));
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.elevations.revoke('e4', iso(T0 + 5), `Human:h${i}`, undefined)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lists newest first, by principal and by activity; a duplicate id is refused', async () => {
      await store.elevations.insert(elevation('a', { grantedAt: iso(T0), expiresAt: iso(T0 + 60_000) }));
      await store.elevations.insert(elevation('b', { grantedAt: iso(T0 + 1000), expiresAt: iso(T0 + 2000) }));
      await store.elevations.insert(elevation('c', { principal: 'ci-job', grantedAt: iso(T0 + 2000), expiresAt: iso(T0 + 60_000) }));
      expect((await store.elevations.list({})).map((e) => e.id)).toEqual(['c', 'b', 'a']);
      expect((await store.elevations.list({ principal: 'release-bot' })).map((e) => e.id)).toEqual(['b', 'a']);
      expect((await store.elevations.list({ activeAt: iso(T0 + 5000) })).map((e) => e.id)).toEqual(['c', 'a']);
      expect((await store.elevations.list({ limit: 1 })).map((e) => e.id)).toEqual(['c']);
      await expect(store.elevations.insert(elevation('a'))).rejects.toThrow();
    });

    it('inside a unit of work an elevation commits with its audit record, or neither does', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.elevations.insert(elevation('rolled-back'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.elevations.get('rolled-back')).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.elevations.insert(elevation('kept'));
        expect((await tx.elevations.get('kept'))?.id).toBe('kept');
      });
      expect((await store.elevations.get('kept'))?.id).toBe('kept');
    });

    it('an expiry is recorded once: only ran-out, unrevoked, unrecorded elevations are due, and the first mark wins', async () => {
      await store.elevations.insert(elevation('x1', { expiresAt: iso(T0 + 60_000) }));
      await store.elevations.insert(elevation('x2', { expiresAt: iso(T0 + 30_000) }));
      await store.elevations.insert(elevation('live', { expiresAt: iso(T0 + 900_000) }));
      await store.elevations.insert(elevation('gone', { expiresAt: iso(T0 + 10_000) }));
      expect(await store.elevations.revoke('gone', iso(T0 + 5000), 'Human:olive', undefined)).toBeDefined();
      const at = iso(T0 + 60_000);
      // Soonest expiry first; the instant of expiry is due (active is exclusive of it); a revoked one never is.
      expect((await store.elevations.expiredUnrecorded(at, 10)).map((e) => e.id)).toEqual(['x2', 'x1']);
      expect((await store.elevations.expiredUnrecorded(at, 1)).map((e) => e.id)).toEqual(['x2']);
      expect(await store.elevations.markExpiryRecorded('x2', at)).toBe(true);
      expect(await store.elevations.markExpiryRecorded('x2', at)).toBe(false);
      expect(await store.elevations.markExpiryRecorded('gone', at)).toBe(false);
      expect(await store.elevations.markExpiryRecorded('nope', at)).toBe(false);
      expect((await store.elevations.expiredUnrecorded(at, 10)).map((e) => e.id)).toEqual(['x1']);
      // A mark inside a unit of work that fails is undone with it.
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.elevations.markExpiryRecorded('x1', at)).toBe(true);
          throw new Error('record failed');
        }),
      ).rejects.toThrow('record failed');
      expect((await store.elevations.expiredUnrecorded(at, 10)).map((e) => e.id)).toEqual(['x1']);
      // The row itself is unchanged by the mark.
      expect(await store.elevations.get('x2')).toEqual(elevation('x2', { expiresAt: iso(T0 + 30_000) }));
    });

    it('text is data', async () => {
      const nasty = `x'; DROP TABLE elevations;-- \u0000`;
      await store.elevations.insert(elevation('n', { principal: nasty, reason: nasty }));
      expect((await store.elevations.active(nasty, iso(T0)))[0]?.reason).toBe(nasty);
    });
  });
}
