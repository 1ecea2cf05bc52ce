/**
 * Versioned migrations under an advisory lock, `airlock db migrate|status` as processes, and what
 * a start does on a schema it does not know. Needs `npm run build` (the CLI runs from dist/).
 */
import { resolve } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { runProcess } from '../helpers/run-process.js';
import { describePostgres } from './pg-test-db.js';

const CLI = resolve('dist/cli/main.js');
const env = { PATH: process.env['PATH'] ?? '' };

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runProcess(process.execPath, [CLI, ...args], { env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The URL of the file's database with a password in it (trust auth ignores it): must never be printed. */
const withPassword = (url: string) => {
  const u = new URL(url);
  u.password = 'hunter2-secret';
  return u.toString();
};

/** Polls (bounded) until `cond` holds; the box is loaded, so no fixed sleeps. */
async function until(cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

await describePostgres('postgres migrations', (db) => {
  it('two migrators started together: one applies, the other waits on the advisory lock and finds nothing to do', async () => {
    const url = withPassword(db.url);
    const status0 = await runCli(['db', 'status', '--store', url]);
    expect(status0.code).toBe(1);
    expect(status0.stdout).toMatch(/schema version 0 of \d+/);
    expect(status0.stdout).toMatch(/pending {2}#1 /);

    // Hold the migration lock ourselves so both processes are provably inside migrate() at once.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', [0x4149524c, 0x4d494752]);
    const a = runCli(['db', 'migrate', '--store', url]);
    const b = runCli(['db', 'migrate', '--store', url]);
    await until(async () => {
      const r = await holder.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted AND l.classid = $1 AND l.objid = $2`, [0x4149524c, 0x4d494752]);
      return (r.rows[0] as { n: number }).n === 2;
    });
    await holder.query('SELECT pg_advisory_unlock($1, $2)', [0x4149524c, 0x4d494752]);
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const outs = [ra.stdout, rb.stdout].sort();
    expect(outs[0]).toMatch(/applied #1/);
    expect(outs[1]).toMatch(/nothing to apply/);
    const rows = await holder.query('SELECT version FROM airlock_migrations ORDER BY version');
    expect(rows.rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await holder.end();

    const status1 = await runCli(['db', 'status', '--store', url, '--json']);
    expect(status1.code).toBe(0);
    expect(JSON.parse(status1.stdout)).toMatchObject({ current: LATEST_VERSION, latest: LATEST_VERSION, pending: [] });
    for (const out of [status0, status1, ra, rb]) expect(out.stdout + out.stderr).not.toContain('hunter2-secret');
    expect(status1.stdout).toContain('***');
  });

  it('an unreachable database is ERR_STORE_UNAVAILABLE, with the password redacted', async () => {
    const r = await runCli(['db', 'status', '--store', 'postgres://airlock:hunter2-secret@127.0.0.1:1/airlock']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ERR_STORE_UNAVAILABLE: cannot connect to PostgreSQL at postgres:\/\/airlock:\*\*\*@127\.0\.0\.1:1\/airlock/);
    expect(r.stderr).not.toContain('hunter2-secret');
  });

  it('--store must be sqlite or a postgres URL; db commands need PostgreSQL', async () => {
    expect((await runCli(['db', 'status', '--store', 'mysql://x'])).stderr).toMatch(/ERR_REQUEST_INVALID: --store must be/);
    expect((await runCli(['db', 'migrate', '--store', 'sqlite'])).stderr).toMatch(/no PostgreSQL store configured/);
    expect((await runCli(['db', 'frobnicate'])).code).toBe(2);
  });

  it('migrations=verify refuses a schema with pending migrations, naming the command to run', async () => {
    await expect(db.open({ migrations: 'verify' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/airlock db migrate/) });
  });

  it('refuses a schema newer than this airlock, and a migration whose text changed', async () => {
    const store = await db.open();
    const schema = ((await store.pool.query('SELECT current_schema() AS s')).rows[0] as { s: string }).s;
    await store.pool.query(`INSERT INTO airlock_migrations (version, name, checksum) VALUES ($1, 'from the future', 'x')`, [LATEST_VERSION + 1]);
    await expect(openPostgresStore({ url: db.url, schema })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/newer than this airlock/) });
    await store.pool.query('DELETE FROM airlock_migrations WHERE version = $1', [LATEST_VERSION + 1]);
    await store.pool.query(`UPDATE airlock_migrations SET checksum = 'edited' WHERE version = 1`);
    await expect(openPostgresStore({ url: db.url, schema })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/checksum mismatch/) });
  });
});
