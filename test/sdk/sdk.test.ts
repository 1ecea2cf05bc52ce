/** The SDK: guard() with each outcome, the HTTP client against the real gateway, typed errors by code. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Airlock, AirlockApprovalRequired, AirlockConfirmationRequired, AirlockDenied, AirlockRequestError, AirlockUnsupported, guard } from '../../src/sdk/index.js';
import { Airlock as EmbeddedAirlock } from '../../src/sdk/embedded.js';
import type { AirlockClient, AuthorizationRequest, ExecutionReport, GatewayDecision } from '../../src/sdk/types.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';

const EXAMPLE = resolve('policies/example');
const tool = (agent: string, id: string): AuthorizationRequest => ({ subject: { type: 'Agent', id: agent }, action: { name: 'tool.call' }, resource: { type: 'Tool', id } });

describe('guard() on the embedded gateway (example bundle)', () => {
  let airlock: EmbeddedAirlock;
  beforeAll(async () => {
    airlock = await EmbeddedAirlock.embedded({ dataDir: mkdtempSync(join(tmpdir(), 'airlock-sdk-')), policies: EXAMPLE });
  });
  afterAll(async () => airlock?.close());

  it('allow → runs fn with its arguments and returns its result', async () => {
    const runs: string[] = [];
    const search = airlock.guard(async (q: string) => (runs.push(q), `results for ${q}`), () => tool('support-agent', 'jira.search'));
    await expect(search('login bug')).resolves.toBe('results for login bug');
    expect(runs).toEqual(['login bug']);
  });

  it('deny → AirlockDenied with the decision; fn never runs', async () => {
    let ran = false;
    const merge = airlock.guard(() => (ran = true), () => tool('support-agent', 'github.merge'));
    const err = await merge().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockDenied);
    expect((err as AirlockDenied).code).toBe('ERR_DENIED');
    expect((err as AirlockDenied).decision.outcome).toBe('deny');
    expect(ran).toBe(false);
  });

  it('approval_required → AirlockApprovalRequired; fn never runs', async () => {
    let ran = false;
    const deploy = airlock.guard(
      (service: string) => (ran = true, service),
      (service) => ({ subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: service }, context: { environment: 'production' } }),
    );
    const err = await deploy('checkout').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockApprovalRequired);
    expect((err as AirlockApprovalRequired).code).toBe('ERR_APPROVAL_REQUIRED');
    expect(ran).toBe(false);
  });

  it('confirmation_required without a confirm callback → AirlockConfirmationRequired; fn never runs', async () => {
    let ran = false;
    const describe = () => ({ subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'ls /srv' } });
    const err = await airlock.guard(() => (ran = true), describe)().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockConfirmationRequired);
    expect(ran).toBe(false);
  });

  it('issue 11, embedded: a confirmed call runs only after the pipeline answers allow for the confirmed action', async () => {
    const order: string[] = [];
    const describe = () => ({ subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-2' }, context: { environment: 'production', command: 'ls /srv/app' } });
    const probe: AirlockClient = {
      capabilities: airlock.capabilities,
      authorize: async (r) => {
        const d = await airlock.authorize(r);
        order.push(d.outcome);
        return d;
      },
      confirm: async (id) => {
        order.push('confirm');
        await airlock.confirm(id);
      },
      waitForApproval: (id, o) => airlock.waitForApproval(id, o),
      reportExecution: (x) => airlock.reportExecution(x),
      close: async () => undefined,
    };
    const hand = guard(probe, () => (order.push('ran'), 'done'), describe, { confirm: () => (order.push('asked'), true) });
    await expect(hand()).resolves.toBe('done');
    expect(order).toEqual(['confirmation_required', 'asked', 'confirm', 'allow', 'ran']);
    // The confirmation is single-use: the same action needs a new one.
    const again = await airlock.authorize(describe());
    expect(again.outcome).toBe('confirmation_required');
  });

  it('records the execution result in the audit log', async () => {
    const fn = airlock.guard(async () => 'ok', () => tool('support-agent', 'jira.search'));
    await fn();
    await new Promise((r) => setTimeout(r, 50));
    const failing = airlock.guard(async () => {
      throw new Error('boom');
    }, () => tool('support-agent', 'jira.search'));
    await expect(failing()).rejects.toThrow('boom');
  });

  it('waitForApproval / confirm of an unknown id are refused with a code', async () => {
    await expect(airlock.waitForApproval('x', { timeoutMs: 10 })).rejects.toBeInstanceOf(AirlockUnsupported);
    await expect(airlock.confirm('x')).rejects.toMatchObject({ code: 'ERR_APPROVAL_NOT_FOUND' });
  });
});

describe('guard() with a gateway that has the approvals API (in-memory client)', () => {
  function client(first: GatewayDecision['outcome'], extra: Partial<GatewayDecision>): AirlockClient & { reports: ExecutionReport[]; confirmed: string[] } {
    let n = 0;
    const reports: ExecutionReport[] = [];
    const confirmed: string[] = [];
    const d = (outcome: GatewayDecision['outcome'], x: Partial<GatewayDecision> = {}): GatewayDecision => ({ outcome, reasons: [], actionHash: 'h', policyVersion: 'v', requestId: `r${n}`, decidedAt: '', ...x });
    return {
      reports,
      confirmed,
      capabilities: { approvals: true, confirmations: true, executionReports: true },
      authorize: async () => (n++ === 0 ? d(first, extra) : d('allow')),
      waitForApproval: async (id) => ({ id, status: 'approved' }),
      confirm: async (id) => void confirmed.push(id),
      reportExecution: async (r) => void reports.push(r),
      close: async () => undefined,
    };
  }

  it('AirlockApprovalRequired carries the approval id', async () => {
    const c = client('approval_required', { approval: { id: 'apr_42', status: 'pending' } });
    const err = await guard(c, () => 1, () => tool('a', 'b'))().catch((e: unknown) => e);
    expect((err as AirlockApprovalRequired).approvalId).toBe('apr_42');
  });

  it('approvalWaitMs: waits, re-authorizes, runs, reports', async () => {
    const c = client('approval_required', { approval: { id: 'apr_42', status: 'pending' } });
    await expect(guard(c, (x: number) => x * 2, () => tool('a', 'b'), { approvalWaitMs: 1000 })(21)).resolves.toBe(42);
    await new Promise((r) => setTimeout(r, 10));
    expect(c.reports).toMatchObject([{ requestId: 'r2', status: 'succeeded', executor: 'guard' }]);
  });

  it('confirm callback yes → client.confirm(id) → runs; no → AirlockConfirmationRequired', async () => {
    const yes = client('confirmation_required', { confirmation: { id: 'cnf_1' } });
    await expect(guard(yes, () => 'done', () => tool('a', 'b'), { confirm: () => true })()).resolves.toBe('done');
    expect(yes.confirmed).toEqual(['cnf_1']);
    const no = client('confirmation_required', { confirmation: { id: 'cnf_2' } });
    const err = await guard(no, () => 'done', () => tool('a', 'b'), { confirm: () => false })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockConfirmationRequired);
    expect((err as AirlockConfirmationRequired).confirmationId).toBe('cnf_2');
    expect(no.confirmed).toEqual([]);
  });

  it('programmer errors are TypeErrors naming the argument', () => {
    expect(() => guard(client('allow', {}), 'nope' as never, () => tool('a', 'b'))).toThrow(/fn must be a function/);
    expect(() => Airlock.connect({ url: 'ftp://x', key: 'k' })).toThrow(TypeError);
    expect(() => Airlock.connect({ url: 'http://x', key: '' })).toThrow(/key/);
  });
});

describe('Airlock.connect (HTTP client) against the real gateway', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({ policies: EXAMPLE, pep: { subjects: [{ type: 'Agent', id: 'support-agent' }] } });
  });
  afterAll(async () => gw?.close());

  it('sends the Bearer key and returns the decision', async () => {
    const a = Airlock.connect({ url: gw.url, key: gw.pepKey });
    const d = await a.authorize(tool('support-agent', 'jira.search'));
    expect(d.outcome).toBe('allow');
    expect(d.requestId).toMatch(/[0-9a-f-]{36}/);
    await expect(a.guard(() => 'ran', () => tool('support-agent', 'jira.search'))()).resolves.toBe('ran');
  });

  it('maps JSON errors to AirlockRequestError with the stable code', async () => {
    const bad = Airlock.connect({ url: gw.url, key: 'ak_not_a_key' });
    await expect(bad.authorize(tool('support-agent', 'jira.search'))).rejects.toMatchObject({ name: 'AirlockRequestError', code: 'ERR_UNAUTHENTICATED', status: 401 });
    const a = Airlock.connect({ url: gw.url, key: gw.pepKey });
    await expect(a.authorize(tool('deploy-bot', 'jira.search'))).rejects.toMatchObject({ code: 'ERR_SUBJECT_FORBIDDEN', status: 403 });
  });

  it('unreachable → ERR_SERVER_UNREACHABLE; guard never runs fn', async () => {
    const a = Airlock.connect({ url: 'http://127.0.0.1:9', key: 'ak_x', timeoutMs: 2000 });
    let ran = false;
    const err = await a.guard(() => (ran = true), () => tool('support-agent', 'jira.search'))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockRequestError);
    expect((err as AirlockRequestError).code).toBe('ERR_SERVER_UNREACHABLE');
    expect(ran).toBe(false);
  });

  it('reportExecution on a gateway without /v1/executions turns itself off quietly', async () => {
    const a = Airlock.connect({ url: gw.url, key: gw.pepKey });
    await expect(a.reportExecution({ requestId: 'r', actionHash: 'h', status: 'succeeded', durationMs: 1, executor: 'test' })).resolves.toBeUndefined();
  });
});
