import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

// The approval CLI (`airlock approvals|approve|deny|confirm|evidence|keys`) as a user runs it:
// the built binary against a real gateway.
const CLI = 'dist/cli/main.js';
const SYSTEM = { type: 'system', id: 'test', via: 'test' };

let gw: StartedGateway;
const keys: Record<string, string> = {};

/** Async spawn: the gateway runs in this process, so a blocking spawn would deadlock it. */
function cli(who: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args, '--url', gw.url, '--key', keys[who]!], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.stdin.end();
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('approval CLI against a running gateway (built CLI)', () => {
  beforeAll(async () => {
    gw = await startGateway({ policies: 'policies/example' });
    keys['admin'] = gw.adminKey;
    for (const [id, roles, groups] of [
      ['olive', ['approver'], ['sre-approvers']],
      ['sam', ['approver'], ['sre-approvers']],
      ['sue', [], []],
    ] as const) {
      keys[id] = (await gw.runtime.identities.createHuman({ id, displayName: id, groups: [...groups], roles: [...roles], links: {}, key: true }, SYSTEM)).value.key!.key;
    }
    keys['bot'] = (await gw.runtime.identities.createNhi({ id: 'bot', kind: 'agent', owner: 'olive', groups: ['deployers', 'operators'], environments: [], purpose: 'cli tests', attributes: {}, key: true } as never, SYSTEM)).value.key!.key;
    // The initiator of a confirmation is asserted by an enforcement point trusted to say who the person is.
    keys['front'] = (await gw.runtime.identities.createNhi({ id: 'front-pep', kind: 'workload', owner: 'olive', groups: [], environments: [], purpose: 'front end that authenticates people', attributes: {}, pep: { subjects: [{ type: 'Agent', id: 'bot' }], groups: [], assertsInitiator: true }, key: true } as never, SYSTEM)).value.key!.key;
  });
  afterAll(async () => gw?.close());

  const ask = (body: unknown) => postJson(`${gw.url}/v1/authorize`, body, { authorization: `Bearer ${keys['bot']}` });

  it('list, show, approve (refused for the owner, --yes for an eligible approver), then the action runs once and its evidence prints', async () => {
    const req = { subject: { type: 'Agent', id: 'bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'cli-svc' }, context: { environment: 'production' } };
    const apr = (await ask(req)).json.approval.id as string;
    const list = await cli('sam', 'approvals', 'list', '--status', 'pending');
    expect(list.code).toBe(0);
    expect(list.out).toContain(apr);
    const show = await cli('sam', 'approvals', 'show', apr);
    expect(show.out).toContain('requester: Airlock::Agent::"bot" (owner Airlock::Human::"olive")');
    expect(show.out).toContain('prod-deploys-need-approval');

    const noTty = await cli('sam', 'approve', apr);
    expect(noTty.code).toBe(2);
    expect(noTty.err).toMatch(/--yes/);
    const owner = await cli('olive', 'approve', apr, '--yes', '--reason', 'mine');
    expect(owner.code).toBe(3);
    expect(owner.err).toMatch(/ERR_APPROVAL_REFUSED.*sod_owner/);
    const ok = await cli('sam', 'approve', apr, '--yes', '--reason', 'change 7');
    expect(ok.code).toBe(0);
    expect(ok.out).toBe(`${apr}: approved\n`);

    const allowed = (await ask(req)).json;
    expect(allowed.outcome).toBe('allow');
    const ev = await cli('sam', 'evidence', 'show', allowed.requestId);
    expect(ev.code).toBe(0);
    expect(ev.out).toContain('decision:  allow');
    expect(ev.out).toContain('Airlock::Human::"sam" approve via api');
    expect(ev.out).toContain('grant:     jti');
  });

  it('deny ends a request; confirm works only for the initiator; keys rotate needs admin', async () => {
    const apr = (await ask({ subject: { type: 'Agent', id: 'bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'cli-svc-2' }, context: { environment: 'production' } })).json.approval.id;
    expect((await cli('sam', 'deny', apr, '--reason', 'freeze')).out).toBe(`${apr}: denied\n`);
    expect((await cli('sam', 'approve', apr, '--yes')).code).toBe(1); // ERR_APPROVAL_CONFLICT

    const conf = (await postJson(`${gw.url}/v1/authorize`, { subject: { type: 'Agent', id: 'bot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'uptime', initiator: { type: 'Human', id: 'sue' } } }, { authorization: `Bearer ${keys['front']}` })).json;
    expect(conf.outcome).toBe('confirmation_required');
    expect((await cli('sam', 'confirm', conf.confirmation.id)).code).toBe(3);
    expect((await cli('sue', 'confirm', conf.confirmation.id)).out).toBe(`${conf.confirmation.id}: approved\n`);

    expect((await cli('sam', 'keys', 'rotate')).code).toBe(3);
    const rotated = await cli('admin', 'keys', 'rotate', '--json');
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.out)).toMatchObject({ purpose: 'grant' });
  });
});
