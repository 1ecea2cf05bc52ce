import type { ChatMessageRefs, ReplayLedger } from '../port.js';
import type { Db } from './db.js';

/** Expired replay keys are removed every this many sightings (keeps the table at the live window). */
const PURGE_EVERY = 1000;

/**
 * The chat integration's shared state in PostgreSQL: every replica behind the load balancer sees
 * one replay ledger, so a callback replayed to another replica is still refused.
 */
export function createPgChatState(db: Db): { replay: ReplayLedger; chatRefs: ChatMessageRefs } {
  let sightings = 0;
  return {
    replay: {
      async firstSeen(key, expiresAtMs, nowMs) {
        if (++sightings % PURGE_EVERY === 0) await db.query('DELETE FROM replay_keys WHERE expires_at_ms <= $1', [nowMs]);
        // Insert, or take over an expired key: the conflict is re-checked on the committed row, so
        // of two replicas seeing one key at once exactly one gets the row back.
        const rows = await db.query(
          `INSERT INTO replay_keys (key, expires_at_ms) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET expires_at_ms = EXCLUDED.expires_at_ms WHERE replay_keys.expires_at_ms <= $3
           RETURNING key`,
          [key, expiresAtMs, nowMs],
        );
        return rows.length === 1;
      },
    },
    chatRefs: {
      async get(id) {
        const [r] = await db.query<{ channel: string | null; ts: string | null; announced: string | null }>('SELECT channel, ts, announced FROM chat_message_refs WHERE approval_id = $1', [id]);
        if (!r) return undefined;
        const out: { message?: { channel: string; ts: string }; announced?: string } = {};
        if (r.channel !== null && r.ts !== null) out.message = { channel: r.channel, ts: r.ts };
        if (r.announced !== null) out.announced = r.announced;
        return out;
      },
      async put(id, value) {
        await db.query(
          `INSERT INTO chat_message_refs (approval_id, channel, ts, announced) VALUES ($1, $2, $3, $4)
           ON CONFLICT (approval_id) DO UPDATE SET
             channel = COALESCE(EXCLUDED.channel, chat_message_refs.channel),
             ts = COALESCE(EXCLUDED.ts, chat_message_refs.ts),
             announced = COALESCE(EXCLUDED.announced, chat_message_refs.announced)`,
          [id, value.message?.channel ?? null, value.message?.ts ?? null, value.announced ?? null],
        );
      },
      async claimAnnouncement(id, status) {
        const rows = await db.query(
          `INSERT INTO chat_message_refs (approval_id, announced) VALUES ($1, $2)
           ON CONFLICT (approval_id) DO UPDATE SET announced = EXCLUDED.announced
           WHERE chat_message_refs.announced IS DISTINCT FROM EXCLUDED.announced
           RETURNING approval_id`,
          [id, status],
        );
        return rows.length === 1;
      },
    },
  };
}
