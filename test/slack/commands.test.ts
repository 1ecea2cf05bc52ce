/**
 * `/airlock` slash commands, execution results in the thread and reversal from the thread, over
 * HTTP against the Slack stand-in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_COMMANDS_PATH } from '../../src/integrations/slack/routes.js';
import { signed, slashBody } from '../fixtures/slack/sign.js';
import { APPROVALS, blocksText, buttonsOf, chatRequest, OPS, opsbot, SECRET, startWorld, TEAM, THREAD, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

type Answer = { response_type: string; text: string; blocks: unknown[] };
const answer = (r: { json: () => unknown }) => r.json() as Answer;

describe('/airlock', () => {
  it('pending: what the caller may decide now — nothing for the initiator or a non-approver', async () => {
    const a = await w.ask();
    const alice = answer(await w.slash('U0ALICE', 'pending'));
    expect(alice.response_type).toBe('ephemeral');
    expect(JSON.stringify(alice.blocks)).toContain(a.id);
    expect(JSON.stringify(answer(await w.slash('U0ERIN', 'pending')).blocks)).toContain('Nothing waits');
    expect(JSON.stringify(answer(await w.slash('U0CARL', 'pending')).blocks)).toContain('Nothing waits');
  });

  it('show ID: details for an approver; an unrelated person gets the same answer as an unknown id', async () => {
    const a = await w.ask();
    const shown = answer(await w.slash('U0BOB', `show ${a.id}`));
    expect(JSON.stringify(shown.blocks)).toContain('systemctl restart postgresql');
    expect(JSON.stringify(shown.blocks)).not.toContain('"actions"'); // no buttons outside the approvals channel
    const carl = JSON.stringify(answer(await w.slash('U0CARL', `show ${a.id}`)).blocks);
    const unknown = JSON.stringify(answer(await w.slash('U0CARL', 'show 0000-nope')).blocks);
    expect(carl).toContain('No approval');
    expect(carl.replace(a.id, 'X')).toBe(unknown.replace('0000-nope', 'X'));
    // The initiator may look at what they asked for.
    expect(JSON.stringify(answer(await w.slash('U0ERIN', `show ${a.id}`)).blocks)).toContain('Waiting for approval');
  });

  it('evidence ID: the record for an approver or the initiator, with its proof pointers', async () => {
    w.evidence.add({
      requestId: 'req-42',
      subject: 'Airlock::Bot::"opsbot"',
      action: 'shell.exec',
      resource: 'Host prod-db-1',
      initiator: 'Airlock::Human::"erin"',
      chat: { platform: 'slack', channel: OPS, messageId: '1772445000.000200' },
      outcome: 'allow',
      approvals: [{ id: 'apr-1', status: 'consumed', votes: [{ approver: 'Airlock::Human::"alice"', decision: 'approve', channel: 'chat' }] }],
      execution: { status: 'succeeded' },
      reversal: { available: true },
      records: 5,
      lastHash: 'sha256:0123456789abcdef0123456789abcdef',
    });
    const text = JSON.stringify(answer(await w.slash('U0ERIN', 'evidence req-42')).blocks);
    expect(text).toContain('approve by Human alice (chat)');
    expect(text).toContain('5 audit records');
    expect(JSON.stringify(answer(await w.slash('U0CARL', 'evidence req-42')).blocks)).toContain('No evidence record');
  });

  it('reverse ID: opens a reversal through the pipeline; the asker becomes its initiator and cannot approve it', async () => {
    w.originals.set('req-7', { request: chatRequest(), subject: opsbot });
    const res = answer(await w.slash('U0ALICE', 'reverse req-7'));
    expect(JSON.stringify(res.blocks)).toContain('waits for approval');
    const reversal = (await w.gw.repo.list({ status: 'pending' }))[0]!;
    expect(reversal.request.action.name).toBe('shell.exec.reverse');
    expect(reversal.initiator).toBe('Airlock::Human::"alice"');
    expect(reversal.request.context!['reverses']).toBe('req-7');
    // Posted to the approvals channel like any approval.
    expect(w.slack.of('chat.postMessage').some((c) => c.args['channel'] === APPROVALS && buttonsOf(c).some((b) => b.value === reversal.id))).toBe(true);
    await w.click('U0ALICE', 'airlock.approve', reversal.id);
    expect(blocksText(w.slack.of('chat.postEphemeral').at(-1))).toContain('sod_initiator');
    expect(answer(await w.slash('U0ALICE', 'reverse req-unknown')).text).toContain('No action');
  });

  it('help, usage errors, unknown users, other workspaces', async () => {
    expect(answer(await w.slash('U0ALICE', '')).text).toContain('pending | show ID');
    expect(JSON.stringify(answer(await w.slash('U0ALICE', 'show')).blocks)).toContain('Usage');
    expect(JSON.stringify(answer(await w.slash('U0ALICE', 'show a b')).blocks)).toContain('Usage');
    expect(JSON.stringify(answer(await w.slash('U0NOBODY', 'pending')).blocks)).toContain('not linked');
    expect(JSON.stringify(answer(await w.slash('U0ALICE', 'pending', 'T0OTHER')).blocks)).toContain('not connected');
  });

  it('is signed like interactions: bad signature and stale timestamp → 401; a replay changes nothing', async () => {
    const body = slashBody({ team: TEAM, user: 'U0ALICE', channel: OPS, text: 'pending' });
    const bad = signed('wrong', body, w.nowS());
    expect((await w.post(SLACK_COMMANDS_PATH, bad)).status).toBe(401);
    expect((await w.post(SLACK_COMMANDS_PATH, signed(SECRET, body, w.nowS() - 301))).status).toBe(401);
    const ok = signed(SECRET, body, w.nowS());
    expect((await w.post(SLACK_COMMANDS_PATH, ok)).status).toBe(200);
    const again = await w.post(SLACK_COMMANDS_PATH, ok);
    expect(again.status).toBe(200);
    expect(again.body).toBe('');
  });

  it('acks within the deadline when the work is slow, then follows up with an ephemeral message', async () => {
    const slowHumans = { byChatUser: async () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 300)) };
    await w.close();
    w = await startWorld({ ackDeadlineMs: 50, humans: slowHumans });
    const t0 = performance.now();
    const res = await w.post(SLACK_COMMANDS_PATH, signed(SECRET, slashBody({ team: TEAM, user: 'U0ALICE', channel: OPS, text: 'pending' }), w.nowS()));
    expect(performance.now() - t0).toBeLessThan(250);
    expect(answer(res).text).toContain('Working on it');
    await w.adapter.drain();
    const follow = w.slack.of('chat.postEphemeral').at(-1)!;
    expect(follow.args['user']).toBe('U0ALICE');
    expect(follow.args['channel']).toBe(OPS);
    expect(blocksText(follow)).toContain('not linked');
  });
});

describe('execution result and reversal from the thread', () => {
  it('posts the result in the originating thread with a Reverse button; a click opens the reversal for approval', async () => {
    const request = chatRequest();
    w.originals.set('req-99', { request, subject: opsbot });
    await w.adapter.onExecutionResult({ requestId: 'req-99', request, status: 'succeeded', summary: 'postgresql restarted', reversal: { description: 'restore the previous unit state' } });
    const result = w.slack.of('chat.postMessage').at(-1)!;
    expect(result.args['channel']).toBe(OPS);
    expect(result.args['thread_ts']).toBe(THREAD);
    expect(blocksText(result)).toContain('postgresql restarted');
    expect(buttonsOf(result)).toEqual([expect.objectContaining({ action_id: 'airlock.reverse', value: 'req-99' })]);

    const resultTs = result.result!['ts'] as string;
    await w.click('U0ERIN', 'airlock.reverse', 'req-99', { channel: OPS, messageTs: resultTs, threadTs: THREAD });
    const reversal = (await w.gw.repo.list({ status: 'pending' }))[0]!;
    expect(reversal.initiator).toBe('Airlock::Human::"erin"');
    expect((reversal.request.context!['chat'] as { thread: string }).thread).toBe(THREAD);
    // The thread hears that the reversal waits (no buttons there); the approvals channel gets the buttons.
    const threadNotes = w.slack.of('chat.postMessage').filter((c) => c.args['channel'] === OPS && c.args['thread_ts'] === THREAD);
    expect(threadNotes.some((c) => blocksText(c).includes('asked to reverse'))).toBe(true);
    expect(threadNotes.every((c) => buttonsOf(c).every((b) => b.action_id === 'airlock.reverse'))).toBe(true);
    expect(w.slack.of('chat.postMessage').some((c) => c.args['channel'] === APPROVALS && buttonsOf(c).some((b) => b.value === reversal.id))).toBe(true);
    // Bob approves the reversal.
    await w.click('U0BOB', 'airlock.approve', reversal.id);
    expect((await w.gw.repo.get(reversal.id))!.status).toBe('approved');
  });

  it('no Reverse button when no reversal was recorded; nothing posted for a request not from Slack', async () => {
    const request = chatRequest();
    await w.adapter.onExecutionResult({ requestId: 'req-1', request, status: 'failed', summary: 'exit 1' });
    expect(buttonsOf(w.slack.of('chat.postMessage').at(-1))).toEqual([]);
    const n = w.slack.calls.length;
    const plain = chatRequest();
    delete plain.context!['chat'];
    await w.adapter.onExecutionResult({ requestId: 'req-2', request: plain, status: 'succeeded' });
    expect(w.slack.calls.length).toBe(n);
  });
});
