import type { HookPairings } from '../port.js';

/** One process's hook pairings; `maxEntries` bounds it (expired first, then the oldest). */
export function createMemoryHookPairings(maxEntries = 100_000): HookPairings {
  const rows = new Map<string, { value: string; expiresAtMs: number }>();
  return {
    async put(key, value, expiresAtMs, nowMs) {
      rows.delete(key);
      rows.set(key, { value, expiresAtMs });
      if (rows.size <= maxEntries) return;
      for (const [k, r] of rows) if (r.expiresAtMs <= nowMs) rows.delete(k);
      for (const k of rows.keys()) {
        if (rows.size <= maxEntries) break;
        rows.delete(k);
      }
    },
    async take(key, nowMs) {
      const r = rows.get(key);
      rows.delete(key);
      return r && r.expiresAtMs > nowMs ? r.value : undefined;
    },
  };
}
