import type Database from 'better-sqlite3';
import type { HookPairings } from '../port.js';

/** Schema of the HTTP hooks' pre → post pairing (appended to the SQLite migrations). */
export const HOOK_PAIRINGS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS hook_pairings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS hook_pairings_expiry ON hook_pairings (expires_at_ms);
`;

/** Expired pairings (a PreToolUse whose PostToolUse never came) are removed every this many puts. */
const PURGE_EVERY = 1000;

export function createSqliteHookPairings(db: Database.Database): HookPairings {
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO hook_pairings (key, value, expires_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at_ms = excluded.expires_at_ms`,
  );
  // Delete and read in one statement: of two takers only one gets the row back.
  const take = db.prepare<[string], { value: string; expires_at_ms: number }>('DELETE FROM hook_pairings WHERE key = ? RETURNING value, expires_at_ms');
  const purge = db.prepare<[number]>('DELETE FROM hook_pairings WHERE expires_at_ms <= ?');
  let puts = 0;
  return {
    async put(key, value, expiresAtMs, nowMs) {
      if (++puts % PURGE_EVERY === 0) purge.run(nowMs);
      upsert.run(key, value, expiresAtMs);
    },
    async take(key, nowMs) {
      const r = take.get(key);
      return r && r.expires_at_ms > nowMs ? r.value : undefined;
    },
  };
}
