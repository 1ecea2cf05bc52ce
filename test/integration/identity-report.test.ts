/**
 * The inventory report (GET /v1/identities/report, `airlock identity report`) with a fixture that
 * produces every category, time moved by an injected clock; and the registry/bundle clash rule.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as identityCommand } from '../../src/cli/commands/identity.js';
import type { CliIO } from '../../src/cli/command.js';
import { loadConfig } from '../../src/config/load.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const clock = { t: T0, now() { return this.t; } };

let gw: StartedGateway;
beforeAll(async () => {
  gw = await startGateway({ policies: 'policies/example', clock, pep: false });
});
afterAll(async () => {
  await gw?.close();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(gw.url + path, { method, headers: { ...gw.adminHeaders, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as any };
}
const nhi = (id: string, extra: Record<string, unknown> = {}) => admin('POST', '/v1/identities', { id, kind: 'agent', owner: 'owner-ok', purpose: 'fixture', ...extra });

function cliIO(): { io: CliIO; out: () => string } {
  const stdout = new PassThrough();
  let o = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  return { io: { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} }, out: () => o };
}

describe('inventory report: every category from a fixture', () => {
  let report: any;

  beforeAll(async () => {
    await admin('POST', '/v1/humans', { id: 'owner-ok', key: false });
    await admin('POST', '/v1/humans', { id: 'leaver', key: false });
    // used at T0, then idle for 31 days
    const stale = await nhi('stale-agent');
    await fetch(`${gw.url}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stale.json.key.key}` },
      body: JSON.stringify({ subject: { type: 'Agent', id: 'stale-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' } }),
    });
    await gw.runtime.usage.flush();
    await nhi('never-used', { key: false });
    await nhi('orphan-bot', { kind: 'bot', owner: 'leaver', key: false });
    await admin('POST', '/v1/humans/leaver/retire');
    await nhi('deployer', { groups: ['deployers'], key: false });
    await nhi('payer', { groups: ['payment-agents'], key: false });
    await nhi('operator', { groups: ['operators'], key: false });
    clock.t = T0 + 91 * DAY; // keys from T0 are now older than the 90-day rotation age
    await nhi('expiring-soon', { expiresAt: new Date(clock.t + 3 * DAY).toISOString(), key: false });
    await nhi('already-expired', { expiresAt: new Date(clock.t - DAY).toISOString(), key: false });
    await nhi('fresh');
    const r = await admin('GET', '/v1/identities/report');
    expect(r.status).toBe(200);
    report = r.json;
  });

  afterAll(() => {
    clock.t = T0;
  });

  it('counts by kind and status', () => {
    expect(report.counts.nhis.byKind).toEqual({ agent: 8, bot: 1 });
    expect(report.counts.nhis.byStatus).toEqual({ active: 9 });
    expect(report.counts.humans.byStatus).toEqual({ active: 2, retired: 1 });
    expect(report.thresholds).toEqual({ unusedDays: 30, rotationDays: 90, expiringDays: 7 });
  });

  it('orphaned: an NHI whose owner is retired', () => {
    expect(report.orphaned).toEqual([{ id: 'orphan-bot', kind: 'bot', owner: 'leaver', status: 'active', reason: 'owner_retired' }]);
  });

  it('unused ≥ 30 days and never used', () => {
    const byId = Object.fromEntries(report.unused.map((u: any) => [u.id, u]));
    expect(byId['stale-agent']).toMatchObject({ neverUsed: false, lastUsedAt: new Date(T0).toISOString(), idleDays: 91 });
    expect(byId['never-used']).toMatchObject({ neverUsed: true, lastUsedAt: null });
  });

  it('keys older than the rotation age, and keys never used', () => {
    expect(report.keys.overRotationAge.map((k: any) => k.identityId)).toContain('stale-agent');
    expect(report.keys.overRotationAge.map((k: any) => k.identityId)).not.toContain('fresh');
    expect(report.keys.neverUsed.map((k: any) => k.identityId)).toContain('fresh');
    expect(report.keys.neverUsed.map((k: any) => k.identityId)).not.toContain('stale-agent');
  });

  it('expiring within 7 days (and already expired, listed apart)', () => {
    expect(report.expiring).toEqual([expect.objectContaining({ id: 'expiring-soon', inDays: 3 })]);
    expect(report.expired.map((e: any) => e.id)).toEqual(['already-expired']);
  });

  it('who the bundle lets reach actions that need approval, with the policies, and how that was computed', () => {
    const reach = Object.fromEntries(report.approvalReach.map((r: any) => [r.id, r.actions]));
    expect(reach['deployer']).toEqual([{ action: 'deploy', policies: ['prod-deploys-need-approval'] }]);
    expect(reach['payer']).toEqual([{ action: 'payment.submit', policies: ['payments-need-two-approvers'] }]);
    expect(reach['operator']).toEqual([{ action: 'tool.call', policies: ['destructive-tools-need-approval'] }]);
    expect(reach['fresh']).toBeUndefined();
    expect(report.approvalReachMethod).toMatch(/over-approximates/);
  });

  it('query parameters move the thresholds; bad ones are 400', async () => {
    const r = await admin('GET', '/v1/identities/report?unusedDays=100&rotationDays=365&expiringDays=1');
    expect(r.json.unused.map((u: any) => u.id)).not.toContain('stale-agent');
    expect(r.json.keys.overRotationAge).toEqual([]);
    expect(r.json.expiring).toEqual([]);
    expect((await admin('GET', '/v1/identities/report?unusedDays=-1')).json.error.code).toBe('ERR_IDENTITY_INVALID');
  });

  it('`airlock identity report` exits 1 while an orphan exists, 0 once it is resolved; --json is the same report', async () => {
    const t = cliIO();
    expect(await identityCommand.run(['report', '--url', gw.url, '--key', gw.adminKey, '--json'], t.io)).toBe(1);
    expect(JSON.parse(t.out()).orphaned.map((o: any) => o.id)).toEqual(['orphan-bot']);
    const table = cliIO();
    expect(await identityCommand.run(['report', '--url', gw.url, '--key', gw.adminKey], table.io)).toBe(1);
    expect(table.out()).toMatch(/^ORPHANED \(no active owner\): 1$/m);
    expect(table.out()).toMatch(/orphan-bot\s+bot\s+leaver\s+owner_retired/);
    await admin('PATCH', '/v1/identities/orphan-bot', { owner: 'owner-ok' });
    expect(await identityCommand.run(['report', '--url', gw.url, '--key', gw.adminKey, '--json'], cliIO().io)).toBe(0);
  });
});

describe('a registry identity and a static entity with the same uid: refused at load, never overridden', () => {
  it('reload refuses the bundle (422, previous stays); a restart refuses to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-clash-'));
    cpSync('policies/example', dir, { recursive: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-clash-data-'));
    const g = await startGateway({ policies: dir, pep: false, dataDir });
    try {
      const created = await fetch(`${g.url}/v1/identities`, {
        method: 'POST',
        headers: { ...g.adminHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'clashy', kind: 'agent', owner: 'admin', purpose: 'p' }),
      });
      expect(created.status).toBe(201);
      const version = g.runtime.policies.current()!.version;
      const entities = JSON.parse(readFileSync(join(dir, 'entities.json'), 'utf8')) as unknown[];
      entities.push({ uid: { type: 'Airlock::Agent', id: 'clashy' }, attrs: {}, parents: [] });
      writeFileSync(join(dir, 'entities.json'), JSON.stringify(entities));
      const r = await fetch(`${g.url}/v1/policy/reload`, { method: 'POST', headers: g.adminHeaders });
      expect(r.status).toBe(422);
      const body = (await r.json()) as any;
      expect(body.error.code).toBe('ERR_BUNDLE_INVALID');
      expect(body.error.details.problems[0].message).toMatch(/Airlock::Agent::"clashy" is also in the identity registry/);
      expect(g.runtime.policies.current()!.version).toBe(version);
      await g.close();
      await expect(createRuntime(loadConfig({ dataDir: g.dataDir, policies: dir, checkpointIntervalMs: 0 }, {}))).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' });
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
