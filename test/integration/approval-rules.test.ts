/**
 * Who may confirm, who may see, and how much a requester may open — against the served gateway
 * (Fastify on loopback, SQLite, the example bundle). Approvers and peps are registry identities
 * with their own API keys; the example's static entities (Agent deploy-bot, …) stay static.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PepGrant } from '../../src/identity/types.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };

let gw: StartedGateway;
const keys: Record<string, string> = {};
const nowMs = Date.parse('2026-11-23T12:00:00.000Z');

const auth = (who: string) => ({ authorization: `Bearer ${keys[who]}` });
const get = async (path: string, who: string) => {
  const r = await fetch(`${gw.url}${path}`, { headers: auth(who) });
  return { status: r.status, json: (await r.json()) as any };
};
const post = (path: string, body: unknown, who: string) => postJson(`${gw.url}${path}`, body ?? {}, auth(who));

async function human(id: string, roles: string[], groups: string[] = []) {
  const r = await gw.runtime.identities.createHuman({ id, displayName: id, groups, roles: roles as never, links: {}, key: true }, SYSTEM);
  keys[id] = r.value.key!.key;
}
async function nhi(id: string, kind: string, groups: string[], pep?: PepGrant) {
  const r = await gw.runtime.identities.createNhi(
    { id, kind, owner: 'olive', groups, environments: ['production'], purpose: 'approval rule tests', attributes: {}, ...(pep ? { pep } : {}), key: true } as never,
    SYSTEM,
  );
  keys[id] = r.value.key!.key;
}

const shell = (cmd: string, initiator?: string) => ({
  subject: { type: 'Agent', id: 'ops-bot' },
  action: { name: 'shell.exec' },
  resource: { type: 'Host', id: 'web-1' },
  context: { environment: 'production', command: cmd, ...(initiator ? { initiator: { type: 'Human', id: initiator } } : {}) },
});

beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example', clock: { now: () => nowMs } });
  await human('olive', ['approver'], ['sre-approvers']);
  await human('sam', ['approver'], ['sre-approvers']);
  await human('sue', [], []);
  await human('deploy-bot', [], []); // a Human named like the static Agent::"deploy-bot"
  await nhi('ops-bot', 'agent', ['operators']);
  await nhi('release-bot', 'agent', ['deployers']);
  // Enforcement points: one relays ops-bot's commands, one only speaks for support-agent.
  await nhi('shell-pep', 'workload', [], { subjects: [{ type: 'Agent', id: 'ops-bot' }], groups: [], assertsInitiator: true });
  await nhi('support-pep', 'workload', [], { subjects: [{ type: 'Agent', id: 'support-agent' }], groups: [] });
  await nhi('static-pep', 'workload', [], { subjects: [{ type: 'Agent', id: 'deploy-bot' }], groups: [] });
});

afterAll(async () => {
  await gw?.close();
});

describe('who confirms (threats.md §3.13: confirmation relayed by an enforcement point that did not relay the request, or for a subject it does not list)', () => {
  it('a pep that did not relay the request cannot confirm it with an empty POST; the next request is not allowed', async () => {
    const d = await post('/v1/authorize', shell('ls -la /srv/a'), 'shell-pep');
    expect(d.json.outcome).toBe('confirmation_required');
    const id = d.json.confirmation.id;
    const foreign = await post(`/v1/confirmations/${id}/confirm`, {}, 'support-pep');
    expect([foreign.status, foreign.json.error.code, foreign.json.error.details.rule]).toEqual([403, 'ERR_APPROVAL_REFUSED', 'pep_not_relay']);
    const again = await post('/v1/authorize', shell('ls -la /srv/a'), 'shell-pep');
    expect(again.json.outcome).toBe('confirmation_required');
    expect(again.json.confirmation.id).toBe(id);
    // The pep that relayed it, and lists its subject, confirms for the person at its keyboard.
    const ok = await post(`/v1/confirmations/${id}/confirm`, {}, 'shell-pep');
    expect(ok.json.status).toBe('approved');
    expect(ok.json.votes[0].approver).toBe('Airlock::Workload::"shell-pep"');
    expect((await post('/v1/authorize', shell('ls -la /srv/a'), 'shell-pep')).json.outcome).toBe('allow');
  });

  it('a request the agent sent itself cannot be confirmed by a pep, even one that lists the agent', async () => {
    const d = await post('/v1/authorize', shell('ls -la /srv/b'), 'ops-bot');
    expect(d.json.outcome).toBe('confirmation_required');
    const r = await post(`/v1/confirmations/${d.json.confirmation.id}/confirm`, {}, 'shell-pep');
    expect([r.status, r.json.error.details.rule]).toEqual([403, 'pep_not_relay']);
    const self = await post(`/v1/confirmations/${d.json.confirmation.id}/confirm`, {}, 'ops-bot');
    expect([self.status, self.json.error.details.rule]).toEqual([403, 'sod_requester']);
  });

  it('with an initiator, the relaying pep confirms only on that person\'s behalf, and only while it lists the subject', async () => {
    const d = await post('/v1/authorize', shell('ls -la /srv/c', 'sue'), 'shell-pep');
    const id = d.json.confirmation.id;
    const other = await post(`/v1/confirmations/${id}/confirm`, { onBehalfOf: 'Airlock::Human::"sam"' }, 'shell-pep');
    expect([other.status, other.json.error.details.rule]).toEqual([403, 'sod_initiator']);
    await gw.runtime.identities.patchNhi('shell-pep', { pep: { subjects: [{ type: 'Agent', id: 'release-bot' }], groups: [] } } as never, SYSTEM);
    try {
      const unlisted = await post(`/v1/confirmations/${id}/confirm`, {}, 'shell-pep');
      expect([unlisted.status, unlisted.json.error.details.rule]).toEqual([403, 'pep_subject_not_listed']);
    } finally {
      await gw.runtime.identities.patchNhi('shell-pep', { pep: { subjects: [{ type: 'Agent', id: 'ops-bot' }], groups: [] } } as never, SYSTEM);
    }
    const ok = await post(`/v1/confirmations/${id}/confirm`, { onBehalfOf: 'Airlock::Human::"sue"' }, 'shell-pep');
    expect(ok.json.votes[0].approver).toBe('Airlock::Human::"sue"');
  });
});

describe('identity comparisons include the type', () => {
  it('a Human named deploy-bot cannot read the evidence of Agent::"deploy-bot" nor report its execution', async () => {
    const d = await post('/v1/authorize', { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'staging' } }, 'static-pep');
    expect(d.status).toBe(200);
    expect((await get(`/v1/evidence/${d.json.requestId}`, 'static-pep')).status).toBe(200);
    const evidence = await get(`/v1/evidence/${d.json.requestId}`, 'deploy-bot');
    expect([evidence.status, evidence.json.error.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const exec = await post('/v1/executions', { requestId: d.json.requestId, status: 'succeeded' }, 'deploy-bot');
    expect(exec.status).toBe(404);
  });
});

describe('at most N pending approvals per requester (threats.md §3.7: 10,000 open approval requests from one agent)', () => {
  const deploy = (service: string) => ({ subject: { type: 'Agent', id: 'release-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: service }, context: { environment: 'production' } });

  it('defaults to 50', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    expect(loadConfig({ dataDir: '/tmp/x', policies: 'p' }, {}).approvalMaxPendingPerRequester).toBe(50);
    expect(loadConfig({ dataDir: '/tmp/x', policies: 'p' }, { AIRLOCK_APPROVAL_MAX_PENDING_PER_REQUESTER: '7' }).approvalMaxPendingPerRequester).toBe(7);
  });

  it('beyond the limit a new approval is denied approval_limit; asking again for one that waits still returns it; deciding one frees a place', async () => {
    const small = await startGateway({ policies: 'policies/example', clock: { now: () => nowMs }, config: { approvalMaxPendingPerRequester: 3 } });
    try {
      const k: Record<string, string> = {};
      for (const [id, roles, groups] of [['olive', ['approver'], ['sre-approvers']], ['sam', ['approver'], ['sre-approvers']]] as const) {
        k[id] = (await small.runtime.identities.createHuman({ id, displayName: id, groups: [...groups], roles: [...roles] as never, links: {}, key: true }, SYSTEM)).value.key!.key;
      }
      k['release-bot'] = (await small.runtime.identities.createNhi({ id: 'release-bot', kind: 'agent', owner: 'olive', groups: ['deployers'], environments: ['production'], purpose: 'limit', attributes: {}, key: true } as never, SYSTEM)).value.key!.key;
      const ask = (svc: string) => postJson(`${small.url}/v1/authorize`, deploy(svc), { authorization: `Bearer ${k['release-bot']}` });
      const opened = [];
      for (const svc of ['svc-1', 'svc-2', 'svc-3']) {
        const r = await ask(svc);
        expect(r.json.outcome).toBe('approval_required');
        opened.push(r.json.approval.id);
      }
      const over = await ask('svc-4');
      expect([over.json.outcome, over.json.reasons.map((r: any) => r.code)]).toEqual(['deny', ['approval_limit']]);
      expect(over.json.approval).toBeUndefined();
      const again = await ask('svc-2');
      expect([again.json.outcome, again.json.approval.id]).toEqual(['approval_required', opened[1]]);
      expect((await small.runtime.approvals.list({ status: 'pending' })).length).toBe(3);
      await postJson(`${small.url}/v1/approvals/${opened[0]}/deny`, { reason: 'no' }, { authorization: `Bearer ${k['sam']}` });
      expect((await ask('svc-4')).json.outcome).toBe('approval_required');
    } finally {
      await small.close();
    }
  });
});
