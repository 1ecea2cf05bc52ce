/**
 * AuthZEN Search over the identity registry (docs/authzen.md): registry NHIs as candidates, group
 * membership counted transitively, the who-may-ask rule of evaluation, registry state read on every
 * search, approvals neither opened nor counted, paging, one audit record per search, fail closed
 * when that record cannot be written. Real server, real SQLite, bundle test/fixtures/bundles/search-groups.
 */
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const BUNDLE = 'test/fixtures/bundles/search-groups';
const system = { type: 'system', id: 'test', via: 'test' } as const;

let gw: StartedGateway;
const keys: Record<string, string> = {};

async function agent(id: string, groups: string[], pep?: { subjects: { type: string; id: string }[]; groups: string[] }): Promise<void> {
  const r = await gw.runtime.identities.createNhi(
    { id, kind: 'agent', owner: 'admin', groups, environments: [], purpose: `search test ${id}`, attributes: {}, ...(pep ? { pep } : {}), key: true },
    system,
  );
  keys[id] = r.value.key!.key;
}

beforeAll(async () => {
  // test-pep may ask about the deployers (nested groups included) and about idle-bot by name.
  gw = await startGateway({ policies: BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'idle-bot' }], groups: ['deployers'] } });
  await agent('ci-bot', ['release-bots']); // in deployers through release-bots
  await agent('deploy-bot', ['deployers']);
  await agent('idle-bot', []);
  await agent('gone-bot', ['deployers']);
  await gw.runtime.identities.setStatus('nhi', 'gone-bot', 'suspend', system);
  // A pep whose grant covers release-bots only.
  await agent('narrow-pep', [], { subjects: [], groups: ['release-bots'] });
});
afterAll(async () => {
  await gw?.close();
});

const search = (kind: string, body: unknown, key?: string) => postJson(`${gw.url}/access/v1/search/${kind}`, body, key ? { authorization: `Bearer ${key}` } : gw.headers);
const evaluate = (body: unknown) => postJson(`${gw.url}/access/v1/evaluation`, body, gw.headers);
const names = (r: { json: any }) => r.json.results.map((e: { id?: string; name?: string }) => e.id ?? e.name);
const deploy = { name: 'deploy' };
const checkout = { type: 'Service', id: 'checkout' };

describe('AuthZEN search over the registry', () => {
  it('subject search finds registry agents, through nested groups, and leaves out suspended and non-member agents', async () => {
    const r = await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout });
    expect(r.status).toBe(200);
    // ci-bot is in release-bots, a member of deployers; gone-bot is suspended; idle-bot in no group.
    expect(r.json.results).toEqual([
      { type: 'Agent', id: 'ci-bot' },
      { type: 'Agent', id: 'deploy-bot' },
    ]);
  });

  it('every result re-checks true as an evaluation, every left-out agent false', async () => {
    const found = new Set(names(await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout })));
    for (const id of ['ci-bot', 'deploy-bot', 'idle-bot', 'gone-bot']) {
      const d = await evaluate({ subject: { type: 'Agent', id }, action: deploy, resource: checkout });
      expect(d.json.decision, id).toBe(found.has(id));
    }
  });

  it('a subject search leaves out the agents the caller may not ask about (who-may-ask rule of evaluation)', async () => {
    const r = await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout }, keys['narrow-pep']);
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(['ci-bot']);
  });

  it('an NHI searches about itself only: its resource search works, one about another subject is 403', async () => {
    const own = await search('resource', { subject: { type: 'Agent', id: 'deploy-bot' }, action: deploy, resource: { type: 'Service' } }, keys['deploy-bot']);
    expect(own.status).toBe(200);
    expect(names(own)).toEqual(['checkout']);
    const other = await search('action', { subject: { type: 'Agent', id: 'ci-bot' }, resource: checkout }, keys['deploy-bot']);
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('ERR_SUBJECT_FORBIDDEN');
    expect(other.json.results).toBeUndefined();
    const subjects = await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout }, keys['deploy-bot']);
    expect(names(subjects)).toEqual(['deploy-bot']);
  });

  it('a search carrying gateway-set context is refused like an evaluation (ERR_CONTEXT_RESERVED), not answered from it', async () => {
    for (const context of [{ delegation: { depth: 0, root: 'Airlock::Human::"alice"' } }, { command: { text: 'ls', risk: 'none' } }, { reverses: 'r-1' }]) {
      const r = await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout, context });
      expect(r.status, JSON.stringify(context)).toBe(400);
      expect(r.json.error.code).toBe('ERR_CONTEXT_RESERVED');
      const e = await evaluate({ subject: { type: 'Agent', id: 'ci-bot' }, action: deploy, resource: checkout, context });
      expect(e.status).toBe(400);
    }
  });

  it('a search without a key is 401 like an evaluation', async () => {
    const r = await postJson(`${gw.url}/access/v1/search/subject`, { subject: { type: 'Agent' }, action: deploy, resource: checkout });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('an outcome that needs an approval is not a result, and the search opens no approval', async () => {
    const r = await search('resource', { subject: { type: 'Agent', id: 'deploy-bot' }, action: deploy, resource: { type: 'Service' } });
    expect(names(r)).toEqual(['checkout']);
    const actions = await search('action', { subject: { type: 'Agent', id: 'deploy-bot' }, resource: { type: 'Service', id: 'ledger' } });
    expect(names(actions)).toEqual(['read']);
    const audit = await gw.runtime.store.audit.read('main', 1, 10_000);
    expect(audit.filter((a) => a.kind === 'approval.opened')).toHaveLength(0);
    // As an evaluation, the same question opens one (the search did not answer it as an allow).
    const d = await evaluate({ subject: { type: 'Agent', id: 'deploy-bot' }, action: deploy, resource: { type: 'Service', id: 'ledger' } });
    expect(d.json.decision).toBe(false);
    expect(d.json.context.outcome).toBe('approval_required');
  });

  it('action search lists the actions of the schema an evaluation would allow', async () => {
    const r = await search('action', { subject: { type: 'Agent', id: 'ci-bot' }, resource: checkout });
    expect(r.json.results).toEqual([{ name: 'deploy' }, { name: 'read' }]);
    const idle = await search('action', { subject: { type: 'Agent', id: 'idle-bot' }, resource: checkout });
    expect(idle.json.results).toEqual([{ name: 'read' }]);
  });

  it('registry state applies to the very next search: a suspended agent drops out, a resumed one comes back', async () => {
    const body = { subject: { type: 'Agent' }, action: deploy, resource: checkout };
    await gw.runtime.identities.setStatus('nhi', 'deploy-bot', 'suspend', system);
    expect(names(await search('subject', body))).toEqual(['ci-bot']);
    await gw.runtime.identities.setStatus('nhi', 'deploy-bot', 'resume', system);
    expect(names(await search('subject', body))).toEqual(['ci-bot', 'deploy-bot']);
  });

  it('pages: limit 1 walks the results one by one with opaque tokens; the pages together are the unpaged answer', async () => {
    const body = { subject: { type: 'Agent', id: 'idle-bot' }, action: { name: 'read' }, resource: { type: 'Service' } };
    const all = names(await search('resource', body));
    expect(all).toEqual(['checkout', 'ledger', 'sandbox']);
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await search('resource', { ...body, page: token ? { token, limit: 1 } : { limit: 1 } });
      expect(r.status).toBe(200);
      expect(r.json.page.count).toBe(r.json.results.length);
      seen.push(...names(r));
      token = r.json.page.next_token;
      if (token === '') break;
    }
    expect(seen).toEqual(all);
    expect(token).toBe('');
  });

  it('each search is one audit record (kind "search") naming the caller, the question, the results and the policy version', async () => {
    const decisionsBefore = (await gw.runtime.store.audit.read('main', 1, 10_000)).filter((a) => a.kind === 'decision').length;
    const r = await search('subject', { subject: { type: 'Agent' }, action: deploy, resource: checkout, context: { apiKey: 'sk-live-abcdefghijklmnop' } });
    expect(r.status).toBe(200);
    const found = await gw.runtime.store.audit.find({ requestId: r.json.context.requestId });
    expect(found).toHaveLength(1);
    expect(found[0]!.kind).toBe('search');
    expect(found[0]!.seq).toBe(r.json.context.auditSeq);
    const rec = JSON.parse(found[0]!.recordText);
    expect(rec.search).toBe('subject');
    expect(rec.caller).toMatchObject({ id: 'test-pep', via: 'http' });
    expect(rec.results).toEqual(['ci-bot', 'deploy-bot']);
    expect(rec.request.action).toEqual(deploy);
    expect(rec.request.context.apiKey).toBe('[REDACTED]');
    expect(rec.policyVersion).toBe(r.json.context.policyVersion);
    // The candidates' decisions are not recorded one by one.
    const decisionsAfter = (await gw.runtime.store.audit.read('main', 1, 10_000)).filter((a) => a.kind === 'decision').length;
    expect(decisionsAfter).toBe(decisionsBefore);
  });
});

describe('AuthZEN search fails closed', () => {
  it('when the search record cannot be written the answer is 503 ERR_AUDIT_UNAVAILABLE and no results', async () => {
    const g = await startGateway({ policies: BUNDLE, pep: { subjects: [], groups: ['deployers'] } });
    try {
      const db = (g.runtime.store as unknown as { db: Database.Database }).db;
      expect(db).toBeDefined();
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      const r = await postJson(
        `${g.url}/access/v1/search/subject`,
        { subject: { type: 'Agent' }, action: deploy, resource: checkout, context: { note: 'x'.repeat(200_000) } },
        g.headers,
      );
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('ERR_AUDIT_UNAVAILABLE');
      expect(r.json.results).toBeUndefined();
      expect(r.text).not.toMatch(/SQLITE|database|disk/i);
    } finally {
      await g.close();
    }
  });
});
