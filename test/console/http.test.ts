import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { consoleEnabled } from '../../src/console/routes.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';
import { ConsoleClient } from './client.js';

// The console's session, CSRF, CSP and role rules over plain HTTP against the real server (Fastify on
// loopback, SQLite, the example bundle). The browser tests (browser.test.ts) drive the same pages in Chromium.
const SYSTEM = { type: 'system', id: 'test', via: 'test' };
let gw: StartedGateway;
let nowMs = Date.parse('2026-12-01T12:00:00.000Z');
const keys: Record<string, string> = {};

async function human(id: string, roles: string[], groups: string[] = []) {
  const r = await gw.runtime.identities.createHuman({ id, displayName: `Person ${id}`, groups, roles: roles as never, links: {}, key: true }, SYSTEM);
  keys[id] = r.value.key!.key;
}
async function agent(id: string, owner: string, groups: string[]) {
  const r = await gw.runtime.identities.createNhi({ id, kind: 'agent', owner, groups, environments: ['production'], purpose: 'console tests', attributes: {}, key: true } as never, SYSTEM);
  keys[id] = r.value.key!.key;
}
const authorize = (body: unknown, who: string) => postJson(`${gw.url}/v1/authorize`, body, { authorization: `Bearer ${keys[who]}` });
const deploy = (service: string, extra: Record<string, unknown> = {}) => ({
  subject: { type: 'Agent', id: 'release-bot' },
  action: { name: 'deploy' },
  resource: { type: 'Service', id: service },
  context: { environment: 'production', ...extra },
});

beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example', clock: { now: () => nowMs }, config: { console: { idleTimeoutMs: 60_000 } } });
  keys['admin'] = gw.adminKey;
  await human('olive', ['approver'], ['sre-approvers']); // owns the bot: @sod("owner") refuses her
  await human('sam', ['approver'], ['sre-approvers']);
  await human('ivan', [], []); // no role: sees only what he initiated
  await human('nick', [], []);
  await agent('release-bot', 'olive', ['deployers']);
  // Only an enforcement point trusted to say who the person is may name an initiator (issue 11).
  const pep = await gw.runtime.identities.createNhi({ id: 'front-pep', kind: 'workload', owner: 'olive', groups: [], environments: [], purpose: 'front end that authenticates people', attributes: {}, pep: { subjects: [{ type: 'Agent', id: 'release-bot' }], groups: [], assertsInitiator: true }, key: true } as never, SYSTEM);
  keys['front-pep'] = pep.value.key!.key;
});
afterAll(async () => gw?.close());

describe('configuration', () => {
  it('is on by default on loopback, off elsewhere, and AIRLOCK_CONSOLE decides when set', () => {
    expect(consoleEnabled(loadConfig({}, {}))).toBe(true);
    expect(consoleEnabled(loadConfig({ host: '0.0.0.0' }, {}))).toBe(false);
    expect(consoleEnabled(loadConfig({ host: '0.0.0.0' }, { AIRLOCK_CONSOLE: 'on' }))).toBe(true);
    expect(consoleEnabled(loadConfig({}, { AIRLOCK_CONSOLE: 'off' }))).toBe(false);
    expect(() => loadConfig({}, { AIRLOCK_CONSOLE: 'maybe' })).toThrow(/console.enabled/);
    const c = loadConfig({}, { AIRLOCK_CONSOLE_OIDC_ISSUER: 'https://idp.example', AIRLOCK_CONSOLE_OIDC_CLIENT_ID: 'airlock', AIRLOCK_CONSOLE_OIDC_GROUP_CLAIM: 'groups', AIRLOCK_CONSOLE_OIDC_GROUP_ROLES: '{"sre":["approver"]}' });
    expect(c.console.oidc).toMatchObject({ issuer: 'https://idp.example', clientId: 'airlock', claim: 'email', link: 'oidc', groupClaim: 'groups', groupRoles: { sre: ['approver'] } });
    expect(() => loadConfig({}, { AIRLOCK_CONSOLE_OIDC_ISSUER: 'https://idp.example', AIRLOCK_CONSOLE_OIDC_CLIENT_SECRET: 'hunter2-very-secret' })).toThrow(/clientId/);
  });

  it('the config file\'s console block, refined by the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-console-cfg-'));
    const file = join(dir, 'airlock.yaml');
    writeFileSync(file, ['console:', '  enabled: true', '  idleTimeoutMs: 60000', '  oidc:', '    issuer: https://idp.example', '    clientId: airlock', '    link: email', ''].join('\n'));
    try {
      const c = loadConfig({ host: '0.0.0.0' }, { AIRLOCK_CONSOLE_OIDC_CLIENT_ID: 'from-env' }, file);
      expect(consoleEnabled(c)).toBe(true);
      expect(c.console).toMatchObject({ idleTimeoutMs: 60_000, oidc: { issuer: 'https://idp.example', clientId: 'from-env', link: 'email', claim: 'email' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an https console URL makes the session cookie Secure', async () => {
    const tls = await startGateway({ policies: 'policies/example', pep: false, config: { console: { publicUrl: 'https://airlock.example' } } });
    try {
      const r = await fetch(`${tls.url}/console/login`, { redirect: 'manual' });
      expect(r.headers.getSetCookie().find((x) => x.startsWith('airlock_console='))).toMatch(/; Secure/);
    } finally {
      await tls.close();
    }
  });

  it('a disabled console is not served', async () => {
    const off = await startGateway({ policies: 'policies/example', pep: false, env: { AIRLOCK_CONSOLE: 'off' } });
    try {
      const r = await fetch(`${off.url}/console/login`, { redirect: 'manual' });
      expect(r.status).toBe(401); // an unknown route needs an API key, like every route of the API
    } finally {
      await off.close();
    }
  });
});

describe('headers and cookies', () => {
  it('every page has the strict CSP (no inline script) and the session cookie is HttpOnly, SameSite=Strict, path /console', async () => {
    const c = new ConsoleClient(gw.url);
    const r = await c.get('/console/login');
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const cookie = r.headers.getSetCookie().find((x) => x.startsWith('airlock_console='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/); // plain http on loopback; https public URLs add Secure
    expect(r.text).not.toMatch(/<script>|<script [^>]*>[^<]/); // the only script is the external file
    expect(r.text).toContain('<script src="/console/assets/console.js" defer></script>');
    const js = await c.get('/console/assets/console.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('signed out: pages redirect to sign-in, fragments and event streams answer 401', async () => {
    const c = new ConsoleClient(gw.url);
    const inbox = await c.get('/console/inbox');
    expect([inbox.status, inbox.headers.get('location')]).toEqual([303, '/console/login']);
    expect((await c.get('/console/inbox/fragment')).status).toBe(401);
    expect((await c.get('/console/events')).status).toBe(401);
    expect((await c.get('/console/approvals/x')).status).toBe(303);
  });
});

describe('sign-in', () => {
  it('with an API key: the session id is new at sign-in (a planted pre-sign-in id is worth nothing), the key is never on a page', async () => {
    const attacker = new ConsoleClient(gw.url);
    await attacker.get('/console/login');
    const planted = attacker.jar.get('airlock_console')!;
    // The victim's browser carries the attacker's id and signs in.
    const victim = new ConsoleClient(gw.url);
    victim.jar.set('airlock_console', planted);
    const login = await victim.get('/console/login');
    expect(victim.jar.get('airlock_console')).toBe(planted); // the pre-sign-in session is reused for the form…
    const r = await victim.post('/console/login', { _csrf: ConsoleClient.csrfOf(login.text), key: keys['sam']! });
    expect([r.status, r.headers.get('location')]).toEqual([303, '/console/inbox']);
    const after = victim.jar.get('airlock_console')!;
    expect(after).not.toBe(planted); // …and replaced at sign-in
    const inbox = await victim.get('/console/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain('Person sam');
    expect(inbox.text).not.toContain(keys['sam']!);
    expect(inbox.text).not.toContain(keys['sam']!.split('_')[2]!);
    // The attacker's id signs nobody in.
    expect((await attacker.get('/console/inbox')).status).toBe(303);
    // The sign-in is audited, with the key's id and never the key.
    const head = await gw.runtime.store.audit.head('main');
    const recent = await gw.runtime.store.audit.read('main', Math.max(1, head!.seq - 10), 20);
    const signin = recent.filter((r) => r.kind === 'console.signin').map((r) => JSON.parse(r.recordText)).at(-1);
    expect(signin).toEqual({ human: 'sam', method: 'key', keyId: keys['sam']!.split('_')[1] });
    expect(recent.map((r) => r.recordText).join('')).not.toContain(keys['sam']!.split('_')[2]!);
  });

  it('a wrong key, an NHI key and a missing CSRF token are refused; failures are audited without the key', async () => {
    const c = new ConsoleClient(gw.url);
    const login = await c.get('/console/login');
    const csrf = ConsoleClient.csrfOf(login.text);
    const wrong = await c.post('/console/login', { _csrf: csrf, key: 'ak_0000000000000000_' + '0'.repeat(64) });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That key does not sign anyone in.');
    const nhi = await c.post('/console/login', { _csrf: ConsoleClient.csrfOf(wrong.text), key: keys['release-bot']! });
    expect(nhi.status).toBe(401);
    const noCsrf = await c.post('/console/login', { key: keys['sam']! });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.text).toContain('CSRF');
    expect(c.jar.has('airlock_console')).toBe(true);
    expect((await c.get('/console/inbox')).status).toBe(303);
    const head = await gw.runtime.store.audit.head('main');
    const recent = await gw.runtime.store.audit.read('main', Math.max(1, head!.seq - 20), 50);
    const refused = recent.filter((r) => r.kind === 'console.signin_refused').map((r) => JSON.parse(r.recordText));
    expect(refused.map((r) => r.reason)).toEqual(expect.arrayContaining(['unknown_key', 'not_a_person']));
    expect(recent.map((r) => r.recordText).join('\n')).not.toContain(keys['release-bot']!);
  });

  it('sign-out ends the session (CSRF-checked) and is audited', async () => {
    const c = new ConsoleClient(gw.url);
    await c.signIn(keys['sam']!);
    const sid = c.jar.get('airlock_console')!;
    const inbox = await c.get('/console/inbox');
    expect((await c.post('/console/logout', {})).status).toBe(403);
    const out = await c.post('/console/logout', { _csrf: ConsoleClient.csrfOf(inbox.text) });
    expect([out.status, out.headers.get('location')]).toEqual([303, '/console/login?signedout']);
    const replay = new ConsoleClient(gw.url);
    replay.jar.set('airlock_console', sid);
    expect((await replay.get('/console/inbox')).status).toBe(303);
  });

  it('an idle session ends; a revoked key or a suspended person ends the session at the next request', async () => {
    const c = new ConsoleClient(gw.url);
    await c.signIn(keys['sam']!);
    nowMs += 59_000;
    expect((await c.get('/console/inbox')).status).toBe(200);
    nowMs += 59_000; // touched a minute ago less one second: still alive
    expect((await c.get('/console/inbox')).status).toBe(200);
    nowMs += 60_000;
    expect((await c.get('/console/inbox')).status).toBe(303);

    await human('rita', ['approver'], ['sre-approvers']);
    const r = new ConsoleClient(gw.url);
    await r.signIn(keys['rita']!);
    expect((await r.get('/console/inbox')).status).toBe(200);
    const stored = (await gw.runtime.store.credentials.listFor('rita'))[0]!;
    await gw.runtime.identities.revokeKey('human', 'rita', stored.keyId, SYSTEM as never);
    expect((await r.get('/console/inbox')).status).toBe(303);

    await human('sid', ['approver'], ['sre-approvers']);
    const s2 = new ConsoleClient(gw.url);
    await s2.signIn(keys['sid']!);
    expect((await s2.get('/console/inbox')).status).toBe(200);
    await gw.runtime.identities.setStatus('human', 'sid', 'suspend', SYSTEM as never);
    expect((await s2.get('/console/inbox')).status).toBe(303);
  });
});

describe('acting', () => {
  it('approving needs the CSRF token and a same-origin Origin; the owner is refused by @sod("owner") on the page and in the vote', async () => {
    const a = (await authorize(deploy('svc-http'), 'release-bot')).json.approval;
    const olive = new ConsoleClient(gw.url);
    await olive.signIn(keys['olive']!);
    const page = await olive.get(`/console/approvals/${a.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('You may not decide this request.');
    expect(page.text).toContain('<code>sod_owner</code>');
    expect(page.text).not.toContain('Approve…');

    const sam = new ConsoleClient(gw.url);
    await sam.signIn(keys['sam']!);
    const mine = await sam.get(`/console/approvals/${a.id}`);
    expect(mine.text).toContain('You may decide this request.');
    const csrf = ConsoleClient.csrfOf(mine.text);
    const hash = /name="actionHash" value="([^"]+)"|<code class="hash">([^<]+)<\/code>/.exec(mine.text)!;
    const actionHash = hash[1] ?? hash[2]!;
    // Forged: no token, a wrong token, a token with a foreign Origin.
    expect((await sam.post(`/console/approvals/${a.id}/vote`, { decision: 'approve', reason: 'x', actionHash })).status).toBe(403);
    expect((await sam.post(`/console/approvals/${a.id}/vote`, { _csrf: 'A'.repeat(43), decision: 'approve', reason: 'x', actionHash })).status).toBe(403);
    expect((await sam.post(`/console/approvals/${a.id}/vote`, { _csrf: csrf, decision: 'approve', reason: 'x', actionHash }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await gw.runtime.approvals.get(a.id))!.status).toBe('pending');

    // Olive forges the vote past the page: the desk refuses with the same rule and code as the API.
    const oliveCsrf = ConsoleClient.csrfOf(page.text);
    const forced = await olive.post(`/console/approvals/${a.id}/vote`, { _csrf: oliveCsrf, decision: 'approve', reason: 'mine', actionHash });
    expect(forced.status).toBe(403);
    expect(forced.text).toContain('ERR_APPROVAL_REFUSED (rule sod_owner)');

    const ok = await sam.post(`/console/approvals/${a.id}/vote`, { _csrf: csrf, decision: 'approve', reason: 'ship it', actionHash }, { origin: gw.url });
    expect([ok.status, ok.headers.get('location')]).toEqual([303, `/console/approvals/${a.id}?done=approved`]);
    const stored = (await gw.runtime.approvals.get(a.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.votes[0]).toMatchObject({ approver: 'Airlock::Human::"sam"', decision: 'approve', reason: 'ship it', channel: 'console' });
    const rec = await gw.runtime.store.audit.get(stored.votes[0]!.audit!.writer, stored.votes[0]!.audit!.seq);
    expect(JSON.parse(rec!.recordText)).toMatchObject({ approvalId: a.id, channel: 'console', decision: 'approve' });
    // The agent's retry goes through with a grant.
    expect((await authorize(deploy('svc-http'), 'release-bot')).json.outcome).toBe('allow');
  });

  it('a person without a role sees only the actions they initiated; an id they may not see reads as unknown', async () => {
    const mine = (await authorize(deploy('svc-ivan', { initiator: { type: 'Human', id: 'ivan' } }), 'front-pep')).json.approval;
    const other = (await authorize(deploy('svc-nick', { initiator: { type: 'Human', id: 'nick' } }), 'front-pep')).json.approval;
    const ivan = new ConsoleClient(gw.url);
    await ivan.signIn(keys['ivan']!);
    const inbox = await ivan.get('/console/inbox');
    expect(inbox.text).toContain(mine.id);
    expect(inbox.text).not.toContain(other.id);
    expect(inbox.text).toContain('no role');
    const own = await ivan.get(`/console/approvals/${mine.id}`);
    expect(own.text).toContain('<code>not_approver_role</code>');
    const hidden = await ivan.get(`/console/approvals/${other.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.text).toContain('ERR_APPROVAL_NOT_FOUND');
    expect((await ivan.get('/console/audit')).status).toBe(403);
  });
});
