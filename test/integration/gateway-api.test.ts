/**
 * Airlock's own HTTP API against the real gateway: `POST /v1/authorize` returns the full decision
 * object (DESIGN §3: outcome, reasons, action hash, bundle version, request id), `/healthz`, and
 * the Prometheus `/metrics` series operators alert on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as rawPostJson, startGateway, type StartedGateway } from '../helpers/server.js';

const BUNDLE = 'test/fixtures/bundles/authzen-cert';
const ALLOW = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };
const DENY = { subject: { type: 'user', id: 'bob' }, action: { name: 'write' }, resource: { type: 'record', id: 'record-1' } };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let gw: StartedGateway;
/** Every request authenticates as the registered enforcement point (`test-pep`, may ask about any `user`). */
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => rawPostJson(url, body, { ...gw.headers, ...headers });
beforeAll(async () => {
  gw = await startGateway({ policies: BUNDLE });
});
afterAll(async () => {
  await gw?.close();
});

describe('POST /v1/authorize — the full decision object (DESIGN §3)', () => {
  it('allow: outcome, reasons with the policy id, sha256 action hash, policy version, UUIDv7 request id, decidedAt, auditSeq', async () => {
    const before = Date.now();
    const r = await postJson(`${gw.url}/v1/authorize`, ALLOW);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const d = r.json;
    expect(d.outcome).toBe('allow');
    expect(Array.isArray(d.reasons)).toBe(true);
    expect(d.reasons.length).toBeGreaterThan(0);
    expect(d.reasons[0]).toMatchObject({ code: 'policy_permit', policyId: 'cert-read' });
    expect(typeof d.reasons[0].message).toBe('string');
    expect(d.actionHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.policyVersion).toBe(gw.runtime.policies.current()!.version);
    expect(d.policyVersion).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.requestId).toMatch(UUID_V7);
    expect(new Date(d.decidedAt).toISOString()).toBe(d.decidedAt);
    expect(Date.parse(d.decidedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Number.isSafeInteger(d.auditSeq)).toBe(true);
    expect(d.auditSeq).toBe((await gw.runtime.store.audit.head('main'))!.seq);
  });

  it('deny: outcome deny with a default_deny reason, still audited', async () => {
    const r = await postJson(`${gw.url}/v1/authorize`, DENY);
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe('deny');
    expect(r.json.reasons[0].code).toBe('default_deny');
    expect(r.json.auditSeq).toBe((await gw.runtime.store.audit.head('main'))!.seq);
  });

  it('the action hash is stable for the same action and differs for another; request ids are unique and ordered', async () => {
    const a = await postJson(`${gw.url}/v1/authorize`, ALLOW);
    const b = await postJson(`${gw.url}/v1/authorize`, { ...ALLOW, resource: { type: 'record', id: 'record-1' }, foo: 'ignored' });
    const c = await postJson(`${gw.url}/v1/authorize`, { ...ALLOW, resource: { type: 'record', id: 'record-2' } });
    expect(b.json.actionHash).toBe(a.json.actionHash);
    expect(c.json.actionHash).not.toBe(a.json.actionHash);
    expect(new Set([a.json.requestId, b.json.requestId, c.json.requestId]).size).toBe(3);
    expect([a.json.requestId, b.json.requestId, c.json.requestId]).toEqual([a.json.requestId, b.json.requestId, c.json.requestId].sort());
    expect(c.json.auditSeq).toBe(b.json.auditSeq + 1);
  });

  it('the AuthZEN endpoint carries the same decision in its response context', async () => {
    const r = await postJson(`${gw.url}/access/v1/evaluation`, ALLOW);
    expect(r.json.decision).toBe(true);
    expect(r.json.context.outcome).toBe('allow');
    expect(r.json.context.actionHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('the audit record holds the request and the decision that was answered', async () => {
    const r = await postJson(`${gw.url}/v1/authorize`, DENY);
    const [rec] = await gw.runtime.store.audit.read('main', r.json.auditSeq, 1);
    expect(rec).toBeDefined();
    const stored = JSON.parse(rec!.recordText);
    expect(JSON.stringify(stored)).toContain(r.json.requestId);
    expect(JSON.stringify(stored)).toContain(r.json.actionHash);
  });
});

describe('GET /healthz', () => {
  it('200 {"status":"ok","policyVersion"} with the loaded bundle version', async () => {
    const res = await fetch(`${gw.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', policyVersion: gw.runtime.policies.current()!.version });
  });
});

describe('GET /metrics (Prometheus text format)', () => {
  it('exposes decisions by outcome, decision latency and audit append latency', async () => {
    await postJson(`${gw.url}/access/v1/evaluation`, ALLOW);
    await postJson(`${gw.url}/access/v1/evaluation`, DENY);
    const res = await fetch(`${gw.url}/metrics`, { headers: gw.adminHeaders });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE airlock_decisions_total counter$/m);
    expect(text).toMatch(/^airlock_decisions_total\{outcome="allow"\} [1-9]\d*$/m);
    expect(text).toMatch(/^airlock_decisions_total\{outcome="deny"\} [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE airlock_decision_duration_seconds histogram$/m);
    expect(text).toMatch(/^airlock_decision_duration_seconds_count [1-9]\d*$/m);
    expect(text).toMatch(/^airlock_decision_duration_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE airlock_audit_append_duration_seconds histogram$/m);
    expect(text).toMatch(/^airlock_audit_append_duration_seconds_count [1-9]\d*$/m);
  });

  it('decision counts match the decisions made', async () => {
    const count = async () => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: gw.adminHeaders })).text();
      return Number(/^airlock_decisions_total\{outcome="allow"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) await postJson(`${gw.url}/v1/authorize`, ALLOW);
    expect(await count()).toBe(before + 3);
  });
});
