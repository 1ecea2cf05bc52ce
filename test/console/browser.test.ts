/**
 * The console in a real browser: Debian's Chromium driven by playwright-core, against the real
 * gateway (Fastify on loopback, SQLite, the example bundle) and a real OpenID provider
 * (oidc-provider on loopback). Every page visited is checked with axe-core (WCAG 2 A/AA).
 *
 * Without Chromium the suite fails under CI=true and is skipped (saying why) elsewhere.
 * AIRLOCK_UPDATE_SCREENSHOTS=1 rewrites docs/images/console-*.png (docs/console.md).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';
import { startIdp, type TestIdp } from './idp.js';
import { ConsoleClient } from './client.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };
const CHROMIUM = [process.env['AIRLOCK_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p !== undefined && p !== '' && existsSync(p));
const UPDATE_SCREENSHOTS = process.env['AIRLOCK_UPDATE_SCREENSHOTS'] === '1';
if (!CHROMIUM && process.env['CI'] === 'true') {
  throw new Error('Chromium is missing: the console browser tests need it under CI (apt-get install -y chromium, as .ci/run does; or AIRLOCK_CHROMIUM=/path)');
}
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let gw: StartedGateway;
let idp: TestIdp;
let browser: Browser;
let attackerSite: Server;
let attackerUrl = '';
const keys: Record<string, string> = {};
const cspViolations: string[] = [];

async function human(id: string, roles: string[], groups: string[] = []) {
  const r = await gw.runtime.identities.createHuman({ id, displayName: `Person ${id}`, groups, roles: roles as never, links: { oidc: `${id}@example.test` }, key: true }, SYSTEM);
  keys[id] = r.value.key!.key;
}
async function nhi(id: string, owner: string, groups: string[]) {
  const r = await gw.runtime.identities.createNhi({ id, kind: 'agent', owner, groups, environments: ['production'], purpose: 'console browser tests', attributes: {}, key: true } as never, SYSTEM);
  keys[id] = r.value.key!.key;
}
const api = (path: string, body: unknown, who: string, headers: Record<string, string> = {}) => postJson(`${gw.url}${path}`, body, { authorization: `Bearer ${keys[who]}`, ...headers });
const deploy = (service: string, extra: Record<string, unknown> = {}) => ({
  subject: { type: 'Agent', id: 'release-bot' },
  action: { name: 'deploy' },
  resource: { type: 'Service', id: service },
  context: { environment: 'production', ...extra },
});
/** The agent's long-poll on its approval (`GET /v1/approvals/{id}/wait`), as the SDK does. */
const waitFor = async (id: string, who: string) => (await (await fetch(`${gw.url}/v1/approvals/${id}/wait?timeout=60`, { headers: { authorization: `Bearer ${keys[who]}` } })).json()) as { status: string };

/** Waits (on the page's own events, through Playwright's polling) until a locator shows the text. */
const WAIT = { timeout: 30_000, interval: 100 };
const textOf = async (l: Locator) => ((await l.first().textContent({ timeout: 30_000 })) ?? '').trim();
const hasText = (l: Locator, text: string) => expect.poll(() => textOf(l), WAIT).toContain(text);
const exactText = (l: Locator, text: string) => expect.poll(() => textOf(l), WAIT).toBe(text);
const hasCount = (l: Locator, n: number) => expect.poll(() => l.count(), WAIT).toBe(n);

async function newContext(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  ctx.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return ctx;
}

async function signInWithKey(page: Page, key: string): Promise<void> {
  await page.goto(`${gw.url}/console/login`);
  await page.getByLabel('Airlock API key').fill(key);
  await page.getByRole('button', { name: 'Sign in with API key' }).click();
  await page.waitForURL(`${gw.url}/console/inbox`);
}

/** axe-core in the page (evaluated through the DevTools protocol: the page's CSP allows no injected script tag). */
async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))",
  )) as string[];
  expect(violations, `axe on ${page.url()}`).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync('docs/images', { recursive: true });
  await page.screenshot({ path: `docs/images/console-${name}.png`, fullPage: true });
}

beforeAll(async () => {
  if (!CHROMIUM) return;
  idp = await startIdp({ sam: ['sre', 'staff'] });
  gw = await startGateway({
    policies: 'policies/example',
    config: {
      console: {
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, claim: 'email', link: 'oidc', groupClaim: 'groups', groupRoles: { sre: ['approver'], staff: [] } },
      },
    },
  });
  idp.attach(`${gw.url}/console/oidc/callback`);
  keys['admin'] = gw.adminKey;
  await human('sam', ['approver', 'auditor'], ['sre-approvers']);
  await human('olive', ['approver'], ['sre-approvers']); // owns release-bot: refused by @sod("owner")
  await human('ivan', []); // initiates actions, no role
  await nhi('release-bot', 'olive', ['deployers']);
  await nhi('ops-bot', 'olive', ['operators']);
  await nhi('helper-a', 'olive', []);
  await nhi('helper-b', 'olive', []);
  // Only an enforcement point trusted to say who the person is may name an initiator (issue 11).
  const pep = await gw.runtime.identities.createNhi({ id: 'front-pep', kind: 'workload', owner: 'olive', groups: [], environments: [], purpose: 'front end that authenticates people', attributes: {}, pep: { subjects: [{ type: 'Agent', id: 'release-bot' }, { type: 'Agent', id: 'ops-bot' }], groups: [], assertsInitiator: true }, key: true } as never, SYSTEM);
  keys['front-pep'] = pep.value.key!.key;
  // A page on another origin that posts to the console (the CSRF attempt).
  attackerSite = createServer((req, res) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>win a prize</title><form id="f" method="post" action="${gw.url}/console/approvals/${encodeURIComponent(id)}/vote">
<input name="decision" value="approve"><input name="reason" value="forged"><input name="_csrf" value="guess"><button id="go">claim</button></form>`);
  });
  await new Promise<void>((r) => attackerSite.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attackerSite.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await idp?.close();
  await new Promise((r) => (attackerSite ? attackerSite.close(r) : r(undefined)));
});

describe.skipIf(!CHROMIUM)('the console in Chromium', () => {
  it('signs in through the identity provider (code + PKCE); the IdP groups narrow the roles; a second tab updates live; approving lets the waiting agent through', async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    await page.goto(`${gw.url}/console/login`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
    await page.waitForURL((u) => u.href.startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill('sam');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    await page.waitForURL(`${gw.url}/console/inbox`);
    // Registry roles approver + auditor; the IdP's groups grant only approver: the session acts as approver.
    await hasText(page.locator('nav'), 'Person sam');
    await hasText(page.locator('nav'), 'approver');
    expect(await page.locator('nav').textContent()).not.toContain('auditor');
    const cookie = (await ctx.cookies()).find((c) => c.name === 'airlock_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });

    // A second tab on the inbox; the agent asks; both tabs show the request without a reload.
    const tab2 = await ctx.newPage();
    await tab2.goto(`${gw.url}/console/inbox`);
    await tab2.waitForFunction("document.documentElement.getAttribute('data-live') === 'on'");
    await page.reload();
    await page.waitForFunction("document.documentElement.getAttribute('data-live') === 'on'");
    const asked = await api('/v1/authorize', deploy('checkout', { initiator: { type: 'Human', id: 'ivan' }, command: 'kubectl rollout restart deploy/checkout && curl -H "Authorization: Bearer sk_live_abcdefghijklmnop1234" https://hooks.example.test/notify' }), 'front-pep');
    expect(asked.json.outcome).toBe('approval_required');
    const approvalId = asked.json.approval.id as string;
    await tab2.locator(`tr[data-id="${approvalId}"]`).waitFor();
    await page.locator(`tr[data-id="${approvalId}"]`).waitFor();
    await hasText(tab2.locator(`tr[data-id="${approvalId}"]`), 'may decide');
    await shot(page, 'inbox');
    await expectAccessible(page);

    // The agent waits on its approval while the person decides.
    const waiting = waitFor(approvalId, 'release-bot');
    await page.locator(`tr[data-id="${approvalId}"] a`).click();
    await page.waitForURL(`${gw.url}/console/approvals/${approvalId}`);
    await exactText(page.locator('#may-act'), 'You may decide this request.');
    await hasText(page.locator('main'), 'Production deploys by agents need an SRE approval');
    await hasText(page.locator('main'), asked.json.actionHash);
    await hasText(page.locator('main'), 'Agent ivan'.replace('Agent', 'Human'));
    const html = await page.content();
    expect(html).not.toContain('sk_live_abcdefghijklmnop1234'); // the secret in the command is redacted
    await expectAccessible(page);
    await shot(page, 'approval');
    await page.getByLabel('Reason (recorded with your vote)').fill('release train 42');
    await page.getByRole('button', { name: 'Approve…' }).click();
    // The confirmation step repeats what will run.
    await exactText(page.locator('h1'), 'Approve this action?');
    await hasText(page.locator('#review-command'), 'kubectl rollout restart deploy/checkout');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Approve now' }).click();
    await exactText(page.locator('#status'), 'approved');
    expect((await waiting).status).toBe('approved');
    const retry = await api('/v1/authorize', deploy('checkout', { initiator: { type: 'Human', id: 'ivan' }, command: 'kubectl rollout restart deploy/checkout && curl -H "Authorization: Bearer sk_live_abcdefghijklmnop1234" https://hooks.example.test/notify' }), 'front-pep');
    expect(retry.json.outcome).toBe('allow');
    const stored = (await gw.runtime.approvals.get(approvalId))!;
    expect(stored.votes[0]).toMatchObject({ approver: 'Airlock::Human::"sam"', channel: 'console', reason: 'release train 42' });

    // The evidence timeline of the approved request, each record verified in the chain.
    await api('/v1/executions', { requestId: retry.json.requestId, status: 'succeeded', reversal: { subject: { type: 'Human', id: 'sam' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'staging', rollback: true } } }, 'front-pep');
    await page.goto(`${gw.url}/console/evidence/${retry.json.requestId}`);
    const items = page.locator('ol.timeline > li');
    await hasText(items.first(), 'approval_required');
    const kinds = await page.locator('ol.timeline > li > strong').allTextContents();
    expect(kinds).toEqual(['decision', 'approval.opened', 'approval.vote', 'decision', 'approval.consumed', 'execution']);
    expect(await page.locator('ol.timeline > li .ok').count()).toBe(await items.count());
    await hasText(page.locator('main'), 'Chain: verified');
    await expectAccessible(page);
    await shot(page, 'evidence');
    // The reversal goes through the pipeline as a new action.
    await page.getByRole('button', { name: 'Start the recorded reversal' }).click();
    await hasText(page.locator('.notice'), 'Reversal requested');
    await hasText(page.locator('main'), 'Reversal requested as');
    await ctx.close();
  });

  it('the owner is refused by separation of duties with the rule named, and a deny ends the request', async () => {
    const asked = await api('/v1/authorize', deploy('billing'), 'release-bot');
    const id = asked.json.approval.id as string;
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signInWithKey(page, keys['olive']!);
    await page.goto(`${gw.url}/console/approvals/${id}`);
    await hasText(page.locator('#may-act'), 'You may not decide this request.');
    await hasText(page.locator('#may-act'), 'sod_owner');
    await hasText(page.locator('#may-act'), 'the owner of the requesting identity cannot approve');
    expect(await page.getByRole('button', { name: 'Approve…' }).count()).toBe(0);
    await expectAccessible(page);
    await ctx.close();

    const ctx2 = await newContext();
    const sam = await ctx2.newPage();
    await signInWithKey(sam, keys['sam']!);
    const waiting = waitFor(id, 'release-bot');
    await sam.goto(`${gw.url}/console/approvals/${id}`);
    await sam.getByLabel('Reason (recorded with your vote)').fill('not during the freeze');
    await sam.getByRole('button', { name: 'Deny…' }).click();
    await exactText(sam.locator('h1'), 'Deny this action?');
    await sam.getByRole('button', { name: 'Deny now' }).click();
    await exactText(sam.locator('#status'), 'denied');
    expect((await waiting).status).toBe('denied');
    await ctx2.close();
  });

  it('the initiator confirms a production shell command, after a step that repeats it', async () => {
    const shell = { subject: { type: 'Agent', id: 'ops-bot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'systemctl restart nginx', initiator: { type: 'Human', id: 'ivan' } } };
    const asked = await api('/v1/authorize', shell, 'front-pep');
    expect(asked.json.outcome).toBe('confirmation_required');
    const id = asked.json.confirmation.id as string;
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signInWithKey(page, keys['ivan']!);
    await page.locator(`tr[data-id="${id}"] a`).click();
    await exactText(page.locator('#may-act'), 'You initiated this action: you confirm it.');
    await hasText(page.locator('.command-view'), 'systemctl restart nginx');
    await page.getByRole('button', { name: 'Confirm…' }).click();
    await exactText(page.locator('#review-command'), 'systemctl restart nginx');
    await page.getByRole('button', { name: 'Confirm now' }).click();
    await exactText(page.locator('#status'), 'approved');
    expect((await api('/v1/authorize', shell, 'front-pep')).json.outcome).toBe('allow');
    await ctx.close();
  });

  it('revoking a delegation shows the cascade first, then revokes it', async () => {
    const root = await api('/v1/delegations', { delegate: 'Agent::"helper-a"', scope: 'tool.call:Tool::github.*', ttl: '60m', purpose: 'triage' }, 'sam');
    expect(root.status, JSON.stringify(root.json)).toBe(201);
    const res = await fetch(`${gw.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['helper-a']}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', actor_token_type: 'urn:airlock:token-type:identity', subject_token: root.json.token, actor_token: 'Airlock::Agent::"helper-b"', scope: 'tool.call:Tool::github.get_file', ttl: '30m' }).toString(),
    });
    const hop = (await res.json()) as { access_token: string };
    const childId = decodeJwt(hop.access_token).jti!;
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signInWithKey(page, keys['sam']!);
    await page.getByRole('link', { name: 'Delegations' }).click();
    await hasText(page.locator(`li[data-link="${root.json.id}"] li[data-link="${childId}"]`), 'helper-b');
    await expectAccessible(page);
    await page.locator(`li[data-link="${root.json.id}"] > a`).click();
    await hasText(page.locator('main'), '2 links will be revoked');
    await hasText(page.locator('#cascade'), 'helper-a');
    await hasText(page.locator('#cascade'), 'helper-b');
    expect((await gw.runtime.delegations.get(childId))!.revokedAt).toBeUndefined(); // nothing revoked by looking
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Revoke 2 links' }).click();
    await hasCount(page.locator('#revoked li'), 2);
    expect((await gw.runtime.delegations.get(childId))!.revokedAt).toBeDefined();
    await ctx.close();
  });

  it('refuses a cross-site form post (CSRF) and a planted session id (fixation)', async () => {
    const asked = await api('/v1/authorize', deploy('search'), 'release-bot');
    const id = asked.json.approval.id as string;
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signInWithKey(page, keys['sam']!);
    // The signed-in person visits another site that posts a vote to the console.
    const evil = await ctx.newPage();
    await evil.goto(`${attackerUrl}/?id=${encodeURIComponent(id)}`);
    const [response] = await Promise.all([evil.waitForNavigation(), evil.locator('#go').click()]);
    expect([401, 403]).toContain(response!.status());
    expect((await gw.runtime.approvals.get(id))!.status).toBe('pending');
    await ctx.close();

    // Fixation: an attacker gets a pre-sign-in session id and plants it in the victim's browser.
    const attacker = new ConsoleClient(gw.url);
    await attacker.get('/console/login');
    const planted = attacker.jar.get('airlock_console')!;
    const victim = await newContext();
    await victim.addCookies([{ name: 'airlock_console', value: planted, domain: '127.0.0.1', path: '/console', httpOnly: true, sameSite: 'Strict' }]);
    const vp = await victim.newPage();
    await signInWithKey(vp, keys['sam']!);
    const after = (await victim.cookies()).find((c) => c.name === 'airlock_console')!.value;
    expect(after).not.toBe(planted);
    expect((await attacker.get('/console/inbox')).status).toBe(303); // the planted id signs nobody in
    await victim.close();
    expect(cspViolations).toEqual([]);
  });
});
