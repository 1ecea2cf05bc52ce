/**
 * The Slack edge of the served gateway (docs/chat.md): what Slack sends besides clicks, how many
 * message updates a decision costs, and who may see what the Slack edge opened. The real runtime,
 * the loopback Slack Web API stand-in, signed callbacks over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import { signed } from '../fixtures/slack/sign.js';
import { APPROVALS, OPS, SLACK_SECRET, startSlackGateway, until, type SlackGateway } from '../helpers/slack-gateway.js';

let s: SlackGateway;

beforeAll(async () => {
  s = await startSlackGateway();
  await s.human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']); // owner of the bots
  await s.human('ivy', 'U0IVY', ['approver'], ['sre-approvers']); // asks in chat
  await s.human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
  await s.human('sue', 'U0SUE', ['approver'], ['sre-approvers']);
  await s.nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
  await s.nhi('slack', 'bot', 'olive', []); // an NHI that happens to be called like the Slack edge
});

afterAll(async () => {
  await s?.close();
});

describe('what Slack sends besides clicks', () => {
  it('ssl_check=1 on the command and interactions URLs is answered 200 and does nothing', async () => {
    for (const path of [SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH]) {
      const calls = s.slack.calls.length;
      const res = await fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=verification-token' });
      expect([path, res.status, await res.text()]).toEqual([path, 200, '']);
      const signedCheck = await s.deliver(path, signed(SLACK_SECRET, 'ssl_check=1&token=verification-token', s.nowS()));
      expect(signedCheck.status).toBe(200);
      expect(s.slack.calls.length).toBe(calls);
    }
    // Not a way around the signature: a command or a payload next to ssl_check is still verified.
    const sneaky = await fetch(`${s.gw.url}${SLACK_COMMANDS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&command=%2Fairlock&text=pending&user_id=U0SAM&team_id=T0ACME' });
    expect(sneaky.status).toBe(401);
  });

  it('a JSON body on the interactions URL is refused with 415, signed or not, API key or not', async () => {
    const body = JSON.stringify({ payload: { type: 'block_actions' } });
    const plain = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(plain.status).toBe(415);
    const req = signed(SLACK_SECRET, body, s.nowS());
    const withSig = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { ...req.headers, 'content-type': 'application/json' }, body });
    expect(withSig.status).toBe(415);
    const withKey = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.keys['sam']}` }, body });
    expect(withKey.status).toBe(415);
    const broken = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payload":' });
    expect(broken.status).toBe(415);
  });
});

describe('one chat.update per decision', () => {
  it('an approve click that resolves the request updates the approval message exactly once', async () => {
    const r = await s.post('/v1/authorize', s.chatAsk(), 'opsbot');
    expect(r.json.outcome).toBe('approval_required');
    const id = r.json.approval.id;
    const msg = await s.approvalMessage(id);
    const ts = msg.result!['ts'];
    const res = await s.click('U0SAM', 'airlock.approve', id);
    expect(res.status).toBe(200);
    await until(() => s.posts(OPS).some((c) => JSON.stringify(c.args['blocks']).includes('Approved')), 'thread told');
    await s.drain();
    const updates = s.slack.of('chat.update').filter((c) => c.args['ts'] === ts && c.args['channel'] === APPROVALS);
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.args['blocks'])).toContain('approved by *Sam*');
  });
});

describe('graceful shutdown waits for Slack', () => {
  it('drain() waits for an approval post begun by an event, so the store is not closed under it', async () => {
    const release = s.slack.hold('chat.postMessage');
    let drained = false;
    try {
      const before = s.posts(APPROVALS).length;
      const r = await s.post('/v1/authorize', s.chatAsk(), 'opsbot');
      expect(r.json.outcome).toBe('approval_required');
      // The approval.created event has reached the stand-in; its answer is held.
      await until(() => s.posts(APPROVALS).length > before, 'approval post sent');
      const d = s.drain().then(() => (drained = true));
      // Without tracking, drain() resolves at once (nothing else is in flight): give it every chance.
      for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
      expect(drained).toBe(false);
      release();
      await d;
      expect(drained).toBe(true);
      // What the post's answer was for is done by then: the message ref is stored, the thread told.
      const stored = await s.gw.runtime.store.chatRefs.get(r.json.approval.id);
      expect(stored?.message?.channel).toBe(APPROVALS);
    } finally {
      release();
    }
  });

  it('a Slack that does not answer holds the shutdown for at most half its budget', async () => {
    const g = await startSlackGateway({ config: { shutdownTimeoutMs: 400 } });
    const release = g.slack.hold('chat.postMessage');
    try {
      await g.human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']);
      await g.human('ivy', 'U0IVY', ['approver'], ['sre-approvers']);
      await g.human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
      await g.nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
      const r = await g.post('/v1/authorize', g.chatAsk(), 'opsbot');
      expect(r.json.outcome).toBe('approval_required');
      await until(() => g.posts(APPROVALS).length > 0, 'approval post sent');
      // Resolves although the post is still held: the audit flush and store close went ahead.
      await g.gw.runtime.close();
      expect(g.posts(APPROVALS)[0]!.result).toBeUndefined();
    } finally {
      release();
      await g.close();
    }
  });
});

describe('identity comparisons include the type', () => {
  it('an NHI called "slack" does not see an approval the Slack reversal path opened', async () => {
    // An approved, executed production change with a recorded reversal…
    const ask = s.chatAsk({ context: { command: 'systemctl restart nginx # reversal test' } });
    const first = await s.post('/v1/authorize', ask, 'opsbot');
    await s.click('U0SAM', 'airlock.approve', first.json.approval.id);
    const allowed = await s.post('/v1/authorize', ask, 'opsbot');
    expect(allowed.json.outcome).toBe('allow');
    const reversal = { subject: { type: 'Bot', id: 'opsbot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'systemctl reload nginx' } };
    expect((await s.post('/v1/executions', { grant: allowed.json.grant, status: 'succeeded', reversal }, 'opsbot')).json.recorded).toBe(true);
    // …reversed from Slack: the reversal is a new request whose caller is the Slack edge.
    const result = await until(() => s.posts(OPS).find((c) => JSON.stringify(c.args['blocks']).includes(allowed.json.requestId) && JSON.stringify(c.args['blocks']).includes('airlock.reverse')), 'result with Reverse button');
    await s.click('U0IVY', 'airlock.reverse', allowed.json.requestId, { channel: OPS, messageTs: String(result.result!['ts']), threadTs: String(ask.context['chat'] && (ask.context['chat'] as { thread: string }).thread) });
    const opened = (await s.gw.runtime.approvals.list({ status: 'pending' })).find((a) => a.caller.type === 'integration' && a.caller.id === 'slack');
    expect(opened).toBeDefined();
    const asSlackNhi = await s.get(`/v1/approvals/${opened!.id}`, 'slack');
    expect([asSlackNhi.status, asSlackNhi.json.error.code]).toEqual([404, 'ERR_APPROVAL_NOT_FOUND']);
    const listed = await s.get('/v1/approvals?status=pending', 'slack');
    expect(listed.json.approvals.map((a: { id: string }) => a.id)).not.toContain(opened!.id);
    const cancel = await s.post(`/v1/approvals/${opened!.id}/cancel`, {}, 'slack');
    expect(cancel.status).toBe(404);
  });
});
