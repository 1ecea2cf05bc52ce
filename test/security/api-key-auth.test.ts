/**
 * Caller authentication invariants (DESIGN §2 step 1, §6 fail closed; threats.md §3.6 "API key
 * timing", §3.10): one 401 body for every failure (no oracle), constant-time digest comparison,
 * failed attempts limited per address and counted, and the open endpoints stay open.
 */
import { timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyCompare } from '../../src/identity/api-key.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';

const clock = { t: Date.parse('2026-03-01T00:00:00.000Z'), now() { return this.t; } };
let gw: StartedGateway;
beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example', clock, pep: false, config: { authFailureBurst: 1000 } });
});
afterAll(async () => {
  await gw?.close();
});

const REQ = JSON.stringify({ subject: { type: 'Agent', id: 'victim' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' } });
async function evaluate(headers: Record<string, string>) {
  const res = await fetch(`${gw.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: REQ });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(gw.url + path, { method, headers: { ...gw.adminHeaders, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return (await res.json()) as any;
}

describe('401: the same body for every failure (no oracle)', () => {
  it('missing, empty, malformed, unknown key id, wrong secret, revoked, expired key, suspended, retired and expired identity', async () => {
    const mk = async (id: string, extra: Record<string, unknown> = {}) =>
      (await admin('POST', '/v1/identities', { id, kind: 'agent', owner: 'admin', purpose: 'p', ...extra })).key.key as string;
    const good = await mk('victim');
    const revoked = await mk('revoked-one');
    await admin('DELETE', `/v1/identities/revoked-one/keys/${revoked.slice(3, 19)}`);
    const expiring = (await admin('POST', '/v1/identities/victim/keys', { expiresAt: new Date(clock.t + 1000).toISOString() })).key.key as string;
    const suspended = await mk('suspended-one');
    await admin('POST', '/v1/identities/suspended-one/suspend');
    const retired = await mk('retired-one');
    await admin('POST', '/v1/identities/retired-one/retire');
    const shortLived = await mk('short-one', { expiresAt: new Date(clock.t + 1000).toISOString() });
    clock.t += 2000;

    const wrongSecret = good.slice(0, 20) + (good[20] === '0' ? '1' : '0') + good.slice(21);
    const unknownId = 'ak_0000000000000000_' + good.slice(20);
    const failures: [string, Record<string, string>][] = [
      ['missing header', {}],
      ['empty header', { authorization: '' }],
      ['Bearer without key', { authorization: 'Bearer ' }],
      ['malformed key', { authorization: 'Bearer not-a-key' }],
      ['basic scheme', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ['SQL in the key', { authorization: "Bearer ak_' OR '1'='1" }],
      ['unknown key id', { authorization: `Bearer ${unknownId}` }],
      ['wrong secret', { authorization: `Bearer ${wrongSecret}` }],
      ['revoked key', { authorization: `Bearer ${revoked}` }],
      ['expired key', { authorization: `Bearer ${expiring}` }],
      ['suspended identity', { authorization: `Bearer ${suspended}` }],
      ['retired identity', { authorization: `Bearer ${retired}` }],
      ['expired identity', { authorization: `Bearer ${shortLived}` }],
    ];
    const seq = (await gw.runtime.store.audit.head('main'))!.seq;
    const bodies = new Set<string>();
    for (const [name, headers] of failures) {
      const r = await evaluate(headers);
      expect(r.status, name).toBe(401);
      expect(r.headers.get('www-authenticate'), name).toBe('Bearer realm="airlock"');
      bodies.add(r.text);
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: { code: 'ERR_UNAUTHENTICATED', message: 'a valid API key is required (Authorization: Bearer ak_…)' } })]);
    // nothing was decided or audited for an unauthenticated request
    expect((await gw.runtime.store.audit.head('main'))!.seq).toBe(seq);
    // control: the good key (Bearer, and bare as the AuthZEN interop runner sends it) works
    expect((await evaluate({ authorization: `Bearer ${good}` })).status).toBe(200);
    expect((await evaluate({ authorization: `bearer ${good}` })).status).toBe(200);
    expect((await evaluate({ authorization: good })).status).toBe(200);
  });

  it('every non-open route needs a key, unknown routes included; /healthz and discovery stay open', async () => {
    for (const [method, path] of [['GET', '/metrics'], ['GET', '/v1/policy'], ['POST', '/v1/policy/reload'], ['GET', '/v1/identities'], ['GET', '/v1/identities/report'], ['POST', '/v1/authorize'], ['GET', '/no/such/route']] as const) {
      const res = await fetch(gw.url + path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.url}/.well-known/authzen-configuration`)).status).toBe(200);
  });

  it('failures are counted in metrics by reason (operators see what clients are not told)', async () => {
    const text = await (await fetch(`${gw.url}/metrics`, { headers: gw.adminHeaders })).text();
    for (const reason of ['missing', 'malformed', 'unknown_key', 'mismatch', 'key_revoked', 'key_expired', 'identity_inactive']) {
      expect(text).toMatch(new RegExp(`^airlock_auth_failures_total\\{reason="${reason}"\\} [1-9]`, 'm'));
    }
    expect(text).toMatch(/^airlock_http_rejected_total\{code="ERR_UNAUTHENTICATED"\} [1-9]/m);
  });
});

describe('threats.md §3.6: the key digest is compared with crypto.timingSafeEqual', () => {
  it('the comparison primitive is node:crypto timingSafeEqual', () => {
    expect(keyCompare.equal).toBe(timingSafeEqual);
  });

  it('every authentication calls it on two 32-byte SHA-256 digests — for a good key, a wrong secret and an unknown key id alike', async () => {
    const key = (await admin('POST', '/v1/identities', { id: 'spied', kind: 'agent', owner: 'admin', purpose: 'p' })).key.key as string;
    const spy = vi.spyOn(keyCompare, 'equal');
    try {
      await evaluate({ authorization: `Bearer ${key}` });
      await evaluate({ authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}` });
      await evaluate({ authorization: `Bearer ak_ffffffffffffffff_${key.slice(20)}` });
      expect(spy).toHaveBeenCalledTimes(3);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
      expect(spy.mock.results.map((r) => r.value)).toEqual([true, false, false]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('failed attempts are rate-limited per (source address, key id): the limiter never locks out a valid key', () => {
  it('after the burst, 429 ERR_AUTH_RATE_LIMITED with Retry-After for that key id — even its right secret — until tokens refill', async () => {
    const t0 = Date.parse('2026-04-01T00:00:00.000Z');
    const c = { t: t0, now() { return this.t; } };
    const small = await startGateway({ policies: 'policies/example', clock: c, config: { authFailureBurst: 3, authFailureRefillMs: 10_000 } });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${small.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: REQ });
      // Guessing the secret of the pep's key id: same key id, wrong secret.
      const keyId = /^ak_([0-9a-f]{16})_/.exec(small.pepKey)![1]!;
      const wrongSecret = { authorization: `Bearer ak_${keyId}_${'0'.repeat(64)}` };
      for (let i = 0; i < 3; i++) expect((await post(wrongSecret)).status).toBe(401);
      const limited = await post(wrongSecret);
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as any).error.code).toBe('ERR_AUTH_RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // A guess that happens to be right is not even checked while the key id is blocked from here.
      expect((await post(small.headers)).status).toBe(429);
      // Another key from the same address is not locked out.
      expect((await post(small.adminHeaders)).status).not.toBe(429);
      c.t = t0 + 10_000;
      expect((await post(small.headers)).status).toBe(403); // authenticated again (pep may not ask about Agent victim)
      const text = await (await fetch(`${small.url}/metrics`, { headers: small.adminHeaders })).text();
      expect(text).toMatch(/^airlock_auth_rate_limited_total [1-9]/m);
    } finally {
      await small.close();
    }
  });

  it('20 bad keys from one address do not lock out the admin or the pep from that address; unknown key ids are still stopped', async () => {
    const gw = await startGateway({ policies: 'policies/example' });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${gw.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: REQ });
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) statuses.push((await post({ authorization: `Bearer ak_${i.toString(16).padStart(16, 'e')}_${'0'.repeat(64)}` })).status);
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
      expect((await post({ authorization: 'Bearer garbage' })).status).toBe(429);
      // Both authenticate (403: neither may ask about Agent victim — the subject rule, after the key).
      expect((await post(gw.adminHeaders)).status).toBe(403);
      expect((await post(gw.headers)).status).toBe(403);
    } finally {
      await gw.close();
    }
  });

  it('X-Forwarded-For names the client only through a configured trusted proxy (trustedProxies / AIRLOCK_TRUSTED_PROXIES)', async () => {
    const bad = { authorization: 'Bearer garbage' };
    const behindProxy = await startGateway({ policies: 'policies/example', config: { authFailureBurst: 2 }, env: { AIRLOCK_TRUSTED_PROXIES: '127.0.0.1, ::1' } });
    try {
      const post = (xff: string) => fetch(`${behindProxy.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff, ...bad }, body: REQ });
      expect([(await post('10.0.0.1')).status, (await post('10.0.0.1')).status, (await post('10.0.0.1')).status]).toEqual([401, 401, 429]);
      expect((await post('10.0.0.2')).status).toBe(401); // another client behind the proxy has its own bucket
    } finally {
      await behindProxy.close();
    }
    const direct = await startGateway({ policies: 'policies/example', config: { authFailureBurst: 2 } });
    try {
      const post = (xff: string) => fetch(`${direct.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff, ...bad }, body: REQ });
      // Without a trusted proxy the header is ignored: a client cannot pick a fresh bucket.
      expect([(await post('10.0.0.1')).status, (await post('10.0.0.2')).status, (await post('10.0.0.3')).status]).toEqual([401, 401, 429]);
    } finally {
      await direct.close();
    }
  });
});

describe('/.well-known/* needs no key', () => {
  it('/.well-known/authzen-configuration/{tenant} is a 404 without a key, never a 401; other unknown paths still need one', async () => {
    const gw = await startGateway({ policies: 'policies/example' });
    try {
      const tenant = await fetch(`${gw.url}/.well-known/authzen-configuration/tenant-a`);
      expect(tenant.status).toBe(404);
      expect(((await tenant.json()) as any).error.code).toBe('ERR_NOT_FOUND');
      expect((await fetch(`${gw.url}/.well-known/authzen-configuration`)).status).toBe(200);
      expect((await fetch(`${gw.url}/.well-known/jwks.json`)).status).toBe(200);
      expect((await fetch(`${gw.url}/v1/no-such-thing`)).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});
