/**
 * Coordination through LISTEN/NOTIFY: the bus between two stores, and a policy reload on one real
 * `serve` process reaching a second one on the same database. Needs `npm run build`.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/store/port.js';
import { describePostgres } from './pg-test-db.js';
import { serve, until } from './serve-process.js';

await describePostgres('postgres cluster coordination', (pg) => {
  it('the bus delivers an event to the other store, never back to its sender', async () => {
    const a = await pg.open();
    const { openPostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    const schema = ((await a.pool.query('SELECT current_schema() AS s')).rows[0] as { s: string }).s;
    const b = await openPostgresStore({ url: pg.url, schema });
    try {
      const gotA: ClusterEvent[] = [];
      const gotB: ClusterEvent[] = [];
      a.bus.subscribe((e) => gotA.push(e));
      b.bus.subscribe((e) => gotB.push(e));
      await Promise.all([a.bus.ready(), b.bus.ready()]);
      await a.bus.publish({ type: 'approval.changed', id: `x'"\\ ☃` });
      await until(async () => (gotB.length > 0 ? true : undefined), 10_000);
      expect(gotB).toEqual([{ type: 'approval.changed', id: `x'"\\ ☃` }]);
      expect(gotA).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('a policy reload through replica A reaches replica B (two serve processes, one database)', async () => {
    const policies = mkdtempSync(join(tmpdir(), 'airlock-pg-bundle-'));
    cpSync('policies/example', policies, { recursive: true });
    const env = { AIRLOCK_DATABASE_URL: pg.url };
    const dirA = mkdtempSync(join(tmpdir(), 'airlock-pg-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'airlock-pg-b-'));
    const a = await serve(['--data-dir', dirA, '--policies', policies], { ...env, AIRLOCK_WRITER_ID: 'replica-a' });
    const b = await serve(['--data-dir', dirB, '--policies', policies], { ...env, AIRLOCK_WRITER_ID: 'replica-b' });
    try {
      const version = async (url: string) => ((await (await fetch(`${url}/healthz`)).json()) as { policyVersion: string }).policyVersion;
      const v1 = await version(b.url);
      expect(await version(a.url)).toBe(v1);
      const cedar = readdirSync(policies).find((f) => f.endsWith('.cedar'))!;
      writeFileSync(join(policies, cedar), readFileSync(join(policies, cedar), 'utf8') + '\n// reloaded through replica A\n');
      const key = readFileSync(join(dirA, 'admin.key'), 'utf8').trim();
      const r = await fetch(`${a.url}/v1/policy/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      const { version: v2 } = (await r.json()) as { version: string };
      expect(v2).not.toBe(v1);
      const started = Date.now();
      await until(async () => ((await version(b.url)) === v2 ? true : undefined), 30_000);
      process.stderr.write(`[cluster] replica B ran the reloaded bundle ${Date.now() - started} ms after A answered\n`);
    } finally {
      for (const p of [a.proc, b.proc]) p.kill('SIGTERM');
    }
  });
});
