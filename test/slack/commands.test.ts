/**
 * `/airlock` slash commands, execution results in the thread and reversal from the thread, against
 * the real runtime: approvals and evidence come from `POST /v1/authorize`, votes and
 * `POST /v1/executions` (the example bundle's chatops policies), reversals go through the gateway.
 * One gateway for the file; each test opens its own requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../src/integrations/slack/adapter.js';
import { SLACK_COMMANDS_PATH } from '../../src/integrations/slack/routes.js';
import { signed, slashBody } from '../fixtures/slack/sign.js';
import { startSlackStandIn } from '../fixtures/slack/stand-in.js';
import { APPROVALS, blocksText, buttonsOf, OPS, SLACK_SECRET, startSlackGateway, TEAM, THREAD, until, type SlackGateway } from '../helpers/slack-gateway.js';

let s: SlackGateway;

beforeAll(async () => {
  s = await startSlackGateway();
  await s.human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']); // owns the bots (@sod("owner"))
  await s.human('ivy', 'U0IVY', ['approver'], ['sre-approvers']); // asks in chat: the initiator
  await s.human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
  await s.human('carl', 'U0CARL', [], []);
  await s.nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
  await s.nhi('runner', 'agent', 'olive', ['operators']);
});

afterAll(async () => {
  await s?.close();
});

const blocks = (r: { json: { blocks?: unknown[] } }) => JSON.stringify(r.json.blocks ?? []);
const RELOAD = { subject: { type: 'Bot', id: 'opsbot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'systemctl reload nginx' } };

/** A chat request approved in Slack by sam, retried (allow, grant), executed with `report`. */
async function executed(report: Record<string, unknown>, note: string) {
  const a = await s.open(s.chatAsk({ context: { command: `systemctl restart nginx # ${note}` } }));
  await s.click('U0SAM', 'airlock.approve', a.id);
  const allowed = await s.post('/v1/authorize', a.ask, 'opsbot');
  expect(allowed.json.outcome).toBe('allow');
  const recorded = await s.post('/v1/executions', { grant: allowed.json.grant, ...report }, 'opsbot');
  expect(recorded.json.recorded).toBe(true);
  return { approvalId: a.id, requestId: allowed.json.requestId as string, ask: a.ask };
}

/** The approval a reversal of `requestId` opened, found through its `reversal.requested` audit record. */
async function reversalOf(requestId: string) {
  const found = (await s.gw.runtime.store.audit.find({ requestId })).filter((r) => r.kind === 'reversal.requested');
  expect(found).toHaveLength(1);
  const said = JSON.parse(found[0]!.recordText) as { reversalRequestId: string; outcome: string; by: string };
  const approval = (await s.gw.runtime.approvals.list({})).find((x) => x.openedBy === said.reversalRequestId);
  expect(approval).toBeDefined();
  return { said, approval: approval! };
}

describe('/airlock', () => {
  it('pending: what the caller may decide now — nothing for the initiator, the owner (SoD) or a non-approver', async () => {
    const a = await s.open();
    const sam = await s.slash('U0SAM', 'pending');
    expect(sam.json.response_type).toBe('ephemeral');
    expect(blocks(sam)).toContain(a.id);
    expect(blocks(await s.slash('U0IVY', 'pending'))).not.toContain(a.id);
    expect(blocks(await s.slash('U0OLIVE', 'pending'))).not.toContain(a.id);
    expect(blocks(await s.slash('U0CARL', 'pending'))).toContain('Nothing waits');
  });

  it('show ID: details for an approver; an unrelated person gets the same answer as an unknown id', async () => {
    const a = await s.open();
    const shown = blocks(await s.slash('U0SAM', `show ${a.id}`));
    expect(shown).toContain('systemctl restart nginx');
    expect(shown).toContain(a.actionHash);
    expect(shown).not.toContain('"actions"'); // no buttons outside the approvals channel
    const carl = blocks(await s.slash('U0CARL', `show ${a.id}`));
    const unknown = blocks(await s.slash('U0CARL', 'show 0000-nope'));
    expect(carl).toContain('No approval');
    expect(carl.replace(a.id, 'X')).toBe(unknown.replace('0000-nope', 'X'));
    // The initiator may look at what they asked for.
    expect(blocks(await s.slash('U0IVY', `show ${a.id}`))).toContain('Waiting for approval');
  });

  it('evidence ID: the audit record of an executed action for an approver or the initiator, with its proof pointers', async () => {
    const x = await executed({ status: 'succeeded' }, 'evidence');
    const api = await s.get(`/v1/evidence/${x.requestId}`, 'sam');
    expect(api.status).toBe(200);
    const records = api.json.records as { hash: string }[];
    const text = blocks(await s.slash('U0IVY', `evidence ${x.requestId}`));
    expect(text).toContain(x.requestId);
    expect(text).toContain('*Initiator* Human ivy');
    expect(text).toContain(`${x.approvalId}\` consumed — approve by Human sam (chat)`);
    expect(text).toContain('*Execution* succeeded');
    expect(text).toContain(`${records.length} audit records`);
    expect(text).toContain(records.at(-1)!.hash.slice(0, 23));
    // By approval id too; a person with no part in it sees what an unknown id shows.
    expect(blocks(await s.slash('U0SAM', `evidence ${x.approvalId}`))).toContain(x.requestId);
    expect(blocks(await s.slash('U0CARL', `evidence ${x.requestId}`))).toContain('No evidence record');
    expect(blocks(await s.slash('U0CARL', 'evidence 0000-nope'))).toContain('No evidence record');
  });

  it('reverse ID: opens the recorded reversal through the gateway; the asker becomes its initiator and cannot approve it', async () => {
    const x = await executed({ status: 'succeeded', reversal: RELOAD }, 'reverse by command');
    const m = s.mark();
    const res = await s.slash('U0SAM', `reverse ${x.requestId}`);
    expect(blocks(res)).toContain('waits for approval');
    const { said, approval } = await reversalOf(x.requestId);
    expect(said).toMatchObject({ outcome: 'approval_required', by: 'Airlock::Human::"sam"' });
    expect(approval.status).toBe('pending');
    expect(approval.caller).toMatchObject({ type: 'integration', id: 'slack' });
    expect(approval.request.context!['command']).toBe('systemctl reload nginx');
    expect(approval.initiator).toBe('Airlock::Human::"sam"');
    expect(approval.policyIds).toEqual(['chatops-prod-changes']);
    // Posted to the approvals channel like any approval.
    const msg = await s.approvalMessage(approval.id);
    expect(s.since(m, 'chat.postMessage')).toContain(msg);
    expect(buttonsOf(msg).map((b) => b.value)).toEqual([approval.id, approval.id]);
    const click = s.mark();
    await s.click('U0SAM', 'airlock.approve', approval.id);
    expect(blocksText(s.since(click, 'chat.postEphemeral').at(-1))).toContain('sod_initiator');
    expect((await s.approval(approval.id)).votes).toHaveLength(0);
    expect((await s.slash('U0SAM', 'reverse 0000-unknown')).json.text).toContain('No action');
  });

  it('reverse ID of an action with no recorded reversal opens nothing', async () => {
    const x = await executed({ status: 'succeeded' }, 'not reversible');
    const before = (await s.gw.runtime.approvals.list({ status: 'pending' })).length;
    const res = await s.slash('U0SAM', `reverse ${x.requestId}`);
    expect(JSON.stringify(res.json)).toContain('no reversal was recorded');
    expect((await s.gw.runtime.approvals.list({ status: 'pending' })).length).toBe(before);
  });

  it('help, usage errors, unknown users, other workspaces', async () => {
    expect((await s.slash('U0SAM', '')).json.text).toContain('pending | show ID');
    expect(blocks(await s.slash('U0SAM', 'show'))).toContain('Usage');
    expect(blocks(await s.slash('U0SAM', 'show a b'))).toContain('Usage');
    expect(blocks(await s.slash('U0NOBODY', 'pending'))).toContain('not linked');
    expect(blocks(await s.slash('U0SAM', 'pending', 'T0OTHER'))).toContain('not connected');
  });

  it('is signed like interactions: bad signature and stale timestamp → 401; a replay changes nothing', async () => {
    const body = slashBody({ team: TEAM, user: 'U0SAM', channel: OPS, text: 'pending' });
    expect((await s.deliver(SLACK_COMMANDS_PATH, signed('wrong-secret-0123456789', body, s.nowS()))).status).toBe(401);
    expect((await s.deliver(SLACK_COMMANDS_PATH, signed(SLACK_SECRET, body, s.nowS() - 301))).status).toBe(401);
    const ok = signed(SLACK_SECRET, body, s.nowS());
    const first = await s.deliver(SLACK_COMMANDS_PATH, ok);
    expect(first.status).toBe(200);
    expect(first.body).not.toBe('');
    const again = await s.deliver(SLACK_COMMANDS_PATH, ok);
    expect([again.status, again.body]).toEqual([200, '']);
  });
});

describe('the slash-command deadline (adapter logic, no gateway decision involved)', () => {
  it('acks within the deadline when the work is slow, then follows up with an ephemeral message', async () => {
    const slack = await startSlackStandIn({ token: 'xoxb-deadline' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The lookup of the Slack user waits until the acknowledgement is in: slow work, no timer.
    const humans = { byChatUser: async () => held.then(() => undefined) };
    const unused = () => Promise.reject(new Error('no approval is read for an unknown user'));
    const adapter = createSlackAdapter({ signingSecret: SLACK_SECRET, botToken: 'xoxb-deadline', approvalsChannel: APPROVALS, apiUrl: slack.apiUrl, teamId: TEAM, desk: { get: unused, vote: unused, pendingFor: unused }, humans, ackDeadlineMs: 50, retries: 0 });
    try {
      const req = signed(SLACK_SECRET, slashBody({ team: TEAM, user: 'U0SAM', channel: OPS, text: 'pending' }), Math.floor(Date.now() / 1000));
      const res = await adapter.handleSlashCommand(req.body, req.headers);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res)).toContain('Working on it');
      expect(slack.calls).toEqual([]);
      release();
      await adapter.drain();
      const [follow, ...more] = slack.of('chat.postEphemeral');
      expect(more).toEqual([]);
      expect(follow!.args['user']).toBe('U0SAM');
      expect(follow!.args['channel']).toBe(OPS);
      expect(blocksText(follow)).toContain('not linked');
    } finally {
      release();
      await slack.close();
    }
  });
});

describe('execution result and reversal from the thread', () => {
  it('posts the result in the originating thread with a Reverse button; a click opens the reversal for approval', async () => {
    const x = await executed({ status: 'succeeded', reversal: RELOAD }, 'reverse from thread');
    const result = await until(() => s.posts(OPS).find((c) => blocksText(c).includes(x.requestId) && blocksText(c).includes('airlock.reverse')), 'result with Reverse button');
    expect(result.args['thread_ts']).toBe(THREAD);
    expect(blocksText(result)).toContain('shell.exec on Host web-1'); // the recorded reversal, described
    expect(buttonsOf(result)).toEqual([expect.objectContaining({ action_id: 'airlock.reverse', value: x.requestId })]);

    const m = s.mark();
    await s.click('U0IVY', 'airlock.reverse', x.requestId, { channel: OPS, messageTs: String(result.result!['ts']), threadTs: THREAD });
    const { approval } = await reversalOf(x.requestId);
    expect(approval.initiator).toBe('Airlock::Human::"ivy"');
    expect((approval.request.context!['chat'] as { thread: string }).thread).toBe(THREAD);
    // The thread hears that the reversal waits (no buttons there); the approvals channel gets the buttons.
    await s.approvalMessage(approval.id);
    await until(() => s.since(m, 'chat.postMessage').some((c) => c.args['channel'] === OPS && blocksText(c).includes('asked to reverse')), 'thread told');
    const threadNotes = s.since(m, 'chat.postMessage').filter((c) => c.args['channel'] === OPS && c.args['thread_ts'] === THREAD);
    expect(threadNotes.every((c) => buttonsOf(c).length === 0)).toBe(true);
    expect(s.since(m, 'chat.postMessage').some((c) => c.args['channel'] === APPROVALS && buttonsOf(c).some((b) => b.value === approval.id))).toBe(true);
    // Sam approves the reversal; the bot's run of it is then allowed.
    await s.click('U0SAM', 'airlock.approve', approval.id);
    expect((await s.approval(approval.id)).status).toBe('approved');
  });

  it('no Reverse button when no reversal was recorded; nothing posted for a request not from Slack', async () => {
    const x = await executed({ status: 'failed', error: 'exit 1' }, 'fails');
    const result = await until(() => s.posts(OPS).find((c) => blocksText(c).includes(x.requestId)), 'result in the thread');
    expect(blocksText(result)).toContain('exit 1');
    expect(buttonsOf(result)).toEqual([]);
    // An allowed request from outside chat (an operator agent on a staging host), executed.
    const plain = await s.post('/v1/authorize', { subject: { type: 'Agent', id: 'runner' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'build-1' }, context: { environment: 'staging', command: 'make test' } }, 'runner');
    expect(plain.json.outcome).toBe('allow');
    const m = s.mark();
    expect((await s.post('/v1/executions', { grant: plain.json.grant, status: 'succeeded' }, 'runner')).json.recorded).toBe(true);
    // A Slack-originated execution after it: once its result is posted, the plain one has posted nothing.
    const later = await executed({ status: 'succeeded' }, 'sentinel');
    await until(() => s.posts(OPS).some((c) => blocksText(c).includes(later.requestId) && c.args['thread_ts'] === THREAD), 'sentinel result');
    expect(s.since(m).filter((c) => blocksText(c).includes(plain.json.requestId))).toEqual([]);
  });
});
