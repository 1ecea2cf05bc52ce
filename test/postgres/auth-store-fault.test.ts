/**
 * Issue 13 on the authentication edge: a store fault while the API key is checked answers 503
 * ERR_STORE_UNAVAILABLE (fail closed, the fixed message, no driver text), never 500 ERR_INTERNAL,
 * and the gateway answers again once the database is back. A real fault: every connection of the
 * gateway's database is terminated (pg_terminate_backend) while new ones are refused.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { startGateway } from '../helpers/server.js';
import { describePostgres, PG_ADMIN_URL } from './pg-test-db.js';

async function asAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

await describePostgres('API-key authentication on a failing store', (pgc) => {
  it('503 ERR_STORE_UNAVAILABLE with no internal text while the database is gone; 200 again once it is back', async () => {
    const gw = await startGateway({ policies: 'policies/example', env: { AIRLOCK_DATABASE_URL: pgc.url } });
    const db = new URL(pgc.url).pathname.slice(1);
    try {
      const ask = () => fetch(`${gw.url}/v1/identities`, { headers: gw.adminHeaders });
      expect((await ask()).status).toBe(200);
      const cut = await asAdmin(async (c) => {
        await c.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
        const r = await c.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
        return (r.rows[0] as { n: number }).n;
      });
      expect(cut).toBeGreaterThan(0);
      try {
        for (const headers of [gw.adminHeaders, gw.headers]) {
          const r = await fetch(`${gw.url}/v1/identities`, { headers });
          const text = await r.text();
          expect(r.status, text).toBe(503);
          const body = JSON.parse(text) as { error: { code: string; message: string; requestId?: string } };
          expect(body.error.code).toBe('ERR_STORE_UNAVAILABLE');
          expect(body.error.message).toBe('store is unavailable');
          expect(text).not.toMatch(/terminat|connection|accepting|postgres|airlock_test/i);
        }
      } finally {
        await asAdmin((c) => c.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`));
      }
      const end = Date.now() + 60_000;
      let status = 0;
      while (status !== 200 && Date.now() < end) {
        status = (await ask()).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      await gw.close();
    }
  }, 120_000);
});
