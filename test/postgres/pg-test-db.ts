import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';

/**
 * PostgreSQL for tests. Each test file gets its own database (random name, dropped after), since
 * other suites run against the same server at the same time; each store opened in it gets its own
 * schema, so a contract case starts empty without the cost of a new database.
 *
 * The server: AIRLOCK_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres (trust auth).
 * Unreachable: the suite FAILS under CI=true (or AIRLOCK_TEST_PG_REQUIRED=1), and elsewhere skips
 * with the reason printed.
 */
export const PG_ADMIN_URL = process.env['AIRLOCK_TEST_PG_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRED = process.env['CI'] === 'true' || process.env['CI'] === '1' || process.env['AIRLOCK_TEST_PG_REQUIRED'] === '1';

export async function probePostgres(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `PostgreSQL at ${PG_ADMIN_URL} is not reachable (${(e as Error).message})` };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The URL of `db` on the test server. */
export function urlFor(db: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `airlock_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export interface PgTestContext {
  /** URL of this file's database (valid inside tests and hooks). */
  readonly url: string;
  /** Opens a store on a fresh schema of this file's database; closed after the file. */
  open(opts?: Partial<PostgresStoreOptions>): Promise<PostgresStore>;
}

/**
 * Declares a PostgreSQL suite: creates the file's database before it and drops it after. When the
 * server is unreachable, one failing test names the reason under CI, or the suite is skipped with
 * the reason printed.
 */
export async function describePostgres(name: string, body: (ctx: PgTestContext) => void): Promise<void> {
  const probe = await probePostgres();
  if (!probe.ok) {
    if (REQUIRED) {
      describe(name, () => {
        it('needs PostgreSQL (required in CI)', () => {
          throw new Error(`${probe.reason}. Start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set AIRLOCK_TEST_PG_URL.`);
        });
      });
    } else {
      process.stderr.write(`[skip] ${name}: ${probe.reason}; set CI=true to make this a failure\n`);
      describe.skip(name, () => body({ url: '', open: () => Promise.reject(new Error('skipped')) }));
    }
    return;
  }
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  const opened: PostgresStore[] = [];
  let n = 0;
  const ctx: PgTestContext = {
    get url() {
      if (!database) throw new Error('the test database is created in beforeAll');
      return database.url;
    },
    async open(opts = {}) {
      const store = await openPostgresStore({ url: ctx.url, schema: `s${++n}_${randomBytes(3).toString('hex')}`, poolSize: 4, ...opts });
      opened.push(store);
      return store;
    },
  };
  describe(name, () => {
    beforeAll(async () => {
      database = await createDatabase();
    });
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      await database?.drop();
    });
    body(ctx);
  });
}
