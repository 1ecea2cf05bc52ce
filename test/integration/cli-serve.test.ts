/**
 * The built CLI (`dist/cli/main.js`, produced by `npm run build`, which `npm test` runs first),
 * spawned as a real process: `serve` refuses an invalid bundle (but not a malformed test file, which
 * only `policy validate|test` read) and, before keys exist, non-loopback hosts; bootstrap of the admin key; `identity`/`human` through a running server and directly; `authorize`
 * exit codes, and `audit verify|head` including truncation caught by a saved signed head.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type RunProcessResult } from '../helpers/run-process.js';

const MAIN = resolve('dist/cli/main.js');
const BUNDLE = resolve('test/fixtures/bundles/authzen-cert');

const ALLOW = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };
const DENY = { subject: { type: 'user', id: 'bob' }, action: { name: 'write' }, resource: { type: 'record', id: 'record-1' } };

/** The environment without AIRLOCK_* variables, so the host's settings cannot leak into a run. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRLOCK_')) env[k] = v;
  return env;
}

function airlock(...args: string[]): Promise<RunProcessResult> {
  return runProcess(process.execPath, [MAIN, ...args], { env: cleanEnv(), timeout: 120_000 });
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('airlock CLI (dist/cli/main.js, built by the test global setup)', () => {
  describe('airlock serve', () => {
    it('an invalid bundle at start: exits non-zero (2) and prints every problem', async () => {
      const bad = join(tmp, 'bad-bundle');
      cpSync(BUNDLE, bad, { recursive: true });
      writeFileSync(join(bad, 'broken.cedar'), '@id("broken")\npermit (principal, action, resource) when { ;\n');
      const r = await airlock('serve', '--policies', bad, '--data-dir', join(tmp, 'serve-bad'), '--port', '0', '--log-level', 'silent');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('ERR_BUNDLE_INVALID');
      expect(r.stderr).toContain('broken.cedar');
      expect(r.stdout).not.toContain('listening');
    });

    it('--host 0.0.0.0 on an empty data dir is refused with exit 2 (no keys yet: start on loopback first)', async () => {
      const r = await airlock('serve', '--policies', BUNDLE, '--data-dir', join(tmp, 'serve-host'), '--port', '0', '--host', '0.0.0.0', '--log-level', 'silent');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/0\.0\.0\.0/);
      expect(r.stderr).toMatch(/loopback/);
      expect(r.stderr).not.toMatch(/ak_[0-9a-f]{16}_/);
    });

    /** Starts `serve`, returns its URL and everything it printed until the listening line. */
    async function startServe(dataDir: string, ...extra: string[]) {
      const child = spawn(process.execPath, [MAIN, 'serve', '--policies', BUNDLE, '--data-dir', dataDir, '--port', '0', '--log-level', 'silent', ...extra], { env: cleanEnv() });
      let stderr = '';
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" line in 20 s; stderr: ${stderr}`)), 20_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
          const m = /listening on (http:\/\/[^:]+:\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1]!.replace('0.0.0.0', '127.0.0.1'));
          }
        });
        child.on('exit', (code) => reject(new Error(`serve exited early with ${code}; stderr: ${stderr}`)));
      });
      const stop = async () => {
        const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
        child.kill('SIGTERM');
        return exited;
      };
      return { child, url, stderr: () => stderr, stop };
    }

    it('first start bootstraps the admin (key printed once, admin.key 0600); the CLI registers a pep through the running server; decisions need its key; later starts print no key and may bind 0.0.0.0', async () => {
      const dataDir = join(tmp, 'serve-ok');
      const first = await startServe(dataDir);
      try {
        const printed = /(ak_[0-9a-f]{16}_[0-9a-f]{64})/.exec(first.stderr())?.[1];
        expect(printed).toBeDefined();
        const keyFile = join(dataDir, 'admin.key');
        expect(readFileSync(keyFile, 'utf8').trim()).toBe(printed);
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        expect(existsSync(join(dataDir, 'serve.json'))).toBe(true);

        const health = await fetch(`${first.url}/healthz`);
        expect(health.status).toBe(200);
        const unauth = await fetch(`${first.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ALLOW) });
        expect(unauth.status).toBe(401);

        // No --url: the CLI finds the running server through DATA/serve.json and uses DATA/admin.key.
        const created = await airlock('identity', 'create', 'app-pep', '--data-dir', dataDir, '--kind', 'workload', '--owner', 'admin', '--purpose', 'the app PEP', '--pep-subject', 'user:*', '--json');
        expect(created.status, created.stderr).toBe(0);
        const pepKey = JSON.parse(created.stdout).key.key as string;
        const r = await fetch(`${first.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${pepKey}` }, body: JSON.stringify(ALLOW) });
        expect(((await r.json()) as { decision: boolean }).decision).toBe(true);
        const listed = await airlock('identity', 'list', '--data-dir', dataDir);
        expect(listed.stdout).toMatch(/^app-pep\s+workload\s+active\s+admin/m);
        expect(await first.stop()).toBe(0);
        expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
      } finally {
        if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      }

      const second = await startServe(dataDir, '--host', '0.0.0.0');
      try {
        expect(second.stderr()).not.toMatch(/ak_[0-9a-f]{16}_/);
        expect(second.stderr()).toMatch(/listening on http:\/\/0\.0\.0\.0:/);
        expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
        expect(await second.stop()).toBe(0);
      } finally {
        if (second.child.exitCode === null && second.child.signalCode === null) second.child.kill('SIGKILL');
      }
    });

    it('a malformed tests/*.yaml does not stop serve (the gateway never runs the tests); policy validate and policy test refuse it with file:line', async () => {
      const withBadTest = join(tmp, 'bad-test-bundle');
      cpSync(BUNDLE, withBadTest, { recursive: true });
      mkdirSync(join(withBadTest, 'tests'));
      writeFileSync(join(withBadTest, 'tests', 'broken.yaml'), '- name: unclosed [\n  expect: allow\n');
      const served = await startServe(join(tmp, 'serve-bad-test'), '--policies', withBadTest);
      try {
        expect(served.stderr()).toContain(`policy bundle ${withBadTest}`);
        expect((await fetch(`${served.url}/readyz`)).status).toBe(200);
        expect(await served.stop()).toBe(0);
      } finally {
        if (served.child.exitCode === null && served.child.signalCode === null) served.child.kill('SIGKILL');
      }
      for (const sub of ['validate', 'test']) {
        const r = await airlock('policy', sub, withBadTest);
        expect(r.status, `policy ${sub}`).toBe(1);
        expect(r.stderr).toMatch(/^tests\/broken\.yaml:\d+: /m);
      }
    });

    it('with no server running, the CLI changes the data dir directly (same rules, audited); report exits 1 on an orphan', async () => {
      const dataDir = join(tmp, 'direct');
      const h = await airlock('human', 'create', 'erin', '--data-dir', dataDir, '--policies', BUNDLE, '--role', 'admin', '--email', 'erin@example.com');
      expect(h.status, h.stderr).toBe(0);
      expect(h.stdout).toMatch(/ak_[0-9a-f]{16}_[0-9a-f]{64}/);
      const bad = await airlock('identity', 'create', 'Bad_Id', '--data-dir', dataDir, '--policies', BUNDLE, '--kind', 'agent', '--owner', 'erin', '--purpose', 'x');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('ERR_IDENTITY_INVALID');
      const noOwner = await airlock('identity', 'create', 'lonely', '--data-dir', dataDir, '--policies', BUNDLE, '--kind', 'agent', '--owner', 'nobody', '--purpose', 'x');
      expect(noOwner.stderr).toContain('ERR_OWNER_UNKNOWN');
      expect((await airlock('human', 'create', 'leaver', '--data-dir', dataDir, '--policies', BUNDLE, '--no-key')).status).toBe(0);
      expect((await airlock('identity', 'create', 'bot-1', '--data-dir', dataDir, '--policies', BUNDLE, '--kind', 'bot', '--owner', 'leaver', '--purpose', 'x', '--attr', 'tier=2', '--attr', 'team=ops')).status).toBe(0);
      const shown = JSON.parse((await airlock('identity', 'show', 'bot-1', '--data-dir', dataDir, '--policies', BUNDLE)).stdout);
      expect(shown.attributes).toEqual({ tier: 2, team: 'ops' });
      expect((await airlock('identity', 'report', '--data-dir', dataDir, '--policies', BUNDLE)).status).toBe(0);
      expect((await airlock('human', 'retire', 'leaver', '--data-dir', dataDir, '--policies', BUNDLE)).status).toBe(0);
      const report = await airlock('identity', 'report', '--data-dir', dataDir, '--policies', BUNDLE, '--json');
      expect(report.status).toBe(1);
      expect(JSON.parse(report.stdout).orphaned[0]).toMatchObject({ id: 'bot-1', reason: 'owner_retired' });
      const verify = await airlock('audit', 'verify', '--data-dir', dataDir);
      expect(verify.status).toBe(0);
      expect(verify.stdout).toMatch(/intact: 4 records/);
    });
  });

  describe('airlock authorize and airlock audit on one data dir', () => {
    let dataDir: string;
    const requestFile = (name: string, body: string): string => {
      const p = join(tmp, name);
      writeFileSync(p, body);
      return p;
    };

    beforeAll(() => {
      dataDir = join(tmp, 'data');
    });

    it('allow → prints the decision JSON and exits 0', async () => {
      const r = await airlock('authorize', '--policies', BUNDLE, '--data-dir', dataDir, '--request', requestFile('allow.json', JSON.stringify(ALLOW)));
      expect(r.status).toBe(0);
      const d = JSON.parse(r.stdout);
      expect(d.outcome).toBe('allow');
      expect(d.actionHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(d.auditSeq).toBe(1);
    });

    it('deny → exits 1', async () => {
      const r = await airlock('authorize', '--policies', BUNDLE, '--data-dir', dataDir, '--request', requestFile('deny.json', JSON.stringify(DENY)));
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).outcome).toBe('deny');
    });

    it('bad input → exits 2 with a stable code, nothing printed on stdout', async () => {
      const shape = await airlock('authorize', '--policies', BUNDLE, '--data-dir', dataDir, '--request', requestFile('bad-shape.json', '{"subject":"alice","action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}'));
      expect(shape.status).toBe(2);
      expect(shape.stderr).toContain('ERR_REQUEST_INVALID');
      expect(shape.stdout).toBe('');
      const json = await airlock('authorize', '--policies', BUNDLE, '--data-dir', dataDir, '--request', requestFile('bad-json.json', '{"subject": '));
      expect(json.status).toBe(2);
      expect(json.stderr).toContain('ERR_JSON_MALFORMED');
      const dup = await airlock('authorize', '--policies', BUNDLE, '--data-dir', dataDir, '--request', requestFile('dup.json', '{"subject":{"type":"user","id":"alice","id":"bob"}}'));
      expect(dup.status).toBe(2);
      expect(dup.stderr).toContain('ERR_JSON_DUPLICATE_KEY');
    });

    it('audit verify → exits 0 and counts the two decisions (bad input was not audited)', async () => {
      const r = await airlock('audit', 'verify', '--data-dir', dataDir);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/intact: 2 records/);
    });

    it('audit head prints a signed checkpoint (JSON with jws); after the last record is deleted, verify --head fails (1) and so does plain verify (stored checkpoint)', async () => {
      const head = await airlock('audit', 'head', '--data-dir', dataDir);
      expect(head.status).toBe(0);
      const cp = JSON.parse(head.stdout);
      expect(typeof cp.jws).toBe('string');
      expect(cp.jws.split('.')).toHaveLength(3);
      expect(cp.seq).toBe(2);
      const saved = join(tmp, 'saved-head.json');
      writeFileSync(saved, head.stdout);

      expect((await airlock('audit', 'verify', '--data-dir', dataDir, '--head', saved)).status).toBe(0);

      // Cut the tail: a chain that simply ends one record earlier is internally consistent.
      const db = new Database(join(dataDir, 'airlock.db'));
      try {
        const info = db.prepare("DELETE FROM audit WHERE writer = 'main' AND seq = (SELECT max(seq) FROM audit WHERE writer = 'main')").run();
        expect(info.changes).toBe(1);
      } finally {
        db.close();
      }

      const anchored = await airlock('audit', 'verify', '--data-dir', dataDir, '--head', saved);
      expect(anchored.status).toBe(1);
      expect(anchored.stdout).toMatch(/FAILED/);
      // Issue 12: plain verify checks the stored signed checkpoints by default, so the cut tail
      // fails without --head too (it used to read as intact).
      const plain = await airlock('audit', 'verify', '--data-dir', dataDir);
      expect(plain.status).toBe(1);
      expect(plain.stdout).toMatch(/signed checkpoint seq 2: FAILED: the log ends at seq 1/);
    });
  });
});
