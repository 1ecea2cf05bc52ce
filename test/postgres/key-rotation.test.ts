/**
 * Signing-key rotation across replicas: two real `serve` processes on one PostgreSQL database and
 * one shared key file. A rotation answered by replica A must stop replica B from signing with the
 * retired key (B hears it over LISTEN/NOTIFY and drops its cached key). Needs `npm run build`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { postAs, serve, until } from './serve-process.js';

await describePostgres('signing-key rotation across replicas', (pg) => {
  it('a grant rotation through replica A: replica B signs with the new key, never again with the retired one', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'airlock-pg-keys-')), 'keys.json');
    const env = { AIRLOCK_DATABASE_URL: pg.url, AIRLOCK_KEY_FILE: keyFile };
    const dirA = mkdtempSync(join(tmpdir(), 'airlock-pg-ka-'));
    const dirB = mkdtempSync(join(tmpdir(), 'airlock-pg-kb-'));
    const a = await serve(['--data-dir', dirA, '--policies', 'policies/example'], { ...env, AIRLOCK_WRITER_ID: 'replica-a' });
    const b = await serve(['--data-dir', dirB, '--policies', 'policies/example'], { ...env, AIRLOCK_WRITER_ID: 'replica-b' });
    try {
      const admin = readFileSync(join(dirA, 'admin.key'), 'utf8').trim();
      const owner = await postAs(a.url, admin, '/v1/humans', { id: 'olga', displayName: 'Olga', groups: [], roles: [] });
      expect(owner.status, JSON.stringify(owner.json)).toBe(201);
      const agent = await postAs(a.url, admin, '/v1/identities', { id: 'coder', kind: 'agent', owner: 'olga', groups: ['operators'], purpose: 'runs builds' });
      expect(agent.status, JSON.stringify(agent.json)).toBe(201);
      const agentKey = agent.json.key.key as string;
      const allowed = { subject: { type: 'Agent', id: 'coder' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'dev-1' }, context: { environment: 'dev', command: 'git status' } };
      const grantKid = async (url: string): Promise<string> => {
        const r = await postAs(url, agentKey, '/v1/authorize', allowed);
        expect(r.json.outcome, JSON.stringify(r.json)).toBe('allow');
        return decodeProtectedHeader(r.json.grant as string).kid!;
      };

      const before = await grantKid(b.url);
      expect(await grantKid(a.url)).toBe(before);

      const rotated = await postAs(a.url, admin, '/v1/keys/rotate', { purpose: 'grant' });
      expect(rotated.status, JSON.stringify(rotated.json)).toBe(200);
      expect(rotated.json.previous).toBe(before);
      const next = rotated.json.kid as string;
      expect(next).not.toBe(before);
      expect(await grantKid(a.url)).toBe(next);

      // B hears the rotation and signs with the new key from then on.
      const started = Date.now();
      await until(async () => ((await grantKid(b.url)) === next ? true : undefined));
      process.stderr.write(`[key-rotation] replica B signed with the new key ${Date.now() - started} ms after A answered\n`);
      for (let i = 0; i < 5; i++) expect(await grantKid(b.url)).toBe(next);
      // Both keys stay verifiable on both replicas: grants signed before the rotation are still valid.
      for (const url of [a.url, b.url]) {
        const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
        expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, next]));
      }
    } finally {
      for (const p of [a.proc, b.proc]) p.kill('SIGTERM');
    }
  });
});
