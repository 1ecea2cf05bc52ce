/**
 * Keys apart from the log (issue 12): signing keys live in a 0600 key file (or the environment),
 * never in the SQLite file that holds the audit log; keys an older Airlock kept in the database are
 * moved out on first start; rotation works through the file; and `audit verify --trust` catches a
 * log that was cut and re-signed with a new key, which a verifier trusting the local key file
 * cannot. Real files, real SQLite, the real CLI.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createLogger } from '../../src/runtime/logger.js';
import { runProcess, type RunProcessResult } from '../helpers/run-process.js';

const MAIN = resolve('dist/cli/main.js');
const BUNDLE = resolve('test/fixtures/bundles/authzen-cert');
const ALLOW = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'airlock-keys-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const open = (dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Runtime> =>
  createRuntime(loadConfig({ dataDir, policies: BUNDLE, checkpointIntervalMs: 0, logLevel: 'silent' }, env), { logger: createLogger('silent') });

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRLOCK_')) env[k] = v;
  return { ...env, ...extra };
}
const airlock = (...args: string[]): Promise<RunProcessResult> => runProcess(process.execPath, [MAIN, ...args], { env: cleanEnv(), timeout: 120_000 });

const dbKeyRows = (dataDir: string): number => {
  const db = new Database(join(dataDir, 'airlock.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM signing_keys').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('key provider: the key file', () => {
  it('grant and audit keys go to <dataDir>/keys.json with mode 0600; the database holds none', async () => {
    const dataDir = join(tmp, 'fresh');
    const rt = await open(dataDir);
    try {
      const d = await rt.gateway.authorize(ALLOW);
      expect(d.outcome).toBe('allow');
      expect(typeof d.grant).toBe('string');
      await rt.checkpoint();
    } finally {
      await rt.close();
    }
    const file = join(dataDir, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { keys: { purpose: string }[] };
    expect(doc.keys.map((k) => k.purpose).sort()).toEqual(['audit', 'grant']);
    expect(dbKeyRows(dataDir)).toBe(0);
    expect(readFileSync(join(dataDir, 'airlock.db')).includes(Buffer.from('"d":'))).toBe(false);
  });

  it('keys an older Airlock kept in the database are moved to the key file on first start (same kid), and deleted from the database', async () => {
    const dataDir = join(tmp, 'legacy');
    mkdirSync(dataDir, { recursive: true });
    // What the previous version wrote: a private JWK in signing_keys.
    const store = openSqliteStore({ path: join(dataDir, 'airlock.db') });
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    await store.keys.insert({ kid, purpose: 'grant', alg: 'EdDSA', privateJwk: JSON.stringify(await exportJWK(privateKey)), publicJwk: JSON.stringify({ ...pub, kid, alg: 'EdDSA', use: 'sig' }), createdAt: '2026-01-01T00:00:00.000Z' });
    await store.close();
    expect(dbKeyRows(dataDir)).toBe(1);

    const rt = await open(dataDir);
    try {
      expect((await rt.grantKeys.current()).kid).toBe(kid);
    } finally {
      await rt.close();
    }
    expect(dbKeyRows(dataDir)).toBe(0);
    const doc = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { keys: { kid: string }[] };
    expect(doc.keys.map((k) => k.kid)).toContain(kid);
  });

  it('a key file readable by others is refused at start (ERR_KEYS_UNAVAILABLE)', async () => {
    const dataDir = join(tmp, 'mode');
    const rt = await open(dataDir);
    await rt.grantKeys.current();
    await rt.close();
    chmodSync(join(dataDir, 'keys.json'), 0o644);
    await expect(open(dataDir)).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', message: expect.stringMatching(/mode 644/) });
  });

  it('rotation: a new key signs, the retired one still verifies (both in the JWKS), and both are in the file', async () => {
    const dataDir = join(tmp, 'rotate');
    const rt = await open(dataDir);
    try {
      const old = await rt.grantKeys.current();
      const next = await rt.grantKeys.rotate();
      expect(next.kid).not.toBe(old.kid);
      expect((await rt.grantKeys.current()).kid).toBe(next.kid);
      expect((await rt.grantKeys.publicJwks()).map((j) => j.kid).sort()).toEqual([old.kid, next.kid].sort());
      expect(await rt.grantKeys.publicKey(old.kid)).toBeDefined();
      const doc = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { keys: { kid: string; retiredAt?: string }[] };
      expect(doc.keys.find((k) => k.kid === old.kid)?.retiredAt).toBeDefined();
    } finally {
      await rt.close();
    }
    // A restart signs with the rotated key.
    const again = await open(dataDir);
    try {
      expect((await again.grantKeys.current()).kid).not.toBe(undefined);
      expect((await again.grantKeys.publicJwks()).length).toBe(2);
    } finally {
      await again.close();
    }
  });

  it('keys from the environment (AIRLOCK_KEY_PROVIDER=env, AIRLOCK_SIGNING_KEYS): used as given, read-only, no key file written', async () => {
    const source = join(tmp, 'env-source');
    const a = await open(source);
    await a.grantKeys.current();
    await a.auditKeys.current();
    await a.close();
    const text = readFileSync(join(source, 'keys.json'), 'utf8');
    const kid = (JSON.parse(text) as { keys: { kid: string; purpose: string }[] }).keys.find((k) => k.purpose === 'grant')!.kid;

    const dataDir = join(tmp, 'env');
    const rt = await open(dataDir, { AIRLOCK_KEY_PROVIDER: 'env', AIRLOCK_SIGNING_KEYS: text });
    try {
      expect((await rt.grantKeys.current()).kid).toBe(kid);
      await expect(rt.grantKeys.rotate()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    } finally {
      await rt.close();
    }
    expect(existsSync(join(dataDir, 'keys.json'))).toBe(false);
    await expect(open(join(tmp, 'env2'), { AIRLOCK_KEY_PROVIDER: 'env' })).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
  });
});

describe('audit verify against a key the verifier already trusts; audit anchor', () => {
  it('a cut tail re-signed with a new key passes a verifier that trusts the local key file, and fails --trust with the pinned key', async () => {
    const dataDir = join(tmp, 'resign');
    const rt = await open(dataDir);
    for (let i = 0; i < 6; i++) await rt.gateway.authorize(ALLOW);
    await rt.close(); // signs the head at shutdown

    // The operator exported the head (with its public key) earlier and keeps it elsewhere.
    const head = await airlock('audit', 'head', '--data-dir', dataDir);
    expect(head.status, head.stderr).toBe(0);
    const pinned = join(tmp, 'pinned-head.json');
    writeFileSync(pinned, head.stdout);
    const pubOnly = join(tmp, 'pinned-jwks.json');
    writeFileSync(pubOnly, JSON.stringify({ keys: [JSON.parse(head.stdout).publicJwk] }));

    // Someone with write access cuts 2 records, drops the checkpoints and the key file, and re-signs.
    const db = new Database(join(dataDir, 'airlock.db'));
    db.exec("DELETE FROM audit WHERE writer = 'main' AND seq > 4; DELETE FROM audit_checkpoints;");
    db.close();
    rmSync(join(dataDir, 'keys.json'));
    expect((await airlock('audit', 'head', '--data-dir', dataDir)).status).toBe(0);

    const local = await airlock('audit', 'verify', '--data-dir', dataDir);
    expect(local.status).toBe(0);
    expect(local.stdout).toMatch(/not independent of this machine/);
    expect(local.stdout).toMatch(/internally consistent/);

    const trusted = await airlock('audit', 'verify', '--data-dir', dataDir, '--trust', pubOnly);
    expect(trusted.status).toBe(1);
    expect(trusted.stdout).toMatch(/signature INVALID|does not verify with a trusted key/);
    expect(trusted.stdout).toMatch(/pinned key\(s\) from/);

    const withHead = await airlock('audit', 'verify', '--data-dir', dataDir, '--head', pinned);
    expect(withHead.status).toBe(1);
  }, 300_000);

  it('audit anchor writes the signed head outside the data dir (refused inside); a later cut of records and checkpoints fails verify --anchors', async () => {
    const dataDir = join(tmp, 'anchor');
    const anchors = join(tmp, 'anchors-elsewhere');
    const rt = await open(dataDir);
    for (let i = 0; i < 5; i++) await rt.gateway.authorize(ALLOW);
    await rt.close();

    const inside = await airlock('audit', 'anchor', '--data-dir', dataDir, '--to', join(dataDir, 'anchors'));
    expect(inside.status).toBe(2);
    expect(inside.stderr).toContain('ERR_CONFIG_INVALID');

    const r = await airlock('audit', 'anchor', '--data-dir', dataDir, '--to', anchors);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(anchors, 'main.head.json'))).toBe(true);
    expect(readFileSync(join(anchors, 'main.heads.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect((await airlock('audit', 'verify', '--data-dir', dataDir, '--anchors', anchors)).status).toBe(0);

    const db = new Database(join(dataDir, 'airlock.db'));
    db.exec("DELETE FROM audit WHERE writer = 'main' AND seq > 3; DELETE FROM audit_checkpoints;");
    db.close();
    const cut = await airlock('audit', 'verify', '--data-dir', dataDir, '--anchors', anchors);
    expect(cut.status).toBe(1);
    expect(cut.stdout).toMatch(/FAILED: the log ends at seq 3/);
    // A gateway configured with the anchor directory refuses to start on the cut log.
    await expect(createRuntime(loadConfig({ dataDir, policies: BUNDLE, checkpointIntervalMs: 0, logLevel: 'silent', anchorDir: anchors }, {}), { logger: createLogger('silent') })).rejects.toMatchObject({
      code: 'ERR_AUDIT_CORRUPT',
    });
  }, 300_000);
});
