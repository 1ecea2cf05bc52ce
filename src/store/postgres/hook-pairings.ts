import type { HookPairings } from '../port.js';
import type { Db } from './db.js';

/** Expired pairings (a PreToolUse whose PostToolUse never came) are removed every this many puts. */
const PURGE_EVERY = 1000;

/**
 * The HTTP hooks' pre → post pairing in PostgreSQL: a PostToolUse that the load balancer sends to
 * another replica than its PreToolUse still finds the decisions it ran under.
 */
export function createPgHookPairings(db: Db): HookPairings {
  let puts = 0;
  return {
    async put(key, value, expiresAtMs, nowMs) {
      if (++puts % PURGE_EVERY === 0) await db.query('DELETE FROM hook_pairings WHERE expires_at_ms <= $1', [nowMs]);
      await db.query(
        `INSERT INTO hook_pairings (key, value, expires_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at_ms = EXCLUDED.expires_at_ms`,
        [key, value, expiresAtMs],
      );
    },
    async take(key, nowMs) {
      // DELETE … RETURNING: of two replicas taking one key at once, only one gets the row.
      const [r] = await db.query<{ value: string; expires_at_ms: string }>('DELETE FROM hook_pairings WHERE key = $1 RETURNING value, expires_at_ms', [key]);
      return r && Number(r.expires_at_ms) > nowMs ? r.value : undefined;
    },
  };
}
