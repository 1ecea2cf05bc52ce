/**
 * Slack approvals end to end against the real runtime: approvals opened by `POST /v1/authorize`
 * (the example bundle's chatops and payment policies), signed callbacks posted over HTTP into the
 * served gateway, decisions through the approval desk and its audit chain, every Slack call the
 * adapter really made recorded by the loopback stand-in. One gateway for the file; every test
 * opens its own approvals and looks only at the Slack calls made since it started.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER } from '../../src/approval/webhook-signature.js';
import { chatApprovalEventData } from '../../src/integrations/chat/approval-event.js';
import { SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import { blockActions, interactionBody, signed } from '../fixtures/slack/sign.js';
import type { SlackCall } from '../fixtures/slack/stand-in.js';
import { APPROVALS, blocksText, buttonsOf, OPS, SLACK_SECRET, SLACK_TOKEN, startSlackGateway, TEAM, THREAD, until, type SlackGateway } from '../helpers/slack-gateway.js';

let s: SlackGateway;
/** The signed webhooks the gateway delivers (approval.created for other chats), as received. */
const WHSEC = 'whsec-slack-approvals-0123456789';
const PUBLIC_URL = 'https://airlock.example/';
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let receiver: Server;

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  s = await startSlackGateway({ config: { webhooks: [{ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: WHSEC }], publicUrl: PUBLIC_URL } });
  await s.human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']); // owns the bots (@sod("owner"))
  await s.human('ivy', 'U0IVY', ['approver'], ['sre-approvers']); // asks in chat: the initiator
  await s.human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
  await s.human('ann', `${TEAM}/U0ANN`, ['approver'], ['sre-approvers']); // workspace-qualified link
  await s.human('carl', 'U0CARL', [], []);
  await s.human('dora', 'U0DORA', ['approver'], ['treasury']); // an approver, not an SRE
  await s.human('fay', 'U0FAY', ['approver'], ['finance-approvers']);
  await s.human('gus', 'U0GUS', ['approver'], ['finance-approvers']);
  await s.nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
  await s.nhi('paybot', 'bot', 'olive', ['payment-agents']);
  await s.nhi('relbot', 'agent', 'olive', ['release-agents']);
  await s.nhi('deploybot', 'agent', 'olive', ['deployers']);
});

afterAll(async () => {
  await s?.close();
  await new Promise((r) => receiver?.close(r));
});

const HUMAN = (id: string) => `Airlock::Human::"${id}"`;
/** A payment asked in chat: payments-need-two-approvers (quorum 2, finance-approvers). */
const payment = () => s.chatAsk({ subject: { type: 'Bot', id: 'paybot' }, action: 'payment.submit', resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount: 500 } });
const postsSince = (m: number, channel: string) => s.since(m, 'chat.postMessage').filter((c) => c.args['channel'] === channel);
const ephemeralsSince = (m: number) => s.since(m, 'chat.postEphemeral');
const updatesOf = (ts: unknown) => s.slack.of('chat.update').filter((c) => c.args['channel'] === APPROVALS && c.args['ts'] === ts);
const messageTs = async (id: string) => (await s.approvalMessage(id)).result!['ts'];
/** The thread replies of one approval that say `word` (the decided reply names the approval's request). */
const threadSays = (m: number, word: string) => postsSince(m, OPS).filter((c) => blocksText(c).includes(word));
/**
 * An approval asked in chat, once approval.created has reached Slack (the approvals-channel message
 * and the thread reply), so later Slack calls belong to what the test does next.
 */
async function opened(ask?: ReturnType<SlackGateway['chatAsk']>, who?: string) {
  const a = await s.open(ask, who);
  await s.approvalMessage(a.id);
  await until(() => s.posts(OPS).some((c) => blocksText(c).includes(a.id)), 'thread reply');
  return a;
}
const refusal = (c: SlackCall | undefined) => blocksText(c).match(/`(\w+)`\)/)?.[1];

describe('approval.created', () => {
  it('posts what will run, who asked, the policy, the expiry and Approve/Deny carrying only the id', async () => {
    const m = s.mark();
    const a = await s.open();
    const post = await s.approvalMessage(a.id);
    expect(postsSince(m, APPROVALS)).toEqual([post]);
    expect(post.token).toBe(SLACK_TOKEN);
    const stored = await s.approval(a.id);
    const text = blocksText(post);
    expect(text).toContain('shell.exec');
    expect(text).toContain('Host web-1');
    expect(text).toContain('systemctl restart nginx'); // the command, literally (rich_text_preformatted)
    expect(text).toContain('Bot opsbot'); // the NHI that will run it
    expect(text).toContain('Human olive'); // its owner, from the registry
    expect(text).toContain('Human ivy'); // the initiator, resolved by the gateway from the Slack user's link
    const asked = (a.ask.context['chat'] as { messageId: string }).messageId;
    expect(text).toContain(`https://acme.slack.com/archives/${OPS}/p${asked.replace('.', '')}?thread_ts=${THREAD}&cid=${OPS}|original message`);
    expect(text).toContain('chatops-prod-changes');
    expect(text).toContain('Production changes from chat need an SRE approval');
    expect(text).toContain(`<!date^${Math.floor(Date.parse(stored.expiresAt) / 1000)}^`);
    expect(Date.parse(stored.expiresAt) - s.clock.now()).toBe(30 * 60_000); // @approval_ttl("30m")
    expect(text).toContain('1 of Group sre-approvers');
    expect(text).toContain(a.actionHash);
    expect(buttonsOf(post)).toEqual([
      expect.objectContaining({ action_id: 'airlock.approve', value: a.id, style: 'primary' }),
      expect.objectContaining({ action_id: 'airlock.deny', value: a.id, style: 'danger' }),
    ]);
    expect(typeof post.args['text']).toBe('string'); // fallback text for notifications
  });

  it('replies in the originating thread that the request waits, without any button', async () => {
    const m = s.mark();
    const a = await s.open();
    const reply = await until(() => postsSince(m, OPS).find((c) => blocksText(c).includes(a.id)), 'thread reply');
    expect(reply.args['thread_ts']).toBe(THREAD);
    expect(blocksText(reply)).toContain('Waiting for approval');
    expect(buttonsOf(reply)).toEqual([]);
    expect(blocksText(reply)).not.toContain('"actions"');
  });

  it('posts for a request from elsewhere only when policy routes it to Slack (@notify("slack"))', async () => {
    // elevation.cedar's approval names no @notify: nothing reaches Slack.
    const m = s.mark();
    const elevation = await s.post('/v1/elevations', { group: 'prod-deployers', duration: '15m', reason: 'hotfix INC-7' }, 'relbot');
    expect([elevation.status, elevation.json.decision.outcome]).toEqual([202, 'approval_required']);
    // operations.cedar's production deploys say @notify("slack"): posted, with no thread to answer in.
    const deploy = await s.post('/v1/authorize', { subject: { type: 'Agent', id: 'deploybot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'production' } }, 'deploybot');
    expect(deploy.json.outcome).toBe('approval_required');
    await s.approvalMessage(deploy.json.approval.id);
    await s.drain();
    expect(s.since(m).map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(blocksText(s.since(m)[0])).not.toContain(elevation.json.decision.approval.id);
    expect(postsSince(m, OPS)).toHaveLength(0);
  });

  it('posts once even when approval.created is delivered twice', async () => {
    const m = s.mark();
    const a = await opened();
    await s.gw.runtime.slack!.onApprovalCreated(await s.approval(a.id));
    expect(postsSince(m, APPROVALS)).toHaveLength(1);
  });

  it('a failing Slack API never reaches the caller, and the approval can still be decided', async () => {
    const m = s.mark();
    s.slack.failNext('chat.postMessage', 'channel_not_found');
    const a = await s.open(); // throws unless the answer is approval_required
    await until(() => s.since(m, 'chat.postMessage').find((c) => c.result?.['error'] === 'channel_not_found'), 'the failed post');
    expect((await s.approval(a.id)).status).toBe('pending');
    const vote = await s.post(`/v1/approvals/${a.id}/approve`, { reason: 'seen in the console' }, 'sam');
    expect([vote.status, vote.json.status]).toEqual([200, 'approved']);
  });
});

describe('approval.created for other chats (the signed webhook, docs/chat.md)', () => {
  /** The receiver from docs/chat.md, verbatim in spirit: node:crypto only. */
  function verifyAirlock(secret: string, header: string | undefined, rawBody: string, nowS: number): boolean {
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
    if (!m) return false;
    const t = Number(m[1]);
    if (Math.abs(nowS - t) > 300) return false;
    const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
    const given = Buffer.from(m[2]!, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  it('carries what the Slack message shows, and verifies with the documented receiver', async () => {
    const a = await opened(s.chatAsk({ context: { command: 'systemctl restart postgresql' } }));
    await s.gw.runtime.webhooks.drain();
    const delivery = await until(() => received.find((d) => d.headers['x-airlock-event'] === 'approval.created' && d.body.includes(a.id)), 'approval.created delivery');
    const data = (JSON.parse(delivery.body) as { data: ReturnType<typeof chatApprovalEventData> }).data;
    const stored = await s.approval(a.id);
    expect(data.request).toEqual({ subject: { type: 'Bot', id: 'opsbot' }, action: 'shell.exec', resource: { type: 'Host', id: 'web-1' }, environment: 'production', command: 'systemctl restart postgresql', context: stored.request.context });
    expect(data.request.context).toMatchObject({ environment: 'production', command: 'systemctl restart postgresql', initiator: { type: 'Human', id: 'ivy' } });
    expect(data.approval).toMatchObject({ id: a.id, status: 'pending', requester: 'Airlock::Bot::"opsbot"', owner: 'Airlock::Human::"olive"', initiator: 'Airlock::Human::"ivy"', quorum: 1, policyIds: ['chatops-prod-changes'] });
    expect(data.chat).toMatchObject({ platform: 'slack', channel: OPS, user: 'U0IVY' });
    expect(data.links).toEqual({ approval: `https://airlock.example/v1/approvals/${a.id}` });
    // What was delivered is what the event builder makes of the stored approval.
    expect(data).toEqual(JSON.parse(JSON.stringify(chatApprovalEventData(stored, { publicUrl: PUBLIC_URL }))));
    // The documented receiver accepts the delivery as sent, and refuses it changed, late or re-keyed.
    const header = delivery.headers[SIGNATURE_HEADER] as string | undefined;
    const t = Number(/^t=(\d+),/.exec(header ?? '')?.[1]);
    expect(verifyAirlock(WHSEC, header, delivery.body, t + 10)).toBe(true);
    expect(verifyAirlock(WHSEC, header, delivery.body.replace('opsbot', 'opsbou'), t)).toBe(false);
    expect(verifyAirlock(WHSEC, header, delivery.body, t + 301)).toBe(false);
    expect(verifyAirlock('another-secret', header, delivery.body, t)).toBe(false);
  });
});

describe('binding rule: chat_requires_nhi, as the served gateway applies it', () => {
  it('a chat request with a Human subject is denied: no approval opened, nothing posted to Slack, the denial audited', async () => {
    const m = s.mark();
    const before = (await s.gw.runtime.approvals.list({})).length;
    // The chat request as ivy herself (her ambient rights) instead of a bot she asks.
    const denied = await s.post('/v1/authorize', s.chatAsk({ subject: { type: 'Human', id: 'ivy' } }), 'ivy');
    expect(denied.status).toBe(200);
    expect(denied.json.outcome).toBe('deny');
    expect(denied.json.reasons.map((r: { code: string }) => r.code)).toContain('chat_requires_nhi');
    expect((await s.gw.runtime.approvals.list({})).length).toBe(before);
    expect((await s.get(`/v1/evidence/${denied.json.requestId}`, 'sam')).json.decision.outcome).toBe('deny');
    // Control: the bot's request reaches Slack; once it has, nothing was posted for the denied one.
    const a = await opened();
    expect(s.since(m).filter((c) => !blocksText(c).includes(a.id))).toEqual([]);
  });
});

describe('interactions', () => {
  it('an eligible approver approves: vote with channel chat in the audit chain, message updated without buttons, thread told once', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    const m = s.mark();
    const res = await s.click('U0ANN', 'airlock.approve', a.id);
    expect([res.status, res.body]).toEqual([200, '']);
    const stored = await s.approval(a.id);
    expect(stored.status).toBe('approved');
    expect(stored.votes).toEqual([expect.objectContaining({ approver: HUMAN('ann'), decision: 'approve', channel: 'chat' })]);
    // The vote's audit record: in the chain, at the place the vote names, saying this vote.
    const [rec, ...more] = await s.voteRecords(a.id);
    expect(more).toEqual([]);
    expect(rec!.said).toMatchObject({ approvalId: a.id, requestId: a.requestId, approver: HUMAN('ann'), decision: 'approve', channel: 'chat' });
    expect(stored.votes[0]!.audit).toEqual({ writer: rec!.record.writer, seq: rec!.record.seq, hash: rec!.record.hash });
    expect(await s.gw.runtime.auditLog.inChain(rec!.record.writer, rec!.record.seq, rec!.record.hash)).toBe(true);
    const updates = updatesOf(ts);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const last = updates.at(-1)!;
    expect(blocksText(last)).toContain('Approved');
    expect(blocksText(last)).toContain('approved by *Ann* (chat');
    expect(buttonsOf(last)).toEqual([]);
    // The click path and the approval.decided event both saw it; the thread hears it once.
    const decided = await until(() => threadSays(m, 'Approved').length > 0 && threadSays(m, 'Approved'), 'thread told');
    await s.drain();
    expect(threadSays(m, 'Approved')).toHaveLength(1);
    expect(decided[0]!.args['thread_ts']).toBe(THREAD);
    expect(buttonsOf(decided[0])).toEqual([]);
    expect(ephemeralsSince(m)).toHaveLength(0);
    // The bot's retry is allowed once, with the approval consumed.
    const allowed = await s.post('/v1/authorize', a.ask, 'opsbot');
    expect(allowed.json.outcome).toBe('allow');
    expect((await s.approval(a.id)).status).toBe('consumed');
  });

  it('refuses the initiator (asked in chat, cannot approve it): ephemeral explanation, no decision, nothing audited', async () => {
    const a = await opened();
    await messageTs(a.id);
    const m = s.mark();
    await s.click('U0IVY', 'airlock.approve', a.id);
    expect((await s.approval(a.id)).votes).toHaveLength(0);
    expect(await s.voteRecords(a.id)).toEqual([]);
    const [e, ...more] = ephemeralsSince(m);
    expect(more).toEqual([]);
    expect(e!.args['user']).toBe('U0IVY');
    expect(e!.args['channel']).toBe(APPROVALS);
    expect(refusal(e)).toBe('sod_initiator');
    expect(s.since(m, 'chat.update')).toHaveLength(0);
  });

  it('refuses the bot owner: chatops-prod-changes says @sod("owner")', async () => {
    const a = await opened();
    await messageTs(a.id);
    const m = s.mark();
    await s.click('U0OLIVE', 'airlock.approve', a.id);
    expect(refusal(ephemeralsSince(m)[0])).toBe('sod_owner');
    expect((await s.approval(a.id)).status).toBe('pending');
    expect(await s.voteRecords(a.id)).toEqual([]);
  });

  it('refuses a non-approver and an approver outside the named group', async () => {
    const a = await opened();
    await messageTs(a.id);
    const m = s.mark();
    await s.click('U0CARL', 'airlock.approve', a.id);
    await s.click('U0DORA', 'airlock.approve', a.id);
    expect(ephemeralsSince(m).map((e) => [e.args['user'], refusal(e)])).toEqual([['U0CARL', 'not_approver_role'], ['U0DORA', 'not_in_approvers']]);
    expect((await s.approval(a.id)).status).toBe('pending');
    expect(await s.voteRecords(a.id)).toEqual([]);
  });

  it('refuses an unknown Slack user with an ephemeral explanation', async () => {
    const a = await opened();
    await messageTs(a.id);
    const m = s.mark();
    await s.click('U0NOBODY', 'airlock.approve', a.id);
    expect((await s.approval(a.id)).votes).toHaveLength(0);
    const [e, ...more] = ephemeralsSince(m);
    expect(more).toEqual([]);
    expect(e!.args['user']).toBe('U0NOBODY');
    expect(blocksText(e)).toContain('not linked to an Airlock human');
  });

  it('a user of another workspace is never mapped (the qualified link names one team; the gateway serves one team)', async () => {
    const a = await opened();
    await messageTs(a.id);
    const m = s.mark();
    const res = await s.click('U0ANN', 'airlock.approve', a.id, { team: 'T0OTHER' });
    expect(res.status).toBe(200);
    expect((await s.approval(a.id)).votes).toHaveLength(0);
    expect(s.since(m)).toEqual([]); // not even an ephemeral into a foreign workspace
  });

  it('quorum across two clicks: the first keeps the buttons (1 of 2), the second resolves and removes them', async () => {
    const a = await opened(payment(), 'paybot');
    const ts = await messageTs(a.id);
    expect(blocksText(await s.approvalMessage(a.id))).toContain('2 of Group finance-approvers');
    await s.click('U0FAY', 'airlock.approve', a.id);
    expect((await s.approval(a.id)).status).toBe('pending');
    const first = updatesOf(ts).at(-1)!;
    expect(blocksText(first)).toContain('(1 of 2)');
    expect(buttonsOf(first).map((b) => b.action_id)).toEqual(['airlock.approve', 'airlock.deny']);
    // Fay again: one vote per approver, and no second record.
    const m = s.mark();
    await s.click('U0FAY', 'airlock.approve', a.id);
    expect(refusal(ephemeralsSince(m).at(-1))).toBe('already_voted');
    expect(await s.voteRecords(a.id)).toHaveLength(1);
    // Not enough yet: the bot's retry still waits.
    expect((await s.post('/v1/authorize', a.ask, 'paybot')).json.outcome).toBe('approval_required');
    await s.click('U0GUS', 'airlock.approve', a.id);
    const stored = await s.approval(a.id);
    expect(stored.status).toBe('approved');
    expect(stored.votes.map((v) => v.approver)).toEqual([HUMAN('fay'), HUMAN('gus')]);
    expect((await s.voteRecords(a.id)).map((r) => [r.said['approver'], r.said['decision'], r.said['channel']])).toEqual([
      [HUMAN('fay'), 'approve', 'chat'],
      [HUMAN('gus'), 'approve', 'chat'],
    ]);
    const final = updatesOf(ts).at(-1)!;
    expect(buttonsOf(final)).toEqual([]);
    expect(blocksText(final)).toContain('*Fay*');
    expect(blocksText(final)).toContain('*Gus*');
    expect((await s.post('/v1/authorize', a.ask, 'paybot')).json.outcome).toBe('allow');
  });

  it('deny: the request ends denied, the message and thread say who, a later approve is refused', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    const m = s.mark();
    await s.click('U0SAM', 'airlock.deny', a.id);
    expect((await s.approval(a.id)).status).toBe('denied');
    const last = updatesOf(ts).at(-1)!;
    expect(blocksText(last)).toContain('Denied');
    expect(blocksText(last)).toContain('denied by *Sam*');
    expect(buttonsOf(last)).toEqual([]);
    await until(() => threadSays(m, 'Denied').length > 0, 'thread told');
    await s.drain();
    expect(threadSays(m, 'Denied')).toHaveLength(1);
    await s.click('U0ANN', 'airlock.approve', a.id);
    expect(refusal(ephemeralsSince(m).at(-1))).toBe('not_pending');
    expect((await s.approval(a.id)).votes).toHaveLength(1);
    expect((await s.voteRecords(a.id)).map((r) => [r.said['approver'], r.said['decision']])).toEqual([[HUMAN('sam'), 'deny']]);
    expect((await s.post('/v1/authorize', a.ask, 'opsbot')).json.outcome).not.toBe('allow');
  });

  it('a payload without action_ts / trigger_id is refused (400)', async () => {
    const a = await opened();
    const p = blockActions({ team: TEAM, user: 'U0ANN', actionId: 'airlock.approve', value: a.id, channel: APPROVALS, messageTs: String(await messageTs(a.id)) });
    delete p['trigger_id'];
    const res = await s.deliver(SLACK_INTERACTIONS_PATH, signed(SLACK_SECRET, interactionBody(p), s.nowS()));
    expect(res.status).toBe(400);
    expect((await s.approval(a.id)).votes).toHaveLength(0);
  });

  it('a decision made elsewhere (the API) updates the Slack message through approval.decided', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    const vote = await s.post(`/v1/approvals/${a.id}/approve`, { reason: 'from the CLI' }, 'sam');
    expect(vote.status).toBe(200);
    const last = await until(() => updatesOf(ts).find((c) => blocksText(c).includes('Approved')), 'message updated');
    // "Sam" once the adapter has seen Sam in Slack (earlier clicks), the uid label otherwise.
    expect(blocksText(last)).toMatch(/approved by \*(Sam|Human sam)\* \(api, /);
    expect(buttonsOf(last)).toEqual([]);
  });

  it('two approvers click at once: one decides, the other is told, the message ends final, the thread hears it once', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    const [one, two] = await Promise.all([s.clickRequest('U0ANN', 'airlock.approve', a.id), s.clickRequest('U0SAM', 'airlock.approve', a.id)]);
    const m = s.mark();
    const [r1, r2] = await Promise.all([s.deliver(SLACK_INTERACTIONS_PATH, one), s.deliver(SLACK_INTERACTIONS_PATH, two)]);
    await s.drain();
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const stored = await s.approval(a.id);
    expect(stored.status).toBe('approved');
    expect(stored.votes).toHaveLength(1);
    expect(await s.voteRecords(a.id)).toHaveLength(1);
    const told = ephemeralsSince(m);
    expect(told).toHaveLength(1);
    expect(refusal(told[0])).toMatch(/not_pending|conflict/);
    expect(told[0]!.args['user']).not.toBe(stored.votes[0]!.approver === HUMAN('ann') ? 'U0ANN' : 'U0SAM');
    await until(() => threadSays(m, 'Approved').length > 0, 'thread told');
    await s.drain();
    expect(buttonsOf(updatesOf(ts).at(-1))).toEqual([]);
    expect(threadSays(m, 'Approved')).toHaveLength(1);
  });
});

describe('forged and replayed callbacks (threats.md §3.7)', () => {
  const forge = async (mutate: (r: { body: string; headers: Record<string, string> }) => void) => {
    const a = await opened();
    const req = await s.clickRequest('U0ANN', 'airlock.approve', a.id);
    mutate(req);
    const m = s.mark();
    const res = await s.deliver(SLACK_INTERACTIONS_PATH, req);
    const stored = await s.approval(a.id);
    return { res, votes: stored.votes.length, newCalls: s.since(m).length, records: (await s.voteRecords(a.id)).length };
  };
  const refused = { res: expect.objectContaining({ status: 401 }), votes: 0, newCalls: 0, records: 0 };

  /** `airlock_slack_events_total{type}` as /metrics reports it now. */
  const slackEvents = async (type: string): Promise<number> => {
    const text = await (await fetch(`${s.gw.url}/metrics`, { headers: s.gw.adminHeaders })).text();
    return Number(new RegExp(`^airlock_slack_events_total\\{type="${type}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  };

  it('bad signature → 401, nothing decided, nothing posted; counted in /metrics', async () => {
    const before = await slackEvents('signature_rejected');
    expect(await forge((r) => (r.headers['x-slack-signature'] = `v0=${'0'.repeat(64)}`))).toEqual(refused);
    expect(await slackEvents('signature_rejected')).toBe(before + 1);
  });

  it('a body changed after signing (the clicking user swapped) → 401', async () => {
    expect(await forge((r) => (r.body = r.body.replace('U0ANN', 'U0SAM')))).toEqual(refused);
  });

  it('signed with another secret → 401', async () => {
    expect(await forge((r) => Object.assign(r, signed('another-secret-0123456789', r.body, s.nowS())))).toEqual(refused);
  });

  it('without the signature header → 401', async () => {
    expect(
      await forge((r) => {
        delete r.headers['x-slack-signature'];
      }),
    ).toEqual(refused);
  });

  it('stale timestamp (correctly signed six minutes ago) → 401', async () => {
    expect(await forge((r) => Object.assign(r, signed(SLACK_SECRET, r.body, s.nowS() - 360)))).toEqual(refused);
  });

  it('the same signed payload twice: the second delivery changes nothing', async () => {
    const a = await opened(payment(), 'paybot'); // quorum 2: still pending after the first click
    const first = await s.click('U0FAY', 'airlock.approve', a.id);
    const m = s.mark();
    const again = await s.deliver(SLACK_INTERACTIONS_PATH, first.request);
    expect(again.status).toBe(200);
    expect((await s.approval(a.id)).votes).toHaveLength(1);
    expect(s.since(m)).toEqual([]); // no update, no "already voted" ephemeral: never reached the desk
    // The same click re-signed later (a redelivery with a new timestamp) is still one click.
    s.clock.advance(30_000);
    const resigned = await s.deliver(SLACK_INTERACTIONS_PATH, signed(SLACK_SECRET, first.request.body, s.nowS()));
    expect(resigned.status).toBe(200);
    expect(s.since(m)).toEqual([]);
    expect(await s.voteRecords(a.id)).toHaveLength(1);
  });
});

describe('routes', () => {
  it('the form parser is the Slack routes’ own: a form body elsewhere is refused (415), a JSON body on Slack routes too', async () => {
    const other = await fetch(`${s.gw.url}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${s.keys['opsbot']}` }, body: 'subject=x' });
    expect(other.status).toBe(415);
    const json = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    const unsigned = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' });
    expect(unsigned.status).toBe(401); // reached the adapter; unsigned
  });

  it('answers a click before the Slack work is done (Slack waits 3 s)', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    const req = await s.clickRequest('U0ANN', 'airlock.approve', a.id);
    const m = s.mark();
    // Slack stops answering chat.update: the click is acknowledged all the same.
    const release = s.slack.hold('chat.update');
    try {
      const res = await fetch(`${s.gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: req.headers, body: req.body });
      expect([res.status, await res.text()]).toEqual([200, '']);
      // The update is under way and still unanswered when the acknowledgement arrived.
      const update = await until(() => s.since(m, 'chat.update').find((c) => c.args['ts'] === ts), 'the held update');
      expect(update.result).toBeUndefined();
    } finally {
      release();
    }
    await s.drain();
    expect((await s.approval(a.id)).status).toBe('approved');
  });
});

// Last: it moves the shared clock past every approval opened above.
describe('expiry', () => {
  it('expired: the click is refused and the message loses its buttons', async () => {
    const a = await opened();
    const ts = await messageTs(a.id);
    s.clock.advance(31 * 60_000); // @approval_ttl("30m")
    const m = s.mark();
    await s.click('U0ANN', 'airlock.approve', a.id);
    expect(refusal(ephemeralsSince(m).at(-1))).toBe('expired');
    expect((await s.approval(a.id)).status).toBe('expired');
    expect((await s.approval(a.id)).votes).toHaveLength(0);
    expect(buttonsOf(updatesOf(ts).at(-1))).toEqual([]);
    expect(blocksText(updatesOf(ts).at(-1))).toContain('Expired');
  });
});
