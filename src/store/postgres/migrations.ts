import { PG_ELEVATION_EXPIRY_SQL, PG_ELEVATIONS_SQL } from './elevation-repo.js';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { AirlockError } from '../../core/errors.js';
import { withTransaction, type Db } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/*
 * Conventions: ids and every column compared or sorted as text are COLLATE "C" (code-point order,
 * the order the memory and SQLite adapters return); times are ISO-8601 text exactly as the domain
 * wrote them; documents are JSON text, not jsonb (jsonb refuses \u0000, and strings are kept
 * verbatim). Append only: a released migration is never edited (its checksum is checked).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit chains, checkpoints, signing keys, registry, approvals, grants, delegation links',
    sql: `
      CREATE TABLE audit (
        writer text COLLATE "C" NOT NULL,
        seq bigint NOT NULL CHECK (seq >= 1),
        at text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        record text NOT NULL,
        request_id text COLLATE "C",
        approval_id text COLLATE "C",
        PRIMARY KEY (writer, seq)
      );
      CREATE INDEX audit_request_id ON audit (request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX audit_approval_id ON audit (approval_id) WHERE approval_id IS NOT NULL;
      CREATE TABLE audit_checkpoints (
        id bigserial PRIMARY KEY,
        writer text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        at text NOT NULL,
        jws text NOT NULL,
        kid text NOT NULL
      );
      CREATE INDEX audit_checkpoints_writer ON audit_checkpoints (writer, seq DESC, id DESC);
      CREATE TABLE signing_keys (
        kid text COLLATE "C" PRIMARY KEY,
        ord bigserial NOT NULL,
        purpose text NOT NULL,
        alg text NOT NULL,
        private_jwk text NOT NULL,
        public_jwk text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        retired_at text
      );
      CREATE TABLE identities (
        id text COLLATE "C" PRIMARY KEY,
        class text NOT NULL CHECK (class IN ('nhi', 'human')),
        kind text,
        status text NOT NULL,
        owner text COLLATE "C",
        groups text[] NOT NULL,
        environments text[] NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        expires_at text,
        last_used_at text COLLATE "C",
        doc text NOT NULL
      );
      CREATE INDEX identities_owner ON identities (owner);
      CREATE TABLE api_keys (
        key_id text COLLATE "C" PRIMARY KEY,
        ord bigserial NOT NULL,
        identity_id text COLLATE "C" NOT NULL REFERENCES identities (id),
        hash text NOT NULL,
        label text,
        created_at text COLLATE "C" NOT NULL,
        expires_at text COLLATE "C",
        revoked_at text,
        last_used_at text COLLATE "C",
        created_by text NOT NULL
      );
      CREATE INDEX api_keys_identity ON api_keys (identity_id);
      CREATE TABLE approvals (
        id text COLLATE "C" PRIMARY KEY,
        kind text NOT NULL,
        requester text COLLATE "C" NOT NULL,
        action_hash text COLLATE "C" NOT NULL,
        status text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        expires_at text COLLATE "C" NOT NULL,
        decided_at text,
        consumed_at text,
        consumed_by text,
        vote_count integer NOT NULL DEFAULT 0,
        doc text NOT NULL
      );
      CREATE INDEX approvals_binding ON approvals (kind, requester, action_hash, status);
      CREATE INDEX approvals_status ON approvals (status, created_at);
      CREATE TABLE approval_votes (
        approval_id text COLLATE "C" NOT NULL REFERENCES approvals (id),
        n integer NOT NULL,
        vote text NOT NULL,
        PRIMARY KEY (approval_id, n)
      );
      CREATE TABLE grant_redemptions (
        jti text COLLATE "C" PRIMARY KEY,
        request_id text NOT NULL,
        redeemed_at text NOT NULL,
        expires_at text NOT NULL
      );
      CREATE TABLE delegation_links (
        id text COLLATE "C" PRIMARY KEY,
        parent_id text COLLATE "C" REFERENCES delegation_links (id),
        root_principal text COLLATE "C" NOT NULL,
        delegator text COLLATE "C" NOT NULL,
        delegate text COLLATE "C" NOT NULL,
        scope text NOT NULL,
        purpose text NOT NULL,
        depth integer NOT NULL CHECK (depth >= 1),
        issued_at text COLLATE "C" NOT NULL,
        expires_at text NOT NULL,
        revoked_at text,
        revoked_by text,
        revoked_reason text,
        content_hash text NOT NULL
      );
      CREATE INDEX delegation_links_parent ON delegation_links (parent_id);
      CREATE INDEX delegation_links_root ON delegation_links (root_principal, issued_at);
      CREATE INDEX delegation_links_delegator ON delegation_links (delegator) WHERE revoked_at IS NULL;
      CREATE INDEX delegation_links_delegate ON delegation_links (delegate) WHERE revoked_at IS NULL;
      CREATE INDEX delegation_links_issued ON delegation_links (issued_at, id);
    `,
  },
  {
    version: 2,
    name: 'chat integration state: replay ledger and message references',
    sql: `
      CREATE TABLE replay_keys (
        key text COLLATE "C" PRIMARY KEY,
        expires_at_ms bigint NOT NULL
      );
      CREATE INDEX replay_keys_expiry ON replay_keys (expires_at_ms);
      CREATE TABLE chat_message_refs (
        approval_id text COLLATE "C" PRIMARY KEY,
        channel text,
        ts text,
        announced text
      );
    `,
  },
  {
    version: 3,
    name: 'just-in-time elevations',
    sql: PG_ELEVATIONS_SQL,
  },
  {
    version: 4,
    name: 'HTTP hook pre/post pairing',
    sql: `
      CREATE TABLE hook_pairings (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL,
        expires_at_ms bigint NOT NULL
      );
      CREATE INDEX hook_pairings_expiry ON hook_pairings (expires_at_ms);
    `,
  },
  {
    version: 5,
    name: 'elevation expiry recorded',
    sql: PG_ELEVATION_EXPIRY_SQL,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Advisory lock key of schema changes ('AIRL' 'MIGR' as two int4): one migrator per database. */
const MIGRATION_LOCK = [0x4149524c, 0x4d494752] as const;

const checksum = (m: Migration): string => createHash('sha256').update(m.sql).digest('hex');

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
}

export interface MigrationStatus {
  /** Highest applied version; 0 on an empty database. */
  current: number;
  latest: number;
  applied: { version: number; name: string; appliedAt: string }[];
  pending: { version: number; name: string }[];
}

async function ensureTable(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS airlock_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

async function tableExists(db: Db): Promise<boolean> {
  const [r] = await db.query<{ t: string | null }>(`SELECT to_regclass('airlock_migrations')::text AS t`);
  return r?.t !== null && r?.t !== undefined;
}

function check(applied: AppliedRow[]): void {
  for (const row of applied) {
    const m = MIGRATIONS.find((x) => x.version === row.version);
    if (!m) {
      throw new AirlockError('ERR_STORE_UNAVAILABLE', `database schema version ${row.version} is newer than this airlock (${LATEST_VERSION}); upgrade airlock or use a matching database`);
    }
    if (checksum(m) !== row.checksum) {
      throw new AirlockError('ERR_STORE_UNAVAILABLE', `migration ${row.version} in the database differs from this airlock's (checksum mismatch); refusing to run on an unknown schema`);
    }
  }
}

function summarize(applied: AppliedRow[]): MigrationStatus {
  const done = new Set(applied.map((r) => r.version));
  return {
    current: applied.reduce((m, r) => Math.max(m, r.version), 0),
    latest: LATEST_VERSION,
    applied: applied.map((r) => ({ version: r.version, name: r.name, appliedAt: new Date(r.applied_at).toISOString() })),
    pending: MIGRATIONS.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
  };
}

async function readApplied(db: Db): Promise<AppliedRow[]> {
  if (!(await tableExists(db))) return [];
  return db.query<AppliedRow>(`SELECT version, name, checksum, applied_at::text AS applied_at FROM airlock_migrations ORDER BY version`);
}

/** What is applied and what is pending; read only. */
export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const applied = await readApplied(db);
  check(applied);
  return summarize(applied);
}

/**
 * Applies every pending migration in ONE transaction under a transaction-scoped advisory lock: a
 * second replica starting at the same moment waits for the lock, then finds nothing left to do;
 * a crash halfway leaves the schema as it was (PostgreSQL DDL is transactional).
 */
export async function migrate(pool: pg.Pool): Promise<{ applied: number[]; status: MigrationStatus }> {
  return withTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
    await ensureTable(db);
    const before = await readApplied(db);
    check(before);
    const done = new Set(before.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await db.query(m.sql);
      await db.query('INSERT INTO airlock_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, checksum(m)]);
      applied.push(m.version);
    }
    return { applied, status: summarize(await readApplied(db)) };
  });
}
