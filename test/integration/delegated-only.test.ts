/**
 * Delegation as an opt-in (threats.md §3.13: "the delegate simply omits its token; an NHI registered
 * as delegation-only must be refused"), against the served gateway with the example bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };
let gw: StartedGateway;
const keys: Record<string, string> = {};

const auth = (who: string) => ({ authorization: `Bearer ${keys[who]}` });
const post = (path: string, body: unknown, who: string, headers: Record<string, string> = {}) => postJson(`${gw.url}${path}`, body ?? {}, { ...auth(who), ...headers });
const decide = async (who: string, req: unknown, token?: string) => (await post('/v1/authorize', req, who, token ? { 'x-airlock-delegation': token } : {})).json;
const codes = (d: any) => d.reasons.map((r: any) => r.code);
const GET_FILE = { subject: { type: 'Agent', id: 'helper' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'github.get_file' }, context: {} };
const as = (id: string, req: typeof GET_FILE) => ({ ...req, subject: { type: 'Agent', id } });

async function nhi(id: string, over: Record<string, unknown> = {}) {
  const r = await gw.runtime.identities.createNhi({ id, kind: 'agent', owner: 'hana', groups: [], environments: ['production'], purpose: 'delegated-only tests', attributes: {}, key: true, ...over } as never, SYSTEM);
  keys[id] = r.value.key!.key;
}

beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example' });
  const h = await gw.runtime.identities.createHuman({ id: 'hana', displayName: 'Hana', groups: [], roles: [], links: {}, key: true }, SYSTEM);
  keys['hana'] = h.value.key!.key;
  await nhi('helper', { delegatedOnly: true });
  await nhi('free');
});

afterAll(async () => {
  await gw?.close();
});

describe('an NHI registered delegatedOnly acts only with a valid delegation token (threats.md §3.13 delegation as an opt-in)', () => {
  it('without the X-Airlock-Delegation header it is denied delegation_required, where an ordinary agent is allowed', async () => {
    expect((await decide('free', as('free', GET_FILE))).outcome).toBe('allow');
    const d = await decide('helper', GET_FILE);
    expect([d.outcome, codes(d)]).toEqual(['deny', ['delegation_required']]);
    // AuthZEN callers too, and an embedded (in-process) call.
    const authzen = await post('/access/v1/evaluation', GET_FILE, 'helper');
    expect(authzen.json.decision).toBe(false);
    const embedded = await gw.runtime.gateway.authorize(GET_FILE as never);
    expect(embedded.reasons.map((r) => r.code)).toEqual(['delegation_required']);
  });

  it('dropping the header never turns delegation_scope or delegation_revoked into allow', async () => {
    const link = await post('/v1/delegations', { delegate: 'Agent::"helper"', scope: 'secret.read:Secret::staging-*', ttl: '30m', purpose: 'rotate staging' }, 'hana');
    expect(link.status, JSON.stringify(link.json)).toBe(201);
    expect(codes(await decide('helper', GET_FILE, link.json.token))).toEqual(['delegation_scope']);
    expect(codes(await decide('helper', GET_FILE))).toEqual(['delegation_required']);
    const inScope = { ...GET_FILE, action: { name: 'secret.read' }, resource: { type: 'Secret', id: 'staging-db-password' } };
    expect((await decide('helper', inScope, link.json.token)).outcome).not.toBe('deny');
    const revoke = await post(`/v1/delegations/${link.json.id}/revoke`, {}, 'hana');
    expect(revoke.status).toBeLessThan(300);
    expect(codes(await decide('helper', inScope, link.json.token))).toEqual(['delegation_revoked']);
    expect(codes(await decide('helper', inScope))).toEqual(['delegation_required']);
  });

  it('the flag is shown, can be set and cleared by an admin, and is refused when not a boolean', async () => {
    const shown = await fetch(`${gw.url}/v1/identities/helper`, { headers: gw.adminHeaders }).then((r) => r.json() as Promise<any>);
    expect(shown.delegatedOnly).toBe(true);
    const bad = await postJson(`${gw.url}/v1/identities`, { id: 'bad', kind: 'agent', owner: 'hana', purpose: 'x', delegatedOnly: 'yes' }, gw.adminHeaders);
    expect(bad.status).toBe(400);
    await gw.runtime.identities.patchNhi('free', { delegatedOnly: true } as never, SYSTEM);
    expect(codes(await decide('free', as('free', GET_FILE)))).toEqual(['delegation_required']);
    await gw.runtime.identities.patchNhi('free', { delegatedOnly: false } as never, SYSTEM);
    expect((await decide('free', as('free', GET_FILE))).outcome).toBe('allow');
  });

  it('`airlock identity create --delegated-only` registers it through the running gateway', async () => {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
    const cli = promisify(execFile);
    const { stdout } = await cli(process.execPath, ['dist/cli/main.js', 'identity', 'create', 'cli-helper', '--kind', 'agent', '--owner', 'hana', '--purpose', 'from the CLI', '--delegated-only', '--url', gw.url, '--key', gw.adminKey, '--json'], { env: { PATH: process.env['PATH'] ?? '' } });
    expect(JSON.parse(stdout).identity).toMatchObject({ id: 'cli-helper', delegatedOnly: true });
    keys['cli-helper'] = JSON.parse(stdout).key.key;
    expect(codes(await decide('cli-helper', as('cli-helper', GET_FILE)))).toEqual(['delegation_required']);
  });
});
