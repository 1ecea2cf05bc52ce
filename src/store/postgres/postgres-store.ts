import { createPgElevationRepo } from './elevation-repo.js';
import pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { AirlockError } from '../../core/errors.js';
import type { ClusterBus, GrantLedger, KeyRepo, Store, StoredKey } from '../port.js';
import { createPgApprovalRepo } from './approval-repo.js';
import { createPgAuditRepo } from './audit-repo.js';
import { PG, pgCode, poolDb, withTransaction, type Db } from './db.js';
import { createPgDelegationRepo } from './delegation-repo.js';
import { createPgChatState } from './chat-state.js';
import { createPgHookPairings } from './hook-pairings.js';
import { createPgClusterBus } from './notify.js';
import { createPgIdentityRepos } from './identity-repos.js';
import { LATEST_VERSION, migrate, migrationStatus, type MigrationStatus } from './migrations.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/db?sslmode=…`; never logged (see `redactDatabaseUrl`). */
  url: string;
  /** Most connections this process opens. Default 10. */
  poolSize?: number;
  /** Server-side `statement_timeout`, ms: a statement running longer fails (and its decision is a deny). Default 5000. */
  statementTimeoutMs?: number;
  /** Longest wait for a new connection, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** TLS for the connection (node:tls options); overrides `sslmode` in the URL when set. */
  tls?: ConnectionOptions | false;
  /**
   * `auto` (default): apply pending migrations at open, under the migration advisory lock.
   * `verify`: refuse to open while migrations are pending (operators run `airlock db migrate`).
   */
  migrations?: 'auto' | 'verify';
  /** Schema for every table (search_path); default the server's (public). Tests use one per case. */
  schema?: string;
  /** `application_name` shown in pg_stat_activity. Default `airlock`. */
  applicationName?: string;
}

export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  /** The pool, for LISTEN/NOTIFY and tests; repos never hand it out. */
  readonly pool: pg.Pool;
  readonly bus: ClusterBus;
  migrationStatus(): Promise<MigrationStatus>;
}

/** The URL with its password (and any password in the query) replaced by `***`: safe to print. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The pool configuration; exported for `airlock db`, which opens a pool without the repos. */
export function poolConfig(opts: PostgresStoreOptions): pg.PoolConfig {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new AirlockError('ERR_CONFIG_INVALID', `invalid schema name ${JSON.stringify(opts.schema)}`);
  const cfg: pg.PoolConfig = {
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    statement_timeout: opts.statementTimeoutMs ?? 5000,
    // A unit of work left open by a bug or a frozen process must not hold row locks forever.
    idle_in_transaction_session_timeout: Math.max(10_000, (opts.statementTimeoutMs ?? 5000) * 4),
    application_name: opts.applicationName ?? 'airlock',
    keepAlive: true,
  };
  if (opts.tls !== undefined) cfg.ssl = opts.tls;
  if (opts.schema !== undefined) cfg.options = `-c search_path=${opts.schema}`;
  return cfg;
}

/** Opens a pool and logs nothing; connection errors become ERR_STORE_UNAVAILABLE with the URL redacted. */
export async function openPool(opts: PostgresStoreOptions): Promise<pg.Pool> {
  const pool = new pg.Pool(poolConfig(opts));
  // An idle connection dropped by the server (restart, failover) must not crash the process: the
  // next query opens a new one, or fails and that decision is a deny.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `cannot connect to PostgreSQL at ${redactDatabaseUrl(opts.url)}: ${(cause as Error).message}`, undefined, { cause });
  }
  return pool;
}

/**
 * The PostgreSQL adapter: several gateway replicas share one database. Every state change is one
 * conditional statement or one transaction with row locks, so the outcome is decided by the
 * database at write time and holds across replicas (DESIGN §5).
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = await openPool(opts);
  const db = poolDb(pool);
  try {
    if (opts.schema !== undefined) {
      // Two processes creating the schema at once: the loser's duplicate error means it exists.
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`).catch((e: unknown) => {
        if (pgCode(e) !== PG.uniqueViolation && pgCode(e) !== '42P06') throw e;
      });
    }
    if ((opts.migrations ?? 'auto') === 'auto') await migrate(pool);
    else {
      const s = await migrationStatus(db);
      if (s.pending.length > 0) {
        throw new AirlockError(
          'ERR_STORE_UNAVAILABLE',
          `the database schema is at version ${s.current}, this airlock needs ${LATEST_VERSION}: run \`airlock db migrate\` (pending: ${s.pending.map((p) => p.version).join(', ')})`,
        );
      }
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `cannot prepare the PostgreSQL schema at ${redactDatabaseUrl(opts.url)}: ${(e as Error).message}`, undefined, { cause: e });
  }

  const { identities, credentials } = createPgIdentityRepos(db);

  const keys: KeyRepo = {
    async list(purpose) {
      const rows = await db.query<{ kid: string; purpose: string; alg: string; private_jwk: string; public_jwk: string; created_at: string; retired_at: string | null }>(
        'SELECT kid, purpose, alg, private_jwk, public_jwk, created_at, retired_at FROM signing_keys WHERE purpose = $1 ORDER BY created_at DESC, ord DESC',
        [purpose],
      );
      return rows.map((r) => {
        const k: StoredKey = { kid: r.kid, purpose: r.purpose, alg: r.alg, privateJwk: r.private_jwk, publicJwk: r.public_jwk, createdAt: r.created_at };
        if (r.retired_at !== null) k.retiredAt = r.retired_at;
        return k;
      });
    },
    async insert(k) {
      await db.query('INSERT INTO signing_keys (kid, purpose, alg, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        k.kid,
        k.purpose,
        k.alg,
        k.privateJwk,
        k.publicJwk,
        k.createdAt,
      ]);
    },
    async retire(kid, at) {
      await db.query('UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL', [kid, at]);
    },
    async remove(kid) {
      await db.query('DELETE FROM signing_keys WHERE kid = $1', [kid]);
    },
  };

  const grantsOn = (db: Db): GrantLedger => ({
    async redeem(jti, requestId, at, expiresAt) {
      // ON CONFLICT DO NOTHING on the primary key: exactly one redeem of a jti inserts a row.
      const rows = await db.query('INSERT INTO grant_redemptions (jti, request_id, redeemed_at, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING RETURNING jti', [
        jti,
        requestId,
        at,
        expiresAt,
      ]);
      return rows.length === 1;
    },
  });
  const grants = grantsOn(db);

  const bus = createPgClusterBus(pool, poolConfig(opts));
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    pool,
    audit: createPgAuditRepo(db),
    keys,
    identities,
    credentials,
    approvals: createPgApprovalRepo(db),
    delegations: createPgDelegationRepo(db),
    grants,
    elevations: createPgElevationRepo(db),
    ...createPgChatState(db),
    hookPairings: createPgHookPairings(db),
    bus,
    async serverTimeMs() {
      const r = await pool.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS ms');
      return Number(r.rows[0]!.ms);
    },
    migrationStatus: () => migrationStatus(db),
    // A unit of work (port.ts): its own pooled connection, BEGIN … COMMIT; the repos lock rows
    // (FOR UPDATE) or write conditionally, so nothing is decided on a read from outside the unit.
    transaction(work) {
      return withTransaction(pool, (tx) =>
        work({ audit: createPgAuditRepo(tx), approvals: createPgApprovalRepo(tx), delegations: createPgDelegationRepo(tx), grants: grantsOn(tx), elevations: createPgElevationRepo(tx) }),
      );
    },
    close() {
      closed ??= bus.close().then(() => pool.end());
      return closed;
    },
  };
}
