import type pg from 'pg';

/**
 * What the PostgreSQL repos run their SQL on: the pool (each call its own transaction) or one
 * connection inside a unit of work (every call part of that transaction). Repos are written once
 * against this and work in both places.
 */
export interface Db {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Statements of `fn` commit together or not at all (a transaction, or a savepoint inside one). */
  atomic<T>(fn: (db: Db) => Promise<T>): Promise<T>;
}

/*
 * PostgreSQL text cannot hold U+0000, yet the store keeps strings verbatim (threats.md §3.10: odd
 * text is data). Parameters and results pass through one reversible escape: U+0001 is the escape
 * character, U+0000 → U+0001 '0' and U+0001 → U+0001 '1'. Injective, so equality in SQL still means
 * equality of the original strings; JSON documents never contain either raw (JSON.stringify
 * escapes control characters), so the common case is untouched.
 */
const NEEDS_ESCAPE = /[\u0000\u0001]/;
const NEEDS_UNESCAPE = /\u0001/;

export function escapeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\u0000\u0001]/g, (c) => (c === '\u0000' ? '\u00010' : '\u00011')) : s;
}

export function unescapeText(s: string): string {
  return NEEDS_UNESCAPE.test(s) ? s.replace(/\u0001([01])/g, (_, d: string) => (d === '0' ? '\u0000' : '\u0001')) : s;
}

function encodeParam(v: unknown): unknown {
  if (typeof v === 'string') return escapeText(v);
  if (Array.isArray(v)) return v.map(encodeParam);
  return v;
}

function decodeRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (typeof v === 'string') row[k] = unescapeText(v);
    else if (Array.isArray(v)) row[k] = v.map((x) => (typeof x === 'string' ? unescapeText(x) : x));
  }
  return row;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

async function run<R extends object>(on: Queryable, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const res: pg.QueryResult | pg.QueryResult[] = await on.query(sql, params.map(encodeParam));
  // Several statements in one text (migrations) answer with one result each; none returns rows.
  if (Array.isArray(res)) return [];
  return res.rows.map((r: Record<string, unknown>) => decodeRow(r)) as R[];
}

/** One connection inside an open transaction; nested `atomic` calls are savepoints. */
export function clientDb(client: pg.ClientBase): Db & { end(): void } {
  let depth = 0;
  let ended = false;
  // A unit's Db outlives nothing: once its transaction ends, a leaked handle throws instead of
  // running outside any transaction on a connection that is back in the pool.
  const alive = () => {
    if (ended) throw new Error('unit of work is over: this transaction handle can no longer be used');
  };
  const db: Db & { end(): void } = {
    query: async (sql, params) => {
      alive();
      return run(client, sql, params);
    },
    end() {
      ended = true;
    },
    async atomic(fn) {
      alive();
      const name = `sp${++depth}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const out = await fn(db);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return out;
      } catch (e) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw e;
      } finally {
        depth--;
      }
    },
  };
  return db;
}

/** PostgreSQL error codes the adapter acts on (Appendix A of the PostgreSQL manual). */
export const PG = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export const pgCode = (e: unknown): string | undefined => (e as { code?: unknown })?.code as string | undefined;

/**
 * Runs `fn` in one transaction on its own pooled connection. READ COMMITTED: the repos take row
 * locks (`FOR UPDATE`) or use conditional writes, so every state change is decided by the row as
 * it is at write time, never by an earlier read.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const db = clientDb(client);
  let broken = false;
  // While checked out the pool does not listen for the connection's errors: a connection the server
  // ends between two statements (restart, pg_terminate_backend) would emit an unhandled 'error' and
  // take the process down. Noted here; the next statement fails, and the connection is destroyed.
  const lost = (): void => {
    broken = true;
  };
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const out = await fn(db);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    db.end();
    client.off('error', lost);
    // A connection that failed, or whose ROLLBACK failed, is in an unknown state: destroy it.
    client.release(broken);
  }
}

/**
 * The pool as a Db. A single statement is atomic on its own; `atomic` opens a transaction.
 * Deadlocks between two cascades that lock the same rows in different orders are retried: the
 * work is pure SQL plus pure functions (seal, mutations), so running it again is safe.
 */
export function poolDb(pool: pg.Pool): Db {
  return {
    query: (sql, params) => run(pool, sql, params),
    async atomic(fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await withTransaction(pool, fn);
        } catch (e) {
          const code = pgCode(e);
          if (attempt < 3 && (code === PG.deadlockDetected || code === PG.serializationFailure)) continue;
          throw e;
        }
      }
    },
  };
}
