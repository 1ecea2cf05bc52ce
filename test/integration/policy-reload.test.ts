/**
 * Hot policy reload over HTTP (DESIGN §3: "an invalid bundle is refused and the previous one stays
 * in force"; the bundle's content hash is its version). The server runs on a temp copy of the
 * cert bundle, which the test breaks, then fixes.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as rawPostJson, startGateway, type StartedGateway } from '../helpers/server.js';

const SOURCE = 'test/fixtures/bundles/authzen-cert';
const BOB_WRITE = { subject: { type: 'user', id: 'bob' }, action: { name: 'write' }, resource: { type: 'record', id: 'record-1' } };
const ALICE_READ = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };

// Cedar on the event loop, and on two policy threads (runtime/policy-threads.ts) as `serve` runs it:
// a reload must reach the threads before the new bundle answers.
describe.each([0, 2])('POST /v1/policy/reload (DESIGN §3 hot reload), %i policy threads', (policyThreads) => {
  let dir: string;
  let gw: StartedGateway;
  /** Every request authenticates as the registered enforcement point (`test-pep`, may ask about any `user`). */
  const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => rawPostJson(url, body, { ...gw.headers, ...headers });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-bundle-'));
    cpSync(SOURCE, dir, { recursive: true });
    gw = await startGateway({ policies: dir, config: { policyThreads } });
  });
  afterAll(async () => {
    await gw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const healthVersion = async (): Promise<string> => ((await (await fetch(`${gw.url}/healthz`)).json()) as { policyVersion: string }).policyVersion;
  const reloadJson = () => postJson(`${gw.url}/v1/policy/reload`, {}, gw.adminHeaders);
  let v1: string;

  it('reloading an unchanged bundle succeeds and keeps the same version', async () => {
    v1 = await healthVersion();
    const r = await reloadJson();
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ reloaded: true, version: v1 });
  });

  it('an invalid bundle (syntax error) → 422 ERR_BUNDLE_INVALID listing the problem; the previous version stays in force', async () => {
    const before = await postJson(`${gw.url}/v1/authorize`, BOB_WRITE);
    expect(before.json.outcome).toBe('deny');
    writeFileSync(join(dir, 'policies.cedar'), readFileSync(join(SOURCE, 'policies.cedar'), 'utf8') + '\npermit (principal, action, resource) when { oops ;\n');

    const r = await reloadJson();
    expect(r.status).toBe(422);
    expect(Object.keys(r.json)).toEqual(['error']);
    expect(r.json.error.code).toBe('ERR_BUNDLE_INVALID');
    expect(r.json.error.message).toContain(v1);
    expect(r.json.error.details.version).toBe(v1);
    const problems = r.json.error.details.problems as { file: string; line?: number; message: string }[];
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.file === 'policies.cedar')).toBe(true);
    for (const p of problems) expect(typeof p.message).toBe('string');

    expect(await healthVersion()).toBe(v1);
    const after = await postJson(`${gw.url}/v1/authorize`, BOB_WRITE);
    expect(after.json.outcome).toBe('deny');
    expect(after.json.policyVersion).toBe(v1);
    const read = await postJson(`${gw.url}/access/v1/evaluation`, ALICE_READ);
    expect(read.json.decision).toBe(true);
    expect(read.json.context.policyVersion).toBe(v1);
  });

  it('a schema-invalid bundle (policy reads an undeclared attribute) → 422, previous version in force', async () => {
    writeFileSync(
      join(dir, 'policies.cedar'),
      readFileSync(join(SOURCE, 'policies.cedar'), 'utf8') +
        '\n@id("bad-attr")\npermit (principal is Airlock::user, action == Airlock::Action::"write", resource is Airlock::record) when { principal.clearance == "top" };\n',
    );
    const r = await reloadJson();
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('ERR_BUNDLE_INVALID');
    expect(r.json.error.details.problems.length).toBeGreaterThan(0);
    expect(await healthVersion()).toBe(v1);
  });

  it('an unparsable entities.json → 422, previous version in force', async () => {
    writeFileSync(join(dir, 'policies.cedar'), readFileSync(join(SOURCE, 'policies.cedar'), 'utf8'));
    writeFileSync(join(dir, 'entities.json'), '[{"uid": ');
    const r = await reloadJson();
    expect(r.status).toBe(422);
    expect(r.json.error.details.problems.some((p: { file: string }) => p.file === 'entities.json')).toBe(true);
    expect(await healthVersion()).toBe(v1);
    writeFileSync(join(dir, 'entities.json'), readFileSync(join(SOURCE, 'entities.json'), 'utf8'));
  });

  it('a fixed bundle with a new policy reloads: 200, new version in /healthz and in decisions, and the decision changes', async () => {
    writeFileSync(
      join(dir, 'policies.cedar'),
      readFileSync(join(SOURCE, 'policies.cedar'), 'utf8') +
        '\n@id("bob-writes")\npermit (principal == Airlock::user::"bob", action == Airlock::Action::"write", resource is Airlock::record);\n',
    );
    const r = await reloadJson();
    expect(r.status).toBe(200);
    expect(r.json.reloaded).toBe(true);
    const v2 = r.json.version as string;
    expect(v2).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v2).not.toBe(v1);
    expect(await healthVersion()).toBe(v2);

    const d = await postJson(`${gw.url}/v1/authorize`, BOB_WRITE);
    expect(d.json.outcome).toBe('allow');
    expect(d.json.policyVersion).toBe(v2);
    expect(d.json.reasons.map((x: { policyId?: string }) => x.policyId)).toContain('bob-writes');
  });

  it('restoring the original files restores the original version (the version is the content hash)', async () => {
    writeFileSync(join(dir, 'policies.cedar'), readFileSync(join(SOURCE, 'policies.cedar'), 'utf8'));
    const r = await reloadJson();
    expect(r.status).toBe(200);
    expect(r.json.version).toBe(v1);
    expect((await postJson(`${gw.url}/v1/authorize`, BOB_WRITE)).json.outcome).toBe('deny');
  });

  it('a bodiless POST (`curl -X POST …/v1/policy/reload`) reloads too: the endpoint takes no input', async () => {
    const res = await fetch(`${gw.url}/v1/policy/reload`, { method: 'POST', headers: gw.adminHeaders });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { version: string }).version).toBe(v1);
  });

  it.runIf(policyThreads > 0)('after a reload every decision ran on a policy thread (the metric says where)', async () => {
    // A reload returns once every thread prepared the bundle, so each thread is ready by now.
    const count = async (on: string) => (await gw.app.inject({ method: 'GET', url: '/metrics', headers: gw.adminHeaders })).body.match(new RegExp(`^airlock_policy_evaluations_total\\{on="${on}"\\} (\\d+)`, 'm'))?.[1];
    const before = Number((await count('thread')) ?? 0);
    const onLoop = await count('event_loop');
    for (let i = 0; i < 10; i++) expect((await postJson(`${gw.url}/access/v1/evaluation`, ALICE_READ)).json.decision).toBe(true);
    expect(Number(await count('thread'))).toBe(before + 10);
    expect(await count('event_loop')).toBe(onLoop);
  });
});
