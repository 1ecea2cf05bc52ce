import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDelegationToken, type DelegationClaims } from '../../src/delegation/token.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

// Issue #5 "Delegated execution paths" against the real server: Fastify on loopback, SQLite store,
// the example bundle, registry humans and agents with their own API keys. Time is the gateway's
// clock (moved, never slept).
const SYSTEM = { type: 'system', id: 'test', via: 'test' };
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
let nowMs = T0;
let gw: StartedGateway;
const keys: Record<string, string> = {};

const auth = (who: string) => ({ authorization: `Bearer ${keys[who]}` });
const get = async (path: string, who: string) => {
  const r = await fetch(`${gw.url}${path}`, { headers: auth(who) });
  return { status: r.status, json: (await r.json()) as any };
};
const post = (path: string, body: unknown, who: string, headers: Record<string, string> = {}) => postJson(`${gw.url}${path}`, body ?? {}, { ...auth(who), ...headers });

async function human(id: string, roles: string[], groups: string[] = []) {
  const r = await gw.runtime.identities.createHuman({ id, displayName: id, groups, roles: roles as never, links: {}, key: true }, SYSTEM);
  keys[id] = r.value.key!.key;
}
async function nhi(id: string, groups: string[] = [], kind = 'agent') {
  const r = await gw.runtime.identities.createNhi(
    { id, kind, owner: 'olga', groups, environments: ['production'], purpose: 'delegation tests', attributes: {}, key: true } as never,
    SYSTEM,
  );
  keys[id] = r.value.key!.key;
}

const uid = (type: string, id: string) => `Airlock::${type}::${JSON.stringify(id)}`;

/** RFC 8693 §2.1 token exchange: `who` hands `subjectToken`'s rights (narrowed) on to `delegate`. */
async function exchange(who: string, params: Record<string, string>) {
  const res = await fetch(`${gw.url}/oauth/token`, {
    method: 'POST',
    headers: { ...auth(who), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      actor_token_type: 'urn:airlock:token-type:identity',
      ...params,
    }).toString(),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}
const hop = (who: string, subjectToken: string, delegate: string, extra: Record<string, string> = {}) =>
  exchange(who, { subject_token: subjectToken, actor_token: uid('Agent', delegate), ...extra });

async function root(who: string, delegate: string, scope: string, ttl = '60m', purpose = 'release train') {
  const r = await post('/v1/delegations', { delegate: `Agent::"${delegate}"`, scope, ttl, purpose }, who);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { id: string; token: string; expiresIn: number; scope: string };
}

const SCOPE_A = 'tool.call:Tool::github.* secret.read:Secret::staging-* deploy:Service::svc-*';
const SCOPE_B = 'tool.call:Tool::github.* secret.read:Secret::staging-* deploy:Service::svc-d*';
const SCOPE_C = 'tool.call:Tool::github.get_file secret.read:Secret::staging-db-password deploy:Service::svc-d1';

interface Chain {
  ids: [string, string, string];
  tokens: [string, string, string];
}
/** hana → a → b → c, each hop narrower and shorter (60, 30, 10 minutes). */
async function chain(purpose = 'release train'): Promise<Chain> {
  const l1 = await root('hana', 'a', SCOPE_A, '60m', purpose);
  const l2 = await hop('a', l1.token, 'b', { scope: SCOPE_B, ttl: '30m' });
  expect(l2.status, JSON.stringify(l2.json)).toBe(200);
  const l3 = await hop('b', l2.json.access_token, 'c', { scope: SCOPE_C, ttl: '10m' });
  expect(l3.status, JSON.stringify(l3.json)).toBe(200);
  return { ids: [l1.id, decodeJwt(l2.json.access_token).jti!, decodeJwt(l3.json.access_token).jti!], tokens: [l1.token, l2.json.access_token, l3.json.access_token] };
}

const asAgent = (id: string, action: string, resource: { type: string; id: string }, context: Record<string, unknown> = {}) => ({
  subject: { type: 'Agent', id },
  action: { name: action },
  resource,
  context,
});
const GET_FILE = { type: 'Tool', id: 'github.get_file' };
const STAGING_SECRET = { type: 'Secret', id: 'staging-db-password' };
/** `who` decides with its own key and a delegation token in X-Airlock-Delegation. */
const decide = async (who: string, req: unknown, token?: string) => (await post('/v1/authorize', req, who, token ? { 'x-airlock-delegation': token } : {})).json;
const codes = (d: any) => d.reasons.map((r: any) => r.code);

beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example', clock: { now: () => nowMs } });
  keys['admin-key'] = gw.adminKey;
  await human('olga', []); // owner of every agent; not an approver
  await human('hana', ['approver'], ['sre-approvers']); // root principal of the chains
  await human('quinn', ['approver'], ['sre-approvers']); // an approver outside every chain
  await human('pat', []); // a person with nothing to do with the chains
  for (const id of ['a', 'b', 'd', 'e']) await nhi(id);
  await nhi('c', ['deployers']);
  await nhi('x');
  await nhi('payer', ['payment-agents']);
  await nhi('svc', [], 'service_account');
});

afterAll(async () => {
  await gw?.close();
});

describe('a three-hop chain human → A → B → C', () => {
  it('works: RFC 8693 responses, nested act claims, and C acts inside its scope with its own key plus the token', async () => {
    const l1 = await root('hana', 'a', SCOPE_A);
    const l2 = await hop('a', l1.token, 'b', { scope: SCOPE_B, ttl: '30m' });
    // RFC 8693 §2.2.1 response; RFC 6749 §5.1 no-store.
    expect(l2.json).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_type: 'N_A', expires_in: 1800, scope: SCOPE_B.split(' ').sort().join(' ') });
    expect(l2.headers.get('cache-control')).toBe('no-store');
    const l3 = await hop('b', l2.json.access_token, 'c', { scope: SCOPE_C, ttl: '10m' });
    expect(l3.status).toBe(200);
    const claims = decodeJwt(l3.json.access_token) as unknown as DelegationClaims;
    expect(decodeProtectedHeader(l3.json.access_token)).toMatchObject({ alg: 'EdDSA', typ: 'airlock-delegation+jwt' });
    // RFC 8693 §4.1: the outermost act is the current actor, nested ones the prior actors.
    expect(claims).toMatchObject({ sub: uid('Human', 'hana'), dpth: 3, purp: 'release train', act: { sub: uid('Agent', 'c'), act: { sub: uid('Agent', 'b'), act: { sub: uid('Agent', 'a') } } } });
    expect(claims.chn).toEqual([l1.id, decodeJwt(l2.json.access_token).jti, claims.jti]);

    const ok = await decide('c', asAgent('c', 'tool.call', GET_FILE), l3.json.access_token);
    expect(ok.outcome).toBe('allow');
    expect(typeof ok.grant).toBe('string');
    // Outside the leaf scope (B may merge, C may not).
    expect(codes(await decide('c', asAgent('c', 'tool.call', { type: 'Tool', id: 'github.merge' }), l3.json.access_token))).toEqual(['delegation_scope']);
    // The same token in context.delegationToken (AuthZEN callers).
    const authzen = await post('/access/v1/evaluation', asAgent('c', 'tool.call', GET_FILE, { delegationToken: l3.json.access_token }), 'c');
    expect(authzen.json.decision).toBe(true);

    const path = await get(`/v1/delegations/${claims.jti}/path`, 'hana');
    expect(path.status).toBe(200);
    expect(path.json.path.map((e: any) => [e.depth, e.delegator, e.delegate, e.ttlSeconds, e.status])).toEqual([
      [1, uid('Human', 'hana'), uid('Agent', 'a'), 3600, 'active'],
      [2, uid('Agent', 'a'), uid('Agent', 'b'), 1800, 'active'],
      [3, uid('Agent', 'b'), uid('Agent', 'c'), 600, 'active'],
    ]);
    expect((await get(`/v1/delegations/${claims.jti}`, 'pat')).status).toBe(404); // not on the path
    expect((await get(`/v1/delegations/${claims.jti}`, 'olga')).json).toMatchObject({ id: claims.jti, status: 'active', scope: SCOPE_C.split(' ').sort().join(' ') }); // owner of c
  });

  it('an execution grant made under a delegation never outlives the delegation', async () => {
    const l1 = await root('hana', 'a', SCOPE_A);
    const l2 = await hop('a', l1.token, 'b', { scope: SCOPE_B, ttl: '20s' });
    expect(l2.status).toBe(200);
    const tokenExp = (decodeJwt(l2.json.access_token) as unknown as DelegationClaims).exp;
    const d = await decide('b', asAgent('b', 'tool.call', GET_FILE), l2.json.access_token);
    expect(d.outcome).toBe('allow');
    const grantExp = decodeJwt(d.grant as string).exp!;
    expect(grantExp).toBeLessThanOrEqual(tokenExp); // the default grant ttl (60 s) is longer than the 20 s delegation
  });

  it('each widening is refused: scope, ttl, depth, purpose; and policy decides who may delegate to whom', async () => {
    const c = await chain();
    const wider = await hop('b', c.tokens[1], 'c', { scope: 'tool.call:Tool::*' });
    expect([wider.status, wider.json.error, wider.json.airlock_code]).toEqual([400, 'invalid_scope', 'scope_widening']);
    const longer = await hop('b', c.tokens[1], 'c', { ttl: '2h' });
    expect([longer.status, longer.json.error, longer.json.airlock_code]).toEqual([400, 'invalid_request', 'ttl_exceeds_parent']);
    const relabel = await hop('b', c.tokens[1], 'c', { purpose: 'something else' });
    expect(relabel.json.airlock_code).toBe('purpose_mismatch');
    // Depth: the default limit is 4 (root link = 1).
    const d4 = await hop('c', c.tokens[2], 'd');
    expect(d4.status).toBe(200);
    const d5 = await hop('d', d4.json.access_token, 'e');
    expect([d5.status, d5.json.error, d5.json.airlock_code]).toEqual([400, 'invalid_request', 'depth_exceeded']);
    // No cycle back to someone on the path.
    expect((await hop('c', c.tokens[2], 'a')).json.airlock_code).toBe('delegation_cycle');
    // Policy: an agent may delegate to an agent, not to a service account (Cedar action `delegate`).
    const toSvc = await exchange('c', { subject_token: c.tokens[2], actor_token: uid('ServiceAccount', 'svc') });
    expect([toSvc.status, toSvc.json.error, toSvc.json.airlock_code]).toEqual([400, 'unauthorized_client', 'delegation_forbidden']);
    // A person is never a delegate.
    const toHuman = await post('/v1/delegations', { delegate: 'Human::"pat"', scope: 'tool.call', ttl: '5m', purpose: 'p' }, 'hana');
    expect([toHuman.status, toHuman.json.error.code, toHuman.json.error.details.reason]).toEqual([400, 'ERR_DELEGATION_REFUSED', 'delegate_not_eligible']);
    // Form only on the token endpoint; JSON only on /v1.
    expect((await postJson(`${gw.url}/oauth/token`, { grant_type: 'x' }, auth('a'))).status).toBe(415);
  });

  it("B's token presented by C is refused (proof of possession), at the gateway and at the token endpoint", async () => {
    const c = await chain();
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[1]))).toEqual(['delegation_actor_mismatch']);
    const reuse = await hop('c', c.tokens[1], 'd');
    expect([reuse.json.error, reuse.json.airlock_code, reuse.json.airlock_detail]).toEqual(['invalid_request', 'subject_token_invalid', 'delegation_actor_mismatch']);
    // The subject must be the current actor too: a pep asking about c with c's token is not c.
    const pep = await post('/v1/authorize', { ...asAgent('c', 'tool.call', GET_FILE), subject: { type: 'user', id: 'u1' } }, 'c', { 'x-airlock-delegation': c.tokens[2] });
    expect(pep.status).toBe(403);
  });

  it('a caller never supplies context.delegation: with or without a token it is refused (ERR_CONTEXT_RESERVED)', async () => {
    const c = await chain();
    const forged = { delegation: { depth: 1, root: uid('Human', 'hana'), actors: [uid('Agent', 'c')], purpose: 'x', linkIds: ['x'] } };
    // context.delegation is gateway-set: refused before anything is decided, token or not (ERR_CONTEXT_RESERVED).
    expect((await decide('c', asAgent('c', 'secret.read', STAGING_SECRET, forged))).error.code).toBe('ERR_CONTEXT_RESERVED');
    expect((await decide('c', asAgent('c', 'secret.read', STAGING_SECRET, forged), c.tokens[2])).error.code).toBe('ERR_CONTEXT_RESERVED');
    // C is at depth 3: the example policy forbids secret reads beyond depth 2.
    const d = await decide('c', asAgent('c', 'secret.read', STAGING_SECRET), c.tokens[2]);
    expect(d.outcome).toBe('deny');
    expect(d.reasons.map((r: any) => r.policyId)).toContain('no-deep-secret-reads');
  });
});

describe('presenting a token', () => {
  it('X-Airlock-Delegation and context.delegationToken that differ are refused; a malformed header value is a delegation_invalid deny', async () => {
    const c = await chain();
    const both = await post('/v1/authorize', asAgent('c', 'tool.call', GET_FILE, { delegationToken: c.tokens[1] }), 'c', { 'x-airlock-delegation': c.tokens[2] });
    expect([both.status, both.json.error.code]).toEqual([400, 'ERR_REQUEST_INVALID']);
    const same = await post('/v1/authorize', asAgent('c', 'tool.call', GET_FILE, { delegationToken: c.tokens[2] }), 'c', { 'x-airlock-delegation': c.tokens[2] });
    expect(same.json.outcome).toBe('allow');
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), 'not-a-jwt'))).toEqual(['delegation_invalid']);
    // The token endpoint takes a form body only; /v1/delegations JSON only.
    const form = await fetch(`${gw.url}/v1/delegations`, { method: 'POST', headers: { ...auth('hana'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'delegate=a' });
    expect(form.status).toBe(415);
  });
});

describe('policy conditions on context.delegation', () => {
  it('no secret reads beyond depth 2', async () => {
    const c = await chain();
    // B (depth 2) may read the staging secret under its scope; C (depth 3) may not.
    expect((await decide('b', asAgent('b', 'secret.read', STAGING_SECRET), c.tokens[1])).outcome).toBe('allow');
    const deep = await decide('c', asAgent('c', 'secret.read', STAGING_SECRET), c.tokens[2]);
    expect([deep.outcome, deep.reasons[0].code, deep.reasons[0].policyId]).toEqual(['deny', 'policy_forbid', 'no-deep-secret-reads']);
    // Without delegation C reads it as itself (agents may read non-production secrets).
    expect((await decide('c', asAgent('c', 'secret.read', STAGING_SECRET))).outcome).toBe('allow');
  });

  it('payments only when the root is a Human', async () => {
    const pay = asAgent('payer', 'payment.submit', { type: 'Payee', id: 'acme-supplies' }, { amount: 100 });
    const fromAgent = await root('x', 'payer', 'payment.submit:Payee::acme-supplies', '10m', 'pay invoices');
    const d = await decide('payer', pay, fromAgent.token);
    expect([d.outcome, d.reasons[0].policyId]).toEqual(['deny', 'delegated-payments-need-human-root']);
    const fromHuman = await root('hana', 'payer', 'payment.submit:Payee::acme-supplies', '10m', 'pay invoices');
    expect((await decide('payer', pay, fromHuman.token)).outcome).toBe('approval_required');
  });
});

describe('tokens the gateway refuses', () => {
  let c: Chain;
  const req = () => asAgent('c', 'tool.call', GET_FILE);
  beforeAll(async () => {
    c = await chain();
  });
  const [h, p] = [(t: string) => t.split('.')[0]!, (t: string) => t.split('.')[1]!];
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('tampered payload (scope widened, signature kept)', async () => {
    const claims = decodeJwt(c.tokens[2]);
    const tampered = `${h(c.tokens[2])}.${b64({ ...claims, scope: 'tool.call' })}.${c.tokens[2].split('.')[2]}`;
    expect(codes(await decide('c', req(), tampered))).toEqual(['delegation_invalid']);
  });

  it('signed with another key under our kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(decodeJwt(c.tokens[2])).setProtectedHeader(decodeProtectedHeader(c.tokens[2]) as never).sign(privateKey);
    expect(codes(await decide('c', req(), forged))).toEqual(['delegation_invalid']);
  });

  it('alg: none', async () => {
    const none = `${b64({ alg: 'none', typ: 'airlock-delegation+jwt' })}.${p(c.tokens[2])}.`;
    expect(codes(await decide('c', req(), none))).toEqual(['delegation_invalid']);
  });

  it('expired (the clock passes the leaf exp), and valid again before it', async () => {
    nowMs = T0 + 11 * 60_000 + 60_000; // leaf ttl 10 min, plus the 30 s leeway
    try {
      expect(codes(await decide('c', req(), c.tokens[2]))).toEqual(['delegation_expired']);
    } finally {
      nowMs = T0;
    }
    expect((await decide('c', req(), c.tokens[2])).outcome).toBe('allow');
  });

  it('not yet valid (nbf/iat in the future), even signed with our own key', async () => {
    const claims = decodeJwt(c.tokens[2]) as unknown as DelegationClaims;
    const key = await gw.runtime.grantKeys.current();
    const future = await signDelegationToken({ ...claims, iat: claims.iat + 3600, nbf: claims.nbf + 3600, exp: claims.exp + 3600 }, { kid: key.kid, privateKey: key.privateKey });
    expect(codes(await decide('c', req(), future))).toEqual(['delegation_invalid']);
  });

  it('a token for a link that was never stored (signed with our key) is refused', async () => {
    const claims = decodeJwt(c.tokens[2]) as unknown as DelegationClaims;
    const key = await gw.runtime.grantKeys.current();
    const ghost = await signDelegationToken({ ...claims, jti: '0190f000-0000-7000-8000-000000000000', chn: [...claims.chn.slice(0, 2), '0190f000-0000-7000-8000-000000000000'] }, { kid: key.kid, privateKey: key.privateKey });
    expect(codes(await decide('c', req(), ghost))).toEqual(['delegation_invalid']);
  });
});

describe('approvals under delegation', () => {
  it('no identity on the chain can approve; someone outside it can, and the delegated retry is allowed once (threats.md P5, §3.7 anyone in the delegation chain)', async () => {
    const c = await chain();
    const deploy = asAgent('c', 'deploy', { type: 'Service', id: 'svc-d1' }, { environment: 'production' });
    const d = await decide('c', deploy, c.tokens[2]);
    expect(d.outcome).toBe('approval_required');
    const a = (await get(`/v1/approvals/${d.approval.id}`, 'quinn')).json;
    expect(a.delegationChain).toEqual([uid('Human', 'hana'), uid('Agent', 'a'), uid('Agent', 'b'), uid('Agent', 'c')]);
    const byRoot = await post(`/v1/approvals/${d.approval.id}/approve`, { reason: 'mine' }, 'hana');
    expect([byRoot.status, byRoot.json.error?.details?.rule]).toEqual([403, 'sod_delegation_chain']);
    expect((await post(`/v1/approvals/${d.approval.id}/approve`, { reason: 'ok' }, 'quinn')).json.status).toBe('approved');
    const retry = await decide('c', deploy, c.tokens[2]);
    expect([retry.outcome, retry.reasons[0].code]).toEqual(['allow', 'approval_consumed']);
  });
});

describe('revocation', () => {
  it("revoking the link A made (A → B) denies C's next request; who may revoke is limited", async () => {
    const c = await chain();
    expect((await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2])).outcome).toBe('allow');
    // C may see its own link but not revoke it; a stranger does not see it at all.
    expect((await post(`/v1/delegations/${c.ids[2]}/revoke`, { reason: 'no' }, 'c')).status).toBe(403);
    expect((await post(`/v1/delegations/${c.ids[0]}/revoke`, { reason: 'no' }, 'pat')).status).toBe(404);
    const r = await post(`/v1/delegations/${c.ids[1]}/revoke`, { reason: 'task done' }, 'a'); // a delegated L2
    expect(r.status).toBe(200);
    expect(r.json.revoked).toEqual([c.ids[1], c.ids[2]]);
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]))).toEqual(['delegation_revoked']);
    expect(codes(await decide('b', asAgent('b', 'tool.call', GET_FILE), c.tokens[1]))).toEqual(['delegation_revoked']);
    expect((await decide('a', asAgent('a', 'tool.call', GET_FILE), c.tokens[0])).outcome).toBe('allow'); // above the cut
    const path = (await get(`/v1/delegations/${c.ids[2]}/path`, 'hana')).json.path;
    expect(path.map((e: any) => e.status)).toEqual(['active', 'revoked', 'revoked']);
    expect(path[1]).toMatchObject({ revokedBy: uid('Agent', 'a'), revokedReason: 'task done' });
  });

  it("revoking the root link (A's) stops the whole chain at once", async () => {
    const c = await chain();
    const r = await post(`/v1/delegations/${c.ids[0]}/revoke`, {}, 'hana');
    expect(r.json.revoked).toEqual(c.ids);
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]))).toEqual(['delegation_revoked']);
    const list = await get(`/v1/delegations?root=${encodeURIComponent(uid('Human', 'hana'))}&status=all&limit=1000`, 'hana');
    expect(list.json.delegations.filter((l: any) => c.ids.includes(l.id)).map((l: any) => l.status)).toEqual(['revoked', 'revoked', 'revoked']);
  });

  it('suspending B revokes every link where B is an actor; C is denied; resuming B does not bring them back', async () => {
    const c = await chain();
    expect((await post('/v1/identities/b/suspend', {}, 'admin-key')).status).toBe(200);
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]))).toEqual(['delegation_revoked']);
    const path = (await get(`/v1/delegations/${c.ids[2]}/path`, 'hana')).json.path;
    expect(path.map((e: any) => e.status)).toEqual(['active', 'revoked', 'revoked']);
    expect(path[1].revokedReason).toBe('identity.suspend');
    expect((await post('/v1/identities/b/resume', {}, 'admin-key')).status).toBe(200);
    expect(codes(await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]))).toEqual(['delegation_revoked']);
  });
});

describe('CLI', () => {
  const cli = (args: string[]) => promisify(execFile)(process.execPath, ['dist/cli/main.js', ...args], { env: { PATH: process.env['PATH'] ?? '' } });
  it('airlock delegate (root, then a hop with --token FILE), delegations path/list/revoke', async () => {
    const as = (who: string) => ['--url', gw.url, '--key', keys[who]!];
    const root = await cli(['delegate', ...as('hana'), '--to', 'a', '--scope', 'tool.call:Tool::github.*', '--ttl', '20m', '--purpose', 'cli run']);
    const t1 = root.stdout.trim();
    expect(decodeJwt(t1)).toMatchObject({ sub: uid('Human', 'hana'), dpth: 1, scope: 'tool.call:Tool::github.*' });
    const file = join(gw.dataDir, 'a.token');
    writeFileSync(file, t1 + '\n');
    const hop2 = await cli(['delegate', ...as('a'), '--to', 'b', '--token', file, '--scope', 'tool.call:Tool::github.get_file', '--ttl', '5m']);
    const t2 = hop2.stdout.trim();
    expect((await decide('b', asAgent('b', 'tool.call', GET_FILE), t2)).outcome).toBe('allow');
    const id2 = decodeJwt(t2).jti!;
    const path = JSON.parse((await cli(['delegations', 'path', id2, ...as('hana'), '--json'])).stdout);
    expect(path.path.map((e: any) => e.delegate)).toEqual([uid('Agent', 'a'), uid('Agent', 'b')]);
    expect((await cli(['delegations', 'list', ...as('b')])).stdout).toContain(id2);
    const widened = await cli(['delegate', ...as('a'), '--to', 'b', '--token', file, '--scope', 'tool.call']).catch((e: { code: number; stderr: string }) => e);
    expect((widened as { code: number }).code).toBe(1);
    expect((widened as { stderr: string }).stderr).toContain('ERR_DELEGATION_REFUSED');
    const rev = await cli(['delegations', 'revoke', decodeJwt(t1).jti!, ...as('hana'), '--reason', 'done']);
    expect(rev.stdout).toContain('revoked 2 link(s)');
    expect(codes(await decide('b', asAgent('b', 'tool.call', GET_FILE), t2))).toEqual(['delegation_revoked']);
  });
});

describe('audit', () => {
  it('`airlock audit export --delegation ID` reconstructs the path: issuance, decisions under it, revocation', async () => {
    const c = await chain('audit trail');
    await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]);
    await decide('c', asAgent('c', 'tool.call', { type: 'Tool', id: 'github.merge' }), c.tokens[2]); // refused on a verified path: outside scope
    await post(`/v1/delegations/${c.ids[0]}/revoke`, { reason: 'end of task' }, 'hana');
    await decide('c', asAgent('c', 'tool.call', GET_FILE), c.tokens[2]); // refused: revoked
    if (!existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first (dist/cli/main.js is spawned)');
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli/main.js', 'audit', 'export', '--delegation', c.ids[0], '--data-dir', gw.dataDir], { env: { PATH: process.env['PATH'] ?? '' } });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const issued = lines.filter((l) => l.kind === 'delegation.issued').map((l) => l.record.link);
    expect(issued.map((l: any) => [l.depth, l.delegator, l.delegate])).toEqual([
      [1, uid('Human', 'hana'), uid('Agent', 'a')],
      [2, uid('Agent', 'a'), uid('Agent', 'b')],
      [3, uid('Agent', 'b'), uid('Agent', 'c')],
    ]);
    const decisions = lines.filter((l) => l.kind === 'decision');
    expect(decisions.map((d) => d.record.decision.outcome)).toEqual(['allow', 'deny']);
    expect(decisions[0].record.delegation).toMatchObject({ depth: 3, root: uid('Human', 'hana'), linkIds: c.ids, path: [uid('Human', 'hana'), uid('Agent', 'a'), uid('Agent', 'b'), uid('Agent', 'c')] });
    expect(decisions[1].record.delegation).toMatchObject({ refused: 'delegation_scope', linkIds: c.ids });
    expect(JSON.stringify(decisions[0].record)).not.toContain(c.tokens[2]); // the token itself is not kept
    const revoked = lines.filter((l) => l.kind === 'delegation.revoked');
    expect(revoked.map((l) => [l.record.linkId, l.record.revoked, l.record.reason])).toEqual([[c.ids[0], c.ids, 'end of task']]);
    // Every record is in the one hash chain.
    const { stdout: verify } = await promisify(execFile)(process.execPath, ['dist/cli/main.js', 'audit', 'verify', '--data-dir', gw.dataDir], { env: { PATH: process.env['PATH'] ?? '' } });
    expect(verify).toContain('audit log intact');
  });
});
