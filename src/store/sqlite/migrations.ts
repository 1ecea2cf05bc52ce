import type Database from 'better-sqlite3';
import { APPROVALS_MIGRATION } from './approval-repo.js';
import { DELEGATIONS_MIGRATION } from './delegation-repo.js';
import { CHAT_STATE_MIGRATION } from './chat-state.js';
import { ELEVATIONS_MIGRATION, migrateElevationExpiry } from './elevation-repo.js';
import { HOOK_PAIRINGS_MIGRATION } from './hook-pairings.js';

/** Ordered schema migrations; `user_version` records how many have run. Append only. */
/** SQL, or a function for a change SQLite cannot make conditionally in SQL alone. */
const migrations: Array<string | ((db: Database.Database) => void)> = [
  `CREATE TABLE audit (
     writer TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (writer, seq)
   ) WITHOUT ROWID;
   CREATE TABLE audit_checkpoints (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     writer TEXT NOT NULL,
     seq INTEGER NOT NULL,
     hash TEXT NOT NULL,
     at TEXT NOT NULL,
     jws TEXT NOT NULL,
     kid TEXT NOT NULL
   );
   CREATE TABLE signing_keys (
     kid TEXT PRIMARY KEY,
     purpose TEXT NOT NULL,
     alg TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     created_at TEXT NOT NULL,
     retired_at TEXT
   );`,
  // 2: identity registry (NHIs and humans share one id space) and API keys (hash only).
  `CREATE TABLE identities (
     id TEXT PRIMARY KEY,
     class TEXT NOT NULL CHECK (class IN ('nhi', 'human')),
     kind TEXT,
     status TEXT NOT NULL,
     owner TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     expires_at TEXT,
     last_used_at TEXT,
     doc TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX identities_owner ON identities (owner);
   CREATE TABLE api_keys (
     key_id TEXT PRIMARY KEY,
     identity_id TEXT NOT NULL REFERENCES identities (id),
     hash TEXT NOT NULL,
     label TEXT,
     created_at TEXT NOT NULL,
     expires_at TEXT,
     revoked_at TEXT,
     last_used_at TEXT,
     created_by TEXT NOT NULL
   );
   CREATE INDEX api_keys_identity ON api_keys (identity_id);`,
  // 3: approvals and confirmations, single-use grant ledger, evidence lookups into the audit chain.
  `${APPROVALS_MIGRATION}
   CREATE TABLE grant_redemptions (
     jti TEXT PRIMARY KEY,
     request_id TEXT NOT NULL,
     redeemed_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX audit_request_id ON audit (json_extract(record, '$.requestId'));
   CREATE INDEX audit_approval_id ON audit (json_extract(record, '$.approvalId'));`,
  // 4: delegation links (issue #5): one row per hop, revoked in place, never deleted.
  DELEGATIONS_MIGRATION,
  // 5: the chat integration's replay ledger and message references, shared by every process.
  CHAT_STATE_MIGRATION,
  // 6: the audit table as a rowid table (issue 13). WITHOUT ROWID stores rows in an index b-tree,
  // whose in-page payload limit (~1 KB on 4 KiB pages) pushed each ~1 KB decision row into its own
  // overflow page: ~2.8 KB of disk per decision. A rowid table keeps rows up to ~4 KB in the page;
  // (writer, seq) stays the unique key through its automatic index. Data and indexes are copied;
  // the approval-id index keeps only records that have one (most decisions do not).
  `CREATE TABLE audit_rowid (
     writer TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (writer, seq)
   );
   INSERT INTO audit_rowid (writer, seq, at, kind, prev_hash, hash, record)
     SELECT writer, seq, at, kind, prev_hash, hash, record FROM audit ORDER BY writer, seq;
   DROP TABLE audit;
   ALTER TABLE audit_rowid RENAME TO audit;
   CREATE INDEX audit_request_id ON audit (json_extract(record, '$.requestId'));
   CREATE INDEX audit_approval_id ON audit (json_extract(record, '$.approvalId'))
     WHERE json_extract(record, '$.approvalId') IS NOT NULL;`,
  // 7: just-in-time elevations (issue 16): granted group memberships with an end.
  ELEVATIONS_MIGRATION,
  // 8: the HTTP hooks' pre → post pairing, shared by every process on the file.
  HOOK_PAIRINGS_MIGRATION,
  // 9: an elevation's expiry recorded once in the audit log.
  migrateElevationExpiry,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema version ${current} is newer than this airlock (${migrations.length})`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      const m = migrations[v]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
