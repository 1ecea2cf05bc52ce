/**
 * Just-in-time elevation end to end over HTTP (issue 16, docs/elevation.md), on SQLite and on
 * PostgreSQL: an agent asks to join prod-deployers for 15 minutes, an SRE approves (the owner may
 * not: SoD), the agent deploys, and is refused the moment the elevation expires (the gateway's
 * clock is moved, no sleeping) or is revoked. Every step is in the audit log and the OCSF export.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOcsf } from '../../src/audit/ocsf.js';
import { loadOcsfSchema } from '../helpers/ocsf-schema.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';
import { createDatabase, probePostgres } from '../postgres/pg-test-db.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' } as const;
const PG_REQUIRED = process.env['CI'] === 'true' || process.env['CI'] === '1' || process.env['AIRLOCK_TEST_PG_REQUIRED'] === '1';
const pgProbe = await probePostgres();

function elevationSuite(storeName: string, storeConfig: () => Promise<{ config: Record<string, unknown>; drop?: () => Promise<void> }>): void {
  describe(`elevation over HTTP (${storeName})`, () => {
    let gw: StartedGateway;
    let drop: (() => Promise<void>) | undefined;
    let nowMs = Date.parse('2031-03-01T09:00:00.000Z');
    const keys: Record<string, string> = {};
    const auth = (who: string) => ({ authorization: `Bearer ${keys[who]}` });
    const post = (path: string, body: unknown, who: string) => postJson(`${gw.url}${path}`, body, auth(who));
    const get = async (path: string, who: string) => {
      const r = await fetch(`${gw.url}${path}`, { headers: auth(who) });
      return { status: r.status, json: (await r.json()) as any };
    };
    const deploy = () => post('/v1/authorize', { subject: { type: 'Agent', id: 'rel-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'production' } }, 'rel-bot');
    const elevate = (body: Record<string, unknown>, who = 'rel-bot') => post('/v1/elevations', { group: 'prod-deployers', duration: '15m', reason: 'hotfix INC-42', ...body }, who);

    /** Asks, has sam approve, asks again: the active elevation. */
    async function approvedElevation(reason: string): Promise<any> {
      const pending = await elevate({ reason });
      expect(pending.status).toBe(202);
      expect(pending.json.decision.outcome).toBe('approval_required');
      const vote = await post(`/v1/approvals/${pending.json.decision.approval.id}/approve`, { reason: 'ok' }, 'sam');
      expect(vote.status).toBe(200);
      const granted = await elevate({ reason });
      expect(granted.status).toBe(201);
      return granted.json.elevation;
    }

    beforeAll(async () => {
      const s = await storeConfig();
      drop = s.drop;
      gw = await startGateway({ policies: 'policies/example', clock: { now: () => nowMs }, config: s.config });
      keys['admin'] = gw.adminKey;
      for (const [id, roles, groups] of [['olive', ['approver'], ['sre-approvers']], ['sam', ['approver'], ['sre-approvers']], ['aud', ['auditor'], []]] as const) {
        const r = await gw.runtime.identities.createHuman({ id, displayName: id, groups: [...groups], roles: [...roles] as never, links: {}, key: true }, SYSTEM);
        keys[id] = r.value.key!.key;
      }
      for (const [id, groups] of [['rel-bot', ['release-agents']], ['other-bot', ['release-agents']]] as const) {
        const r = await gw.runtime.identities.createNhi({ id, kind: 'agent', owner: 'olive', groups: [...groups], environments: [], purpose: 'elevation test', attributes: {}, key: true } as never, SYSTEM);
        keys[id] = r.value.key!.key;
      }
    }, 60_000);
    afterAll(async () => {
      await gw?.close();
      await drop?.();
    });

    it('ask → approval (owner refused by SoD, SRE approves) → deploy allowed → refused at the expiry instant', async () => {
      expect((await deploy()).json.outcome).toBe('deny');
      const pending = await elevate({});
      expect(pending.status).toBe(202);
      expect(pending.json).toMatchObject({ status: 'pending', decision: { outcome: 'approval_required' } });
      const approvalId = pending.json.decision.approval.id;
      // Nothing is granted while the approval is pending.
      expect((await deploy()).json.outcome).toBe('deny');
      const byOwner = await post(`/v1/approvals/${approvalId}/approve`, { reason: 'mine' }, 'olive');
      expect(byOwner.status).toBe(403);
      expect(byOwner.json.error.code).toBe('ERR_APPROVAL_REFUSED');
      expect((await post(`/v1/approvals/${approvalId}/approve`, { reason: 'go' }, 'sam')).status).toBe(200);

      const granted = await elevate({});
      expect(granted.status).toBe(201);
      const e = granted.json.elevation;
      expect(e).toMatchObject({ principal: 'rel-bot', group: 'prod-deployers', durationS: 900, status: 'active', requestedBy: 'Agent:rel-bot' });
      expect(Date.parse(e.expiresAt) - Date.parse(e.grantedAt)).toBe(900_000);

      const allowed = await deploy();
      expect(allowed.json.outcome).toBe('allow');
      expect(allowed.json.reasons.map((r: any) => r.policyId)).toContain('prod-deployers-deploy');

      // Visible to its owner and an auditor, listed in the inventory report.
      expect((await get('/v1/elevations?active=true', 'olive')).json.elevations.map((x: any) => x.id)).toEqual([e.id]);
      expect((await get(`/v1/elevations/${e.id}`, 'aud')).json.status).toBe('active');
      expect((await get(`/v1/elevations/${e.id}`, 'other-bot')).status).toBe(404);
      expect((await get('/v1/identities/report', 'admin')).json.elevations.map((x: any) => [x.id, x.principal, x.group])).toEqual([[e.id, 'rel-bot', 'prod-deployers']]);

      // Mid-session: one millisecond before the end it holds, at the end it is gone.
      nowMs = Date.parse(e.expiresAt) - 1;
      expect((await deploy()).json.outcome).toBe('allow');
      nowMs = Date.parse(e.expiresAt);
      const refused = await deploy();
      expect(refused.json.outcome).toBe('deny');
      expect((await get(`/v1/elevations/${e.id}`, 'olive')).json.status).toBe('expired');
      expect((await get('/v1/identities/report', 'admin')).json.elevations).toEqual([]);
      const late = await post(`/v1/elevations/${e.id}/revoke`, {}, 'olive');
      expect(late.status).toBe(409);
      expect(late.json.error.code).toBe('ERR_ELEVATION_INACTIVE');
      // Its end is recorded once, by the sweep `serve` runs every 15 s (called directly here).
      expect(await gw.runtime.elevations.recordExpiries()).toBe(1);
      expect(await gw.runtime.elevations.recordExpiries()).toBe(0);
      const ended = await gw.runtime.store.audit.find({ requestId: e.requestId });
      expect(ended.filter((r) => r.kind === 'elevation.expired').map((r) => JSON.parse(r.recordText))).toEqual([
        { requestId: e.requestId, elevationId: e.id, principal: 'Airlock::Agent::"rel-bot"', group: 'prod-deployers', expiresAt: e.expiresAt, recordedAt: new Date(nowMs).toISOString() },
      ]);
    });

    it('a revocation by the owner ends it for the very next decision', async () => {
      const e = await approvedElevation('hotfix INC-43');
      expect((await deploy()).json.outcome).toBe('allow');
      const r = await post(`/v1/elevations/${e.id}/revoke`, { reason: 'done' }, 'olive');
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ status: 'revoked', revokedBy: 'Human:olive', revokeReason: 'done' });
      expect((await deploy()).json.outcome).toBe('deny');
      expect((await post(`/v1/elevations/${e.id}/revoke`, {}, 'admin')).json.error.code).toBe('ERR_ELEVATION_INACTIVE');
    });

    it('policy caps the length; bad input and strangers are refused with stable codes', async () => {
      const tooLong = await elevate({ duration: '1h' });
      expect(tooLong.status).toBe(403);
      expect(tooLong.json.error.code).toBe('ERR_ELEVATION_DENIED');
      expect(tooLong.json.error.details.requestId).toBeTruthy();
      expect((await elevate({ duration: '10s' })).json.error.code).toBe('ERR_REQUEST_INVALID');
      expect((await elevate({ duration: '400d' })).json.error.code).toBe('ERR_REQUEST_INVALID');
      expect((await elevate({ reason: '' })).json.error.code).toBe('ERR_REQUEST_INVALID');
      expect((await elevate({ group: 'no-such-group' })).json.error.code).toBe('ERR_GROUP_UNKNOWN');
      const stranger = await elevate({ principal: 'rel-bot' }, 'other-bot');
      expect(stranger.status).toBe(403);
      expect(stranger.json.error.code).toBe('ERR_FORBIDDEN');
      // The owner may ask on the agent's behalf (still needs an SRE approval).
      const onBehalf = await elevate({ principal: 'rel-bot', reason: 'asked by owner' }, 'olive');
      expect(onBehalf.status).toBe(202);
      // Other agents are not elevated by rel-bot's elevation.
      expect((await gw.runtime.store.elevations.active('other-bot', new Date(nowMs).toISOString()))).toEqual([]);
    });

    if (storeName === 'sqlite') {
      it('airlock elevate (the CLI) asks, waits for the approval, lists and revokes', async () => {
        // Asynchronous: the gateway answering the CLI runs in this very process.
        const cli = (...args: string[]) =>
          new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
            execFile(process.execPath, [resolve('dist/cli/main.js'), 'elevate', ...args, '--gateway', gw.url], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', AIRLOCK_KEY: keys['rel-bot']! }, timeout: 60_000 }, (err, stdout, stderr) =>
              done({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
            );
          });
        const first = await cli('prod-deployers', '--for', '10m', '--reason', 'from the CLI');
        expect(first.status, first.stderr).toBe(10);
        expect(first.stdout).toMatch(/waiting for approval [0-9a-f-]+/);
        const id = /approval ([0-9a-f-]+)/.exec(first.stdout)![1]!;
        expect((await post(`/v1/approvals/${id}/approve`, { reason: 'ok' }, 'sam')).status).toBe(200);
        const second = await cli('prod-deployers', '--for', '10m', '--reason', 'from the CLI');
        expect(second.status, second.stderr).toBe(0);
        const eid = /elevation ([0-9a-f-]+)/.exec(second.stdout)![1]!;
        expect((await cli('list', '--active')).stdout).toContain(eid);
        const revoked = await cli('revoke', eid, '--reason', 'done', '--json');
        expect(revoked.status, revoked.stderr).toBe(0);
        expect(JSON.parse(revoked.stdout).status).toBe('revoked');
        const denied = await cli('prod-deployers', '--for', '2h', '--reason', 'too long');
        expect(denied.status).toBe(1);
        expect(denied.stderr).toMatch(/ERR_ELEVATION_DENIED|denied/);
      });
    }

    it('grants and revocations are audited, and export as conforming OCSF events', async () => {
      const records = [];
      for (let from = 1; ; ) {
        const page = await gw.runtime.store.audit.read('main', from, 500);
        if (page.length === 0) break;
        records.push(...page);
        from = page.at(-1)!.seq + 1;
      }
      const kinds = records.map((r) => r.kind);
      const cliRuns = storeName === 'sqlite' ? 1 : 0;
      expect(kinds.filter((k) => k === 'elevation.granted')).toHaveLength(2 + cliRuns);
      expect(kinds.filter((k) => k === 'elevation.revoked')).toHaveLength(1 + cliRuns);
      // Revoked elevations never get an expiry record, whenever the sweep runs.
      nowMs += 86_400_000;
      expect(await gw.runtime.elevations.recordExpiries()).toBe(kinds.filter((k) => k === 'elevation.granted').length - kinds.filter((k) => k === 'elevation.revoked').length - 1);
      for (let from = records.at(-1)!.seq + 1; ; ) {
        const page = await gw.runtime.store.audit.read('main', from, 500);
        if (page.length === 0) break;
        records.push(...page);
        from = page.at(-1)!.seq + 1;
      }
      const expired = records.filter((r) => r.kind === 'elevation.expired').map((r) => JSON.parse(r.recordText).elevationId as string);
      const revoked = new Set(records.filter((r) => r.kind === 'elevation.revoked').map((r) => JSON.parse(r.recordText).elevationId as string));
      expect(expired.filter((id) => revoked.has(id))).toEqual([]);
      expect(new Set(expired).size).toBe(expired.length);
      // Decisions made while elevated name the elevation they relied on.
      const used = records.filter((r) => r.kind === 'decision' && JSON.parse(r.recordText).elevations);
      expect(used.length).toBeGreaterThanOrEqual(3);
      const schema = loadOcsfSchema();
      for (const r of records.filter((x) => x.kind.startsWith('elevation.'))) {
        const ev = toOcsf(r, { productVersion: '0.0.0' })!;
        expect(schema.check(ev, ev['class_uid'] === 3003 ? 'authorize_session' : 'api_activity'), JSON.stringify(ev)).toEqual([]);
        if (r.kind === 'elevation.granted') expect(ev).toMatchObject({ class_uid: 3003, activity_id: 2, type_uid: 300302, group: { name: 'prod-deployers' }, user: { name: 'rel-bot' } });
      }
    });
  });
}

elevationSuite('sqlite', async () => ({ config: {} }));
if (pgProbe.ok || PG_REQUIRED) {
  elevationSuite('postgres', async () => {
    const db = await createDatabase();
    return { config: { database: { url: db.url } }, drop: db.drop };
  });
} else {
  describe.skip(`elevation over HTTP (postgres): ${pgProbe.reason}`, () => undefined);
}
