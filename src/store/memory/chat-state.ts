import type { ChatMessageRefs, ReplayLedger } from '../port.js';

/** One process's replay ledger; `maxEntries` bounds it (only verified requests add keys). */
export function createMemoryReplayLedger(maxEntries = 100_000): ReplayLedger {
  const seen = new Map<string, number>();
  return {
    async firstSeen(key, expiresAtMs, nowMs) {
      const until = seen.get(key);
      if (until !== undefined && until > nowMs) return false;
      if (seen.size >= maxEntries) {
        for (const [k, exp] of seen) if (exp <= nowMs) seen.delete(k);
        // Still full of live entries: drop the oldest insertions (a Map keeps insertion order).
        for (const k of seen.keys()) {
          if (seen.size < maxEntries) break;
          seen.delete(k);
        }
      }
      seen.delete(key);
      seen.set(key, expiresAtMs);
      return true;
    },
  };
}

export function createMemoryChatRefs(): ChatMessageRefs {
  const rows = new Map<string, { message?: { channel: string; ts: string }; announced?: string }>();
  return {
    async get(id) {
      const r = rows.get(id);
      return r && structuredClone(r);
    },
    async put(id, value) {
      rows.set(id, { ...rows.get(id), ...structuredClone(value) });
    },
    async claimAnnouncement(id, status) {
      const r = rows.get(id) ?? {};
      if (r.announced === status) return false;
      rows.set(id, { ...r, announced: status });
      return true;
    },
  };
}
