/**
 * Issue 13: a delegation revoked through replica A is refused on B and C, and an identity
 * suspended through B is refused on A and C — on the very next request, not eventually. Three
 * real `serve` replicas on one PostgreSQL database (each reads revocations and suspensions from
 * the store on every request; no cache to outlive them). Needs `npm run build`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { postAs, serveExample, type ServeProcess } from './serve-process.js';

await describePostgres('revocation and suspension across three replicas (issue 13)', (pg) => {
  it('revoked through A: refused on B and C at once; suspended through B: refused on A and C at once', async () => {
    const env = { AIRLOCK_DATABASE_URL: pg.url, AIRLOCK_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'airlock-rev-keys-')), 'keys.json') };
    const dirs = ['rev-a', 'rev-b', 'rev-c'].map((name) => ({ name, dir: mkdtempSync(join(tmpdir(), `airlock-${name}-`)) }));
    const replicas: ServeProcess[] = [];
    try {
      for (const { name, dir } of dirs) replicas.push(await serveExample(dir, { ...env, AIRLOCK_WRITER_ID: name }));
      const [A, B, C] = replicas.map((r) => r.url) as [string, string, string];
      const admin = readFileSync(join(dirs[0]!.dir, 'admin.key'), 'utf8').trim();
      const created = async (path: string, body: object): Promise<string> => {
        const r = await postAs(A, admin, path, body);
        expect(r.status, JSON.stringify(r.json)).toBe(201);
        return r.json.key?.key as string;
      };
      await created('/v1/humans', { id: 'olga', displayName: 'Olga', groups: [], roles: [] });
      const hana = await created('/v1/humans', { id: 'hana', displayName: 'Hana', groups: ['sre-approvers'], roles: ['approver'] });
      const agent = await created('/v1/identities', { id: 'a', kind: 'agent', owner: 'olga', groups: [], environments: ['production'], purpose: 'acts for hana' });
      const getFile = { subject: { type: 'Agent', id: 'a' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'github.get_file' }, context: {} };

      // hana delegates to a (through A); a acts under it on every replica.
      const link = await postAs(A, hana, '/v1/delegations', { delegate: 'Agent::"a"', scope: 'tool.call:Tool::github.*', ttl: '60m', purpose: 'read the repo' });
      expect(link.status, JSON.stringify(link.json)).toBe(201);
      const underLink = (url: string) => postAs(url, agent, '/v1/authorize', getFile, { 'x-airlock-delegation': link.json.token as string });
      for (const url of [A, B, C]) expect((await underLink(url)).json.outcome, url).toBe('allow');

      const revoked = await postAs(A, hana, `/v1/delegations/${link.json.id}/revoke`, { reason: 'task done' });
      expect(revoked.status, JSON.stringify(revoked.json)).toBe(200);
      for (const url of [B, C, A]) {
        const d = (await underLink(url)).json;
        expect(d.outcome, url).toBe('deny');
        expect(d.reasons.map((r: { code: string }) => r.code), url).toContain('delegation_revoked');
      }

      // A second link, then the agent itself suspended through B.
      const again = await postAs(B, hana, '/v1/delegations', { delegate: 'Agent::"a"', scope: 'tool.call:Tool::github.*', ttl: '60m', purpose: 'read the repo again' });
      expect(again.status, JSON.stringify(again.json)).toBe(201);
      const underAgain = (url: string) => postAs(url, agent, '/v1/authorize', getFile, { 'x-airlock-delegation': again.json.token as string });
      for (const url of [A, B, C]) expect((await underAgain(url)).json.outcome, url).toBe('allow');
      expect((await postAs(B, admin, '/v1/identities/a/suspend', {})).status).toBe(200);
      for (const url of [A, C, B]) {
        const r = await underAgain(url);
        // A suspended identity's key no longer authenticates, or its request is denied: never allowed.
        expect(r.status === 401 || r.json.outcome === 'deny', `${url}: ${JSON.stringify(r.json)}`).toBe(true);
      }
    } finally {
      for (const r of replicas) r.proc.kill('SIGTERM');
    }
  });
});
