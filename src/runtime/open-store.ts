import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { Config } from '../config/schema.js';
import { AirlockError } from '../core/errors.js';
import type { Store } from '../store/port.js';
import type { PostgresStoreOptions } from '../store/postgres/postgres-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';

type DatabaseConfig = NonNullable<Config['database']>;

/** node:tls options for the configured TLS mode; the CA file is read here, at start. */
function tlsOptions(db: DatabaseConfig): ConnectionOptions | false | undefined {
  if (db.tls === undefined) return db.caFile ? { ca: readCa(db.caFile), rejectUnauthorized: true } : undefined;
  if (db.tls === 'disable') return false;
  if (db.tls === 'require') return { rejectUnauthorized: false };
  return db.caFile ? { ca: readCa(db.caFile), rejectUnauthorized: true } : { rejectUnauthorized: true };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new AirlockError('ERR_CONFIG_INVALID', `cannot read the database CA file ${path}: ${(e as Error).message}`);
  }
}

/** The PostgreSQL adapter's options from the config (no connection opened). */
export function postgresOptions(db: DatabaseConfig, overrides: Partial<PostgresStoreOptions> = {}): PostgresStoreOptions {
  const tls = tlsOptions(db);
  return {
    url: db.url,
    poolSize: db.poolSize,
    statementTimeoutMs: db.statementTimeoutMs,
    connectTimeoutMs: db.connectTimeoutMs,
    migrations: db.migrations,
    ...(tls !== undefined ? { tls } : {}),
    ...overrides,
  };
}

/** Where the store is, safe to print (a PostgreSQL password never appears). */
export async function describeStore(config: Config): Promise<string> {
  if (!config.database) return `${join(config.dataDir, 'airlock.db')} (SQLite)`;
  const { redactDatabaseUrl } = await import('../store/postgres/postgres-store.js');
  return `${redactDatabaseUrl(config.database.url)} (PostgreSQL)`;
}

/**
 * The store the config selects: PostgreSQL when `database` is set (the driver is loaded only
 * then), else SQLite in the data directory. `mustExist`: for admin commands, which must not
 * create an empty SQLite database by mistake.
 */
export async function openConfiguredStore(config: Config, opts: { mustExist?: boolean; onBackgroundError?: (e: Error) => void } = {}): Promise<Store> {
  if (config.database) {
    const { openPostgresStore } = await import('../store/postgres/postgres-store.js');
    return openPostgresStore(postgresOptions(config.database));
  }
  const path = join(config.dataDir, 'airlock.db');
  if (opts.mustExist) {
    if (!existsSync(path)) throw new AirlockError('ERR_STORE_UNAVAILABLE', `no Airlock data in ${config.dataDir} (expected ${path}); pass --data-dir, or --store postgres://… for a PostgreSQL deployment`);
  } else mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return openSqliteStore({ path, ...(opts.onBackgroundError ? { onBackgroundError: opts.onBackgroundError } : {}) });
}
