import type Database from 'better-sqlite3';
import type { ChatMessageRefs, ReplayLedger } from '../port.js';

/** Schema of the chat integration's shared state (appended to the SQLite migrations). */
export const CHAT_STATE_MIGRATION = `
  CREATE TABLE replay_keys (
    key TEXT PRIMARY KEY,
    expires_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX replay_keys_expiry ON replay_keys (expires_at_ms);
  CREATE TABLE chat_message_refs (
    approval_id TEXT PRIMARY KEY,
    channel TEXT,
    ts TEXT,
    announced TEXT
  ) WITHOUT ROWID;
`;

/** Expired replay keys are removed every this many sightings (keeps the table at the live window). */
const PURGE_EVERY = 1000;

export function createSqliteChatState(db: Database.Database): { replay: ReplayLedger; chatRefs: ChatMessageRefs } {
  // One statement: insert, or take over an expired key; a row comes back only to the first sighting.
  const sight = db.prepare<[string, number, number], { key: string }>(
    `INSERT INTO replay_keys (key, expires_at_ms) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET expires_at_ms = excluded.expires_at_ms WHERE replay_keys.expires_at_ms <= ?
     RETURNING key`,
  );
  const purge = db.prepare<[number]>('DELETE FROM replay_keys WHERE expires_at_ms <= ?');
  const getRef = db.prepare<[string], { channel: string | null; ts: string | null; announced: string | null }>('SELECT channel, ts, announced FROM chat_message_refs WHERE approval_id = ?');
  const putRef = db.prepare<[string, string | null, string | null, string | null]>(
    `INSERT INTO chat_message_refs (approval_id, channel, ts, announced) VALUES (?, ?, ?, ?)
     ON CONFLICT (approval_id) DO UPDATE SET
       channel = coalesce(excluded.channel, channel), ts = coalesce(excluded.ts, ts), announced = coalesce(excluded.announced, announced)`,
  );
  const claim = db.prepare<[string, string], { approval_id: string }>(
    `INSERT INTO chat_message_refs (approval_id, announced) VALUES (?, ?)
     ON CONFLICT (approval_id) DO UPDATE SET announced = excluded.announced WHERE announced IS NOT excluded.announced
     RETURNING approval_id`,
  );
  let sightings = 0;
  return {
    replay: {
      async firstSeen(key, expiresAtMs, nowMs) {
        if (++sightings % PURGE_EVERY === 0) purge.run(nowMs);
        return sight.get(key, expiresAtMs, nowMs) !== undefined;
      },
    },
    chatRefs: {
      async get(id) {
        const r = getRef.get(id);
        if (!r) return undefined;
        const out: { message?: { channel: string; ts: string }; announced?: string } = {};
        if (r.channel !== null && r.ts !== null) out.message = { channel: r.channel, ts: r.ts };
        if (r.announced !== null) out.announced = r.announced;
        return out;
      },
      async put(id, value) {
        putRef.run(id, value.message?.channel ?? null, value.message?.ts ?? null, value.announced ?? null);
      },
      async claimAnnouncement(id, status) {
        return claim.get(id, status) !== undefined;
      },
    },
  };
}
