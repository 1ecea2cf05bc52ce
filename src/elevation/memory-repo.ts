import type { ElevationRepo } from './repo.js';
import type { Elevation } from './types.js';

/** The reference adapter; `snapshot()` is the memory store's undo for a failed unit of work. */
export function createMemoryElevationRepo(): ElevationRepo & { snapshot(): () => void } {
  let rows = new Map<string, Elevation>();
  let recorded = new Set<string>();
  const copy = (e: Elevation): Elevation => ({ ...e });
  const live = (e: Elevation, at: string) => e.revokedAt === undefined && e.expiresAt > at;
  return {
    async insert(e) {
      if (rows.has(e.id)) throw new Error(`elevation ${e.id} exists`);
      rows.set(e.id, copy(e));
    },
    async get(id) {
      const e = rows.get(id);
      return e ? copy(e) : undefined;
    },
    async active(principal, nowIso) {
      return [...rows.values()].filter((e) => e.principal === principal && live(e, nowIso)).map(copy);
    },
    async list(f) {
      const out = [...rows.values()]
        .filter((e) => (f.principal === undefined || e.principal === f.principal) && (f.activeAt === undefined || live(e, f.activeAt)))
        .sort((a, b) => (a.grantedAt === b.grantedAt ? (a.id < b.id ? 1 : -1) : a.grantedAt < b.grantedAt ? 1 : -1));
      return out.slice(0, f.limit ?? 1000).map(copy);
    },
    async revoke(id, at, by, reason) {
      const e = rows.get(id);
      if (!e || !live(e, at)) return undefined;
      const next: Elevation = { ...e, revokedAt: at, revokedBy: by, ...(reason !== undefined ? { revokeReason: reason } : {}) };
      rows.set(id, next);
      return copy(next);
    },
    async expiredUnrecorded(nowIso, limit) {
      return [...rows.values()]
        .filter((e) => e.revokedAt === undefined && e.expiresAt <= nowIso && !recorded.has(e.id))
        .sort((a, b) => (a.expiresAt === b.expiresAt ? (a.id < b.id ? -1 : 1) : a.expiresAt < b.expiresAt ? -1 : 1))
        .slice(0, limit)
        .map(copy);
    },
    async markExpiryRecorded(id) {
      const e = rows.get(id);
      if (!e || e.revokedAt !== undefined || recorded.has(id)) return false;
      recorded.add(id);
      return true;
    },
    snapshot() {
      const saved = new Map(rows);
      const savedRecorded = new Set(recorded);
      return () => {
        rows = saved;
        recorded = savedRecorded;
      };
    },
  };
}
