/**
 * The identity registry against the real gateway (Fastify on 127.0.0.1, SQLite in a temp data
 * dir, the example Cedar bundle): management API, subject resolution (DESIGN §2 step 2), who may
 * ask what, audit records for every change, and nothing half-written on bad input.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const BUNDLE = 'policies/example';
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const clock = { t: T0, now() { return this.t; } };
const DAY = 86_400_000;

let gw: StartedGateway;
beforeAll(async () => {
  gw = await startGateway({ policies: BUNDLE, clock, pep: { subjects: [{ type: 'Agent', id: 'triage' }], groups: ['deployers'] } });
});
afterAll(async () => {
  await gw?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
async function call(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(gw.url + path, {
    method,
    headers: { ...bearer(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}
const admin = (method: string, path: string, body?: unknown) => call(method, path, gw.adminKey, body);
const head = async () => (await gw.runtime.store.audit.head('main'))?.seq ?? 0;
const decide = (key: string, subject: { type: string; id: string }, resource = { type: 'Tool', id: 'zendesk.reply' }, action = 'tool.call') =>
  postJson(`${gw.url}/v1/authorize`, { subject, action: { name: action }, resource }, bearer(key));

async function createAgent(id: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await admin('POST', '/v1/identities', { id, kind: 'agent', owner: 'admin', purpose: `test agent ${id}`, groups: ['support-agents'], ...extra });
  expect(r.status, r.text).toBe(201);
  return r.json.key.key as string;
}

describe('create, read, list (POST/GET /v1/identities)', () => {
  it('create answers 201 with the identity and its first key, once; reads and lists never carry a secret or hash', async () => {
    const r = await admin('POST', '/v1/identities', {
      id: 'triage',
      kind: 'agent',
      owner: 'admin',
      purpose: 'triages support tickets',
      groups: ['support-agents'],
      environments: ['production'],
      attributes: { team: 'support', tier: 2, tags: ['a', 'b'], nested: { ok: true } },
    });
    expect(r.status).toBe(201);
    expect(r.json.identity).toMatchObject({ class: 'nhi', id: 'triage', kind: 'agent', owner: 'admin', status: 'active', groups: ['support-agents'] });
    expect(r.json.key.key).toMatch(/^ak_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(r.json.key.keyId).toBe(r.json.key.key.slice(3, 19));
    const secret = r.json.key.key as string;

    const got = await admin('GET', '/v1/identities/triage');
    const keys = await admin('GET', '/v1/identities/triage/keys');
    const list = await admin('GET', '/v1/identities');
    for (const t of [got.text, keys.text, list.text]) {
      expect(t).not.toContain(secret.slice(20));
      expect(t).not.toMatch(/"hash"/);
    }
    expect(keys.json.keys).toEqual([expect.objectContaining({ keyId: r.json.key.keyId, state: 'active' })]);
  });

  it('list filters by kind, status, owner, group, environment; a filter full of SQL is data', async () => {
    await createAgent('lister', { environments: ['staging'] });
    const ids = async (q: string) => (await admin('GET', `/v1/identities${q}`)).json.identities.map((i: { id: string }) => i.id);
    expect(await ids('?environment=staging')).toEqual(['lister']);
    expect(await ids('?kind=agent&group=support-agents')).toEqual(expect.arrayContaining(['lister', 'triage']));
    expect(await ids(`?owner=${encodeURIComponent("admin' OR '1'='1")}`)).toEqual([]);
    expect((await admin('GET', '/v1/identities?kind=robot')).json.error.code).toBe('ERR_IDENTITY_INVALID');
    expect(await ids('?kind=bot')).toEqual([]);
  });
});

describe('bad input: stable codes, nothing half-written', () => {
  const base = { kind: 'agent', owner: 'admin', purpose: 'p' };
  const cases: [string, unknown, number, string][] = [
    ['duplicate id', { id: 'triage', ...base }, 409, 'ERR_IDENTITY_EXISTS'],
    ['id of a static entity of the bundle', { id: 'support-agent', ...base }, 409, 'ERR_IDENTITY_EXISTS'],
    ['unknown owner', { id: 'x1', ...base, owner: 'nobody' }, 422, 'ERR_OWNER_UNKNOWN'],
    ['owner that is an NHI', { id: 'x2', ...base, owner: 'triage' }, 422, 'ERR_OWNER_UNKNOWN'],
    ['unknown group', { id: 'x3', ...base, groups: ['no-such-group'] }, 422, 'ERR_GROUP_UNKNOWN'],
    ['invalid slug (uppercase)', { id: 'Bad', ...base }, 400, 'ERR_IDENTITY_INVALID'],
    ['invalid slug (SQL)', { id: "x'; DROP TABLE identities;--", ...base }, 400, 'ERR_IDENTITY_INVALID'],
    ['64 KB id', { id: 'a'.repeat(65_536), ...base }, 400, 'ERR_IDENTITY_INVALID'],
    ['attribute null (not a Cedar value)', { id: 'x4', ...base, attributes: { a: null } }, 400, 'ERR_IDENTITY_INVALID'],
    ['attribute float', { id: 'x5', ...base, attributes: { a: 1.5 } }, 400, 'ERR_IDENTITY_INVALID'],
    ['reserved attribute owner', { id: 'x6', ...base, attributes: { owner: 'eve' } }, 400, 'ERR_IDENTITY_INVALID'],
    ['oversized purpose', { id: 'x7', ...base, purpose: 'p'.repeat(5000) }, 400, 'ERR_IDENTITY_INVALID'],
    ['oversized attributes', { id: 'x8', ...base, attributes: { big: 'x'.repeat(20_000) } }, 400, 'ERR_IDENTITY_INVALID'],
    ['missing purpose', { id: 'x9', kind: 'agent', owner: 'admin' }, 400, 'ERR_IDENTITY_INVALID'],
    ['unknown kind', { id: 'x10', ...base, kind: 'robot' }, 400, 'ERR_IDENTITY_INVALID'],
    ['unknown field', { id: 'x11', ...base, status: 'active' }, 400, 'ERR_IDENTITY_INVALID'],
    ['pep wildcard over a registry type', { id: 'x12', ...base, pep: { subjects: [{ type: 'Agent', id: '*' }] } }, 400, 'ERR_IDENTITY_INVALID'],
  ];
  for (const [name, body, status, code] of cases) {
    it(`${name} → ${status} ${code}; no row, no key, no audit record`, async () => {
      const seq = await head();
      const before = await gw.runtime.store.identities.count();
      const keys = (await gw.runtime.store.credentials.listAll()).length;
      const r = await admin('POST', '/v1/identities', body);
      expect(r.status, r.text).toBe(status);
      expect(r.json.error.code).toBe(code);
      expect(await head()).toBe(seq);
      expect(await gw.runtime.store.identities.count()).toBe(before);
      expect((await gw.runtime.store.credentials.listAll()).length).toBe(keys);
    });
  }

  it('the error names the bad field by JSON pointer', async () => {
    const r = await admin('POST', '/v1/identities', { id: 'x', ...base, attributes: { ok: 1, bad: null } });
    expect(r.json.error.details.path).toBe('/attributes/bad');
  });

  it('threats.md §3.10: SQL metacharacters in every free-text field are stored and returned verbatim', async () => {
    const nasty = `'; DROP TABLE identities;-- 1 OR 1=1 % _ \\ "`;
    const r = await admin('POST', '/v1/identities', { id: 'sqli', ...base, displayName: nasty, purpose: nasty, attributes: { note: nasty, [nasty]: 'k' } });
    expect(r.status, r.text).toBe(201);
    const got = await admin('GET', '/v1/identities/sqli');
    expect(got.json.displayName).toBe(nasty);
    expect(got.json.purpose).toBe(nasty);
    expect(got.json.attributes).toEqual({ note: nasty, [nasty]: 'k' });
    const h = await admin('POST', '/v1/humans', { id: 'sqli-human', displayName: nasty, links: { slack: nasty } });
    expect(h.status).toBe(201);
    expect((await admin('GET', '/v1/humans/sqli-human')).json.links.slack).toBe(nasty);
  });
});

describe('who may ask what (403 ERR_SUBJECT_FORBIDDEN / ERR_FORBIDDEN)', () => {
  it('an NHI may ask about itself only', async () => {
    const key = await createAgent('self-asker');
    const own = await decide(key, { type: 'Agent', id: 'self-asker' });
    expect(own.status).toBe(200);
    expect(own.json.outcome).toBe('allow');
    const other = await decide(key, { type: 'Agent', id: 'triage' });
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('ERR_SUBJECT_FORBIDDEN');
    const statik = await decide(key, { type: 'Agent', id: 'support-agent' });
    expect(statik.status).toBe(403);
  });

  it('a batch with one foreign subject is refused whole, before anything is decided', async () => {
    const key = await createAgent('batcher');
    const seq = await head();
    const r = await postJson(
      `${gw.url}/access/v1/evaluations`,
      { action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' }, evaluations: [{ subject: { type: 'Agent', id: 'batcher' } }, { subject: { type: 'Agent', id: 'triage' } }] },
      bearer(key),
    );
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('ERR_SUBJECT_FORBIDDEN');
    expect(await head()).toBe(seq);
  });

  it('a pep may ask only for its listed subjects and for members of its listed groups', async () => {
    // test-pep: subjects [Agent:triage], groups [deployers]
    const listed = await decide(gw.pepKey, { type: 'Agent', id: 'triage' });
    expect(listed.status).toBe(200);
    expect(listed.json.outcome).toBe('allow');
    const groupMember = await decide(gw.pepKey, { type: 'Agent', id: 'deploy-bot' }, { type: 'Service', id: 'checkout' }, 'deploy');
    expect(groupMember.status).toBe(200);
    const notListed = await decide(gw.pepKey, { type: 'Agent', id: 'support-agent' });
    expect(notListed.status).toBe(403);
    expect(notListed.json.error.code).toBe('ERR_SUBJECT_FORBIDDEN');
    const unknownType = await decide(gw.pepKey, { type: 'user', id: 'alice' });
    expect(unknownType.status).toBe(403);
  });

  it('management needs role admin; an auditor reads but cannot write; an NHI can do neither', async () => {
    const aud = await admin('POST', '/v1/humans', { id: 'audrey', roles: ['auditor'] });
    const audKey = aud.json.key.key as string;
    expect((await call('GET', '/v1/identities', audKey)).status).toBe(200);
    expect((await call('GET', '/v1/identities/report', audKey)).status).toBe(200);
    const w = await call('POST', '/v1/identities', audKey, { id: 'nope', kind: 'agent', owner: 'admin', purpose: 'p' });
    expect(w.status).toBe(403);
    expect(w.json.error.code).toBe('ERR_FORBIDDEN');
    const nhiKey = await createAgent('no-admin');
    expect((await call('GET', '/v1/identities', nhiKey)).json.error.code).toBe('ERR_FORBIDDEN');
    expect((await call('GET', '/metrics', nhiKey)).status).toBe(403);
  });
});

describe('subject resolution on the very next request (DESIGN §2 step 2)', () => {
  it('registry groups are Cedar parents: `principal in Group::"support-agents"` matches a registry NHI', async () => {
    const key = await createAgent('grouped');
    expect((await decide(key, { type: 'Agent', id: 'grouped' })).json.reasons[0].policyId).toBe('support-tools');
  });

  it('suspend → the identity\'s own key is refused (401) and, asked about by a pep, it is denied subject_inactive; resume restores both', async () => {
    await admin('POST', '/v1/identities/triage/suspend');
    const asSubject = await decide(gw.pepKey, { type: 'Agent', id: 'triage' });
    expect(asSubject.json.outcome).toBe('deny');
    expect(asSubject.json.reasons[0].code).toBe('subject_inactive');
    expect(asSubject.json.auditSeq).toBeGreaterThan(0);
    await admin('POST', '/v1/identities/triage/resume');
    expect((await decide(gw.pepKey, { type: 'Agent', id: 'triage' })).json.outcome).toBe('allow');
  });

  it('expired (clock moved past expiresAt) → subject_inactive, and its key is refused', async () => {
    const key = await createAgent('short-lived', { expiresAt: new Date(T0 + DAY).toISOString() });
    expect((await decide(key, { type: 'Agent', id: 'short-lived' })).json.outcome).toBe('allow');
    await admin('PATCH', '/v1/identities/triage', { expiresAt: new Date(T0 + DAY).toISOString() });
    clock.t = T0 + DAY + 1;
    try {
      expect((await decide(key, { type: 'Agent', id: 'short-lived' })).status).toBe(401);
      const viaPep = await decide(gw.pepKey, { type: 'Agent', id: 'triage' });
      expect(viaPep.json.reasons[0].code).toBe('subject_inactive');
    } finally {
      clock.t = T0;
      await admin('PATCH', '/v1/identities/triage', { expiresAt: null });
    }
  });

  it('owner suspended or retired → subject_unowned; owner missing cannot be registered', async () => {
    await admin('POST', '/v1/humans', { id: 'olivia', key: false });
    const key = await createAgent('olivias-agent', { owner: 'olivia' });
    expect((await decide(key, { type: 'Agent', id: 'olivias-agent' })).json.outcome).toBe('allow');
    await admin('POST', '/v1/humans/olivia/suspend');
    expect((await decide(key, { type: 'Agent', id: 'olivias-agent' })).json.reasons[0].code).toBe('subject_unowned');
    await admin('POST', '/v1/humans/olivia/retire');
    const d = await decide(key, { type: 'Agent', id: 'olivias-agent' });
    expect(d.json.outcome).toBe('deny');
    expect(d.json.reasons[0].code).toBe('subject_unowned');
    // retirement is final
    expect((await admin('POST', '/v1/humans/olivia/resume')).json.error.code).toBe('ERR_IDENTITY_RETIRED');
  });

  it('retired → subject_inactive; a retired identity cannot be patched or get keys', async () => {
    await createAgent('to-retire');
    await admin('POST', '/v1/identities/to-retire/retire');
    // the admin (a human) may not ask about others, so a pep that lists it is registered
    const pep = await admin('POST', '/v1/identities', { id: 'retire-pep', kind: 'workload', owner: 'admin', purpose: 'p', pep: { subjects: [{ type: 'Agent', id: 'to-retire' }, { type: 'Agent', id: 'ghost' }] } });
    const d = await decide(pep.json.key.key, { type: 'Agent', id: 'to-retire' });
    expect(d.json.reasons[0].code).toBe('subject_inactive');
    expect((await admin('PATCH', '/v1/identities/to-retire', { purpose: 'again' })).json.error.code).toBe('ERR_IDENTITY_RETIRED');
    expect((await admin('POST', '/v1/identities/to-retire/keys')).json.error.code).toBe('ERR_IDENTITY_RETIRED');
    const ghost = await decide(pep.json.key.key, { type: 'Agent', id: 'ghost' });
    expect(ghost.json.outcome).toBe('deny');
    expect(ghost.json.reasons[0].code).toBe('unknown_subject');
  });

  it('the decision audit record names the authenticated caller and its key id', async () => {
    const d = await decide(gw.pepKey, { type: 'Agent', id: 'triage' });
    const [rec] = await gw.runtime.store.audit.read('main', d.json.auditSeq, 1);
    const r = JSON.parse(rec!.recordText);
    expect(r.caller).toEqual({ type: 'Workload', id: 'test-pep', via: 'http', keyId: gw.pepKey.slice(3, 19) });
  });
});

describe('keys: rotation with overlap, revocation one by one', () => {
  it('two keys work side by side; revoking one leaves the other; a revoked key gets 401', async () => {
    const k1 = await createAgent('rotor');
    const k2r = await admin('POST', '/v1/identities/rotor/keys', { label: 'second' });
    expect(k2r.status).toBe(201);
    const k2 = k2r.json.key.key as string;
    expect((await decide(k1, { type: 'Agent', id: 'rotor' })).status).toBe(200);
    expect((await decide(k2, { type: 'Agent', id: 'rotor' })).status).toBe(200);
    const rev = await admin('DELETE', `/v1/identities/rotor/keys/${k1.slice(3, 19)}`);
    expect(rev.json.key.state).toBe('revoked');
    expect((await decide(k1, { type: 'Agent', id: 'rotor' })).status).toBe(401);
    expect((await decide(k2, { type: 'Agent', id: 'rotor' })).status).toBe(200);
    const states = (await admin('GET', '/v1/identities/rotor/keys')).json.keys.map((k: { state: string }) => k.state);
    expect(states).toEqual(['revoked', 'active']);
    expect((await admin('DELETE', '/v1/identities/triage/keys/0000000000000000')).status).toBe(404);
  });

  it('a key with an expiry stops working at that time', async () => {
    const r = await admin('POST', '/v1/identities/rotor/keys', { expiresAt: new Date(T0 + 2 * DAY).toISOString() });
    const k = r.json.key.key as string;
    expect((await decide(k, { type: 'Agent', id: 'rotor' })).status).toBe(200);
    clock.t = T0 + 2 * DAY;
    try {
      expect((await decide(k, { type: 'Agent', id: 'rotor' })).status).toBe(401);
    } finally {
      clock.t = T0;
    }
  });

  it('the secret is never stored: the DB files do not contain it (only its SHA-256)', async () => {
    const key = await createAgent('needle');
    await gw.runtime.usage.flush();
    const secret = key.slice(20);
    for (const f of readdirSync(gw.dataDir).filter((n) => n.startsWith('airlock.db'))) {
      const bytes = readFileSync(join(gw.dataDir, f));
      expect(bytes.includes(Buffer.from(secret)), f).toBe(false);
      expect(bytes.includes(Buffer.from(key)), f).toBe(false);
    }
  });
});

describe('every change is an audit record in the same chain (who, what, before/after)', () => {
  it('create, patch, suspend, resume, retire, key create, key revoke', async () => {
    const from = (await head()) + 1;
    await createAgent('audited');
    await admin('PATCH', '/v1/identities/audited', { purpose: 'changed purpose' });
    await admin('POST', '/v1/identities/audited/suspend');
    await admin('POST', '/v1/identities/audited/suspend'); // no change, no record
    await admin('POST', '/v1/identities/audited/resume');
    const k = await admin('POST', '/v1/identities/audited/keys');
    await admin('DELETE', `/v1/identities/audited/keys/${k.json.key.keyId}`);
    await admin('POST', '/v1/identities/audited/retire');
    const recs = (await gw.runtime.store.audit.read('main', from, 100)).filter((r) => r.kind === 'identity').map((r) => JSON.parse(r.recordText));
    expect(recs.map((r) => r.op)).toEqual(['nhi.create', 'nhi.update', 'nhi.suspend', 'nhi.resume', 'key.create', 'key.revoke', 'nhi.retire']);
    for (const r of recs) {
      expect(r.actor).toEqual({ type: 'Human', id: 'admin', via: 'http', keyId: gw.adminKey.slice(3, 19) });
      expect(r.target.id).toBe('audited');
    }
    expect(recs[1].before.purpose).toBe('test agent audited');
    expect(recs[1].after.purpose).toBe('changed purpose');
    expect(recs[2].before.status).toBe('active');
    expect(recs[2].after.status).toBe('suspended');
    expect(JSON.stringify(recs)).not.toContain(k.json.key.key.slice(20));
    expect(JSON.stringify(recs)).not.toMatch(/"hash"/);
  });
});

describe('lastUsedAt without a write per decision', () => {
  it('uses are noted in memory and written by the batched flush', async () => {
    const key = await createAgent('user-of-time');
    await decide(key, { type: 'Agent', id: 'user-of-time' });
    expect((await gw.runtime.store.identities.get('user-of-time'))!.lastUsedAt).toBeUndefined();
    await gw.runtime.usage.flush();
    expect((await gw.runtime.store.identities.get('user-of-time'))!.lastUsedAt).toBe(new Date(T0).toISOString());
    expect((await gw.runtime.store.credentials.get(key.slice(3, 19)))!.lastUsedAt).toBe(new Date(T0).toISOString());
  });
});

describe('bootstrap', () => {
  it('admin.key holds the admin key with mode 0600; a second bootstrap does nothing', async () => {
    const file = join(gw.dataDir, 'admin.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(gw.adminKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await gw.runtime.bootstrapAdmin()).toBeUndefined();
  });
});
