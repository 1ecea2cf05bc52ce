/**
 * Slack approvals end to end over HTTP: signed callbacks into a real Fastify server, Slack Web API
 * calls into the loopback stand-in, decisions through the real approval rules.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import { blockActions, interactionBody, signed } from '../fixtures/slack/sign.js';
import { APPROVALS, ASKED, blocksText, buttonsOf, chatRequest, OPS, SECRET, startWorld, TEAM, THREAD, TOKEN, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const approvalsPosts = () => w.slack.of('chat.postMessage').filter((c) => c.args['channel'] === APPROVALS);
const threadPosts = () => w.slack.of('chat.postMessage').filter((c) => c.args['channel'] === OPS);
const ephemerals = () => w.slack.of('chat.postEphemeral');

describe('approval.created', () => {
  it('posts what will run, who asked, the policy, the expiry and Approve/Deny carrying only the id', async () => {
    const a = await w.ask();
    const [post] = approvalsPosts();
    expect(post).toBeDefined();
    expect(post!.token).toBe(TOKEN);
    const text = blocksText(post);
    expect(text).toContain('shell.exec');
    expect(text).toContain('Host prod-db-1');
    expect(text).toContain('systemctl restart postgresql'); // the command, literally (rich_text_preformatted)
    expect(text).toContain('Bot opsbot'); // the NHI that will run it
    expect(text).toContain('Human owen'); // its owner
    expect(text).toContain('Human erin'); // the initiator, resolved from the Slack user through links
    expect(text).toContain(`https://acme.slack.com/archives/${OPS}/p${ASKED.replace('.', '')}?thread_ts=${THREAD}&cid=${OPS}|original message`);
    expect(text).toContain('chatops-prod-changes');
    expect(text).toContain('Production changes from chat need an approver');
    expect(text).toContain(`<!date^${Math.floor(Date.parse(a.expiresAt) / 1000)}^`);
    expect(text).toContain('1 of Group sre-approvers');
    expect(buttonsOf(post)).toEqual([
      expect.objectContaining({ action_id: 'airlock.approve', value: a.id, style: 'primary' }),
      expect.objectContaining({ action_id: 'airlock.deny', value: a.id, style: 'danger' }),
    ]);
    expect(typeof post!.args['text']).toBe('string'); // fallback text for notifications
  });

  it('replies in the originating thread that the request waits, without any button', async () => {
    const a = await w.ask();
    const [reply] = threadPosts();
    expect(reply!.args['thread_ts']).toBe(THREAD);
    expect(blocksText(reply)).toContain('Waiting for approval');
    expect(blocksText(reply)).toContain(a.id);
    expect(buttonsOf(reply)).toEqual([]);
    expect(blocksText(reply)).not.toContain('"actions"');
  });

  it('posts for a request from elsewhere only when policy routes it to Slack (@notify("slack"))', async () => {
    const request = chatRequest();
    delete request.context!['chat'];
    await w.ask(request);
    expect(w.slack.calls).toHaveLength(0);
    await w.close();
    w = await startWorld({ notify: ['slack'] });
    await w.ask(request);
    expect(approvalsPosts()).toHaveLength(1);
    expect(threadPosts()).toHaveLength(0); // no thread to answer in
  });

  it('posts once even when approval.created is delivered twice', async () => {
    const a = await w.ask();
    await w.adapter.onApprovalCreated(a);
    expect(approvalsPosts()).toHaveLength(1);
  });

  it('a failing Slack API never throws into the caller', async () => {
    w.slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(w.ask()).resolves.toBeDefined();
    expect(w.errors.map((e) => e.op)).toContain('approval.created');
  });
});

describe('interactions', () => {
  it('an eligible approver approves: vote with channel chat, message updated without buttons, thread told once', async () => {
    const a = await w.ask();
    const res = await w.click('U0ALICE', 'airlock.approve', a.id);
    expect(res.status).toBe(200);
    const stored = await w.gw.repo.get(a.id);
    expect(stored!.status).toBe('approved');
    expect(stored!.votes).toEqual([expect.objectContaining({ approver: 'Airlock::Human::"alice"', decision: 'approve', channel: 'chat' })]);
    const updates = w.slack.of('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const last = updates.at(-1)!;
    expect(last.args['channel']).toBe(APPROVALS);
    expect(last.args['ts']).toBe(approvalsPosts()[0]!.result!['ts']);
    expect(blocksText(last)).toContain('Approved');
    expect(blocksText(last)).toContain('approved by *Alice* (chat');
    expect(buttonsOf(last)).toEqual([]);
    // The click path and the approval.decided event both saw it; the thread hears it once.
    const decided = threadPosts().filter((c) => blocksText(c).includes('Approved'));
    expect(decided).toHaveLength(1);
    expect(decided[0]!.args['thread_ts']).toBe(THREAD);
    expect(buttonsOf(decided[0])).toEqual([]);
    expect(ephemerals()).toHaveLength(0);
  });

  it('refuses the initiator (asked in chat, cannot approve it): ephemeral explanation, no decision', async () => {
    const a = await w.ask();
    await w.click('U0ERIN', 'airlock.approve', a.id);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    const [e] = ephemerals();
    expect(e!.args['user']).toBe('U0ERIN');
    expect(e!.args['channel']).toBe(APPROVALS);
    expect(blocksText(e)).toContain('sod_initiator');
    expect(w.slack.of('chat.update')).toHaveLength(0);
    expect(w.events).toContainEqual(expect.objectContaining({ type: 'vote_refused', code: 'sod_initiator' }));
  });

  it('refuses the bot owner when policy says @sod("owner")', async () => {
    const a = await w.ask(undefined, { approvers: 'Airlock::Group::"sre-approvers"', sod: ['owner'] });
    await w.click('U0OWEN', 'airlock.approve', a.id);
    expect(blocksText(ephemerals()[0])).toContain('sod_owner');
    expect((await w.gw.repo.get(a.id))!.status).toBe('pending');
  });

  it('refuses a non-approver and an approver outside the named group', async () => {
    const a = await w.ask();
    await w.click('U0CARL', 'airlock.approve', a.id);
    await w.click('U0DORA', 'airlock.approve', a.id);
    expect(ephemerals().map((e) => blocksText(e).match(/`(\w+)`\)/)?.[1])).toEqual(['not_approver_role', 'not_in_approvers']);
    expect((await w.gw.repo.get(a.id))!.status).toBe('pending');
  });

  it('refuses an unknown Slack user with an ephemeral explanation', async () => {
    const a = await w.ask();
    await w.click('U0NOBODY', 'airlock.approve', a.id);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    expect(blocksText(ephemerals()[0])).toContain('not linked to an Airlock human');
    expect(w.events).toContainEqual(expect.objectContaining({ type: 'vote_refused', code: 'unknown_user' }));
  });

  it('a user of another workspace is never mapped (the qualified link names one team)', async () => {
    const a = await w.ask();
    await w.click('U0ALICE', 'airlock.approve', a.id, { team: 'T0OTHER' });
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    expect(w.events).toContainEqual({ type: 'foreign_workspace', team: 'T0OTHER' });
  });

  it('quorum across two clicks: the first keeps the buttons (1 of 2), the second resolves and removes them', async () => {
    const a = await w.ask(undefined, { approvers: 'Airlock::Group::"sre-approvers"', quorum: 2 });
    await w.click('U0ALICE', 'airlock.approve', a.id);
    expect((await w.gw.repo.get(a.id))!.status).toBe('pending');
    const first = w.slack.of('chat.update').at(-1)!;
    expect(blocksText(first)).toContain('(1 of 2)');
    expect(buttonsOf(first).map((b) => b.action_id)).toEqual(['airlock.approve', 'airlock.deny']);
    // Alice again: one vote per approver.
    await w.click('U0ALICE', 'airlock.approve', a.id);
    expect(blocksText(ephemerals().at(-1))).toContain('already_voted');
    await w.click('U0BOB', 'airlock.approve', a.id);
    const stored = (await w.gw.repo.get(a.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.votes.map((v) => v.approver)).toEqual(['Airlock::Human::"alice"', 'Airlock::Human::"bob"']);
    const final = w.slack.of('chat.update').at(-1)!;
    expect(buttonsOf(final)).toEqual([]);
    expect(blocksText(final)).toContain('*Alice*');
    expect(blocksText(final)).toContain('*Bob*');
  });

  it('deny: the request ends denied, the message and thread say who, a later approve is refused', async () => {
    const a = await w.ask();
    await w.click('U0BOB', 'airlock.deny', a.id);
    expect((await w.gw.repo.get(a.id))!.status).toBe('denied');
    const last = w.slack.of('chat.update').at(-1)!;
    expect(blocksText(last)).toContain('Denied');
    expect(blocksText(last)).toContain('denied by *Bob*');
    expect(buttonsOf(last)).toEqual([]);
    expect(threadPosts().filter((c) => blocksText(c).includes('Denied'))).toHaveLength(1);
    await w.click('U0ALICE', 'airlock.approve', a.id);
    expect(blocksText(ephemerals().at(-1))).toContain('not_pending');
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(1);
  });

  it('expired: the click is refused and the message loses its buttons', async () => {
    const a = await w.ask();
    w.clock.advance(2 * 3_600_000);
    await w.click('U0ALICE', 'airlock.approve', a.id);
    expect(blocksText(ephemerals().at(-1))).toContain('expired');
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    const last = w.slack.of('chat.update').at(-1)!;
    expect(buttonsOf(last)).toEqual([]);
  });

  it('two approvers click at once: one decides, the other is told, the message ends final, the thread hears it once', async () => {
    const a = await w.ask();
    const ts = approvalsPosts()[0]!.result!['ts'] as string;
    const mk = (user: string) => signed(SECRET, interactionBody(blockActions({ team: TEAM, user, actionId: 'airlock.approve', value: a.id, channel: APPROVALS, messageTs: ts })), w.nowS());
    const [r1, r2] = await Promise.all([w.post(SLACK_INTERACTIONS_PATH, mk('U0ALICE')), w.post(SLACK_INTERACTIONS_PATH, mk('U0BOB'))]);
    await w.adapter.drain();
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const stored = (await w.gw.repo.get(a.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.votes).toHaveLength(1);
    expect(ephemerals()).toHaveLength(1);
    expect(blocksText(ephemerals()[0])).toMatch(/not_pending|conflict/);
    expect(buttonsOf(w.slack.of('chat.update').at(-1))).toEqual([]);
    expect(threadPosts().filter((c) => blocksText(c).includes('Approved'))).toHaveLength(1);
  });

  it('a payload without action_ts / trigger_id is refused (400)', async () => {
    const a = await w.ask();
    const p = blockActions({ team: TEAM, user: 'U0ALICE', actionId: 'airlock.approve', value: a.id, channel: APPROVALS, messageTs: '1.2' });
    delete p['trigger_id'];
    const res = await w.post(SLACK_INTERACTIONS_PATH, signed(SECRET, interactionBody(p), w.nowS()));
    expect(res.status).toBe(400);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
  });

  it('a decision made elsewhere (API, CLI) updates the Slack message through approval.decided', async () => {
    const a = await w.ask();
    await w.gw.repo.recordVote(a.id, { approver: 'Airlock::Human::"bob"', decision: 'approve', reason: 'cli', channel: 'cli', at: new Date(w.clock.now()).toISOString() }, { status: 'approved', decidedAt: new Date(w.clock.now()).toISOString() }, new Date(w.clock.now()).toISOString());
    await w.adapter.onApprovalDecided((await w.gw.repo.get(a.id))!);
    const last = w.slack.of('chat.update').at(-1)!;
    expect(blocksText(last)).toContain('approved by *Human bob* (cli');
    expect(buttonsOf(last)).toEqual([]);
  });
});

describe('forged and replayed callbacks (threats.md §3.7)', () => {
  const forge = async (mutate: (r: { body: string; headers: Record<string, string> }) => void) => {
    const a = await w.ask();
    const ts = (approvalsPosts()[0]!.result!['ts'] as string);
    const req = signed(SECRET, interactionBody(blockActions({ team: TEAM, user: 'U0ALICE', actionId: 'airlock.approve', value: a.id, channel: APPROVALS, messageTs: ts })), w.nowS());
    mutate(req);
    const callsBefore = w.slack.calls.length;
    const res = await w.post(SLACK_INTERACTIONS_PATH, req);
    await w.adapter.drain();
    return { res, a, newCalls: w.slack.calls.length - callsBefore };
  };

  it('bad signature → 401, nothing decided, nothing posted', async () => {
    const { res, a, newCalls } = await forge((r) => (r.headers['x-slack-signature'] = `v0=${'0'.repeat(64)}`));
    expect(res.status).toBe(401);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    expect(newCalls).toBe(0);
    expect(w.events).toContainEqual({ type: 'signature_rejected', route: 'interactions', reason: 'mismatch' });
  });

  it('a body changed after signing (approval id swapped) → 401', async () => {
    const { res, a } = await forge((r) => (r.body = r.body.replace('U0ALICE', 'U0BOB')));
    expect(res.status).toBe(401);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
  });

  it('signed with another secret → 401', async () => {
    const { res } = await forge((r) => Object.assign(r, signed('another-secret', r.body, w.nowS())));
    expect(res.status).toBe(401);
  });

  it('without the signature header → 401', async () => {
    const { res } = await forge((r) => {
      delete r.headers['x-slack-signature'];
    });
    expect(res.status).toBe(401);
    expect(w.events).toContainEqual({ type: 'signature_rejected', route: 'interactions', reason: 'missing' });
  });

  it('stale timestamp (correctly signed six minutes ago) → 401', async () => {
    const { res, a } = await forge((r) => Object.assign(r, signed(SECRET, r.body, w.nowS() - 360)));
    expect(res.status).toBe(401);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(0);
    expect(w.events).toContainEqual({ type: 'signature_rejected', route: 'interactions', reason: 'stale' });
  });

  it('the same signed payload twice: the second delivery changes nothing', async () => {
    const a = await w.ask(undefined, { approvers: 'Airlock::Group::"sre-approvers"', quorum: 2 });
    const first = await w.click('U0ALICE', 'airlock.approve', a.id);
    const calls = w.slack.calls.length;
    const again = await w.post(SLACK_INTERACTIONS_PATH, first.request);
    await w.adapter.drain();
    expect(again.status).toBe(200);
    expect((await w.gw.repo.get(a.id))!.votes).toHaveLength(1);
    expect(w.slack.calls.length).toBe(calls); // no update, no ephemeral
    expect(w.events).toContainEqual({ type: 'replay_ignored', route: 'interactions' });
    // The same click re-signed later (a redelivery with a new timestamp) is still one click.
    w.clock.advance(30_000);
    const resigned = await w.post(SLACK_INTERACTIONS_PATH, signed(SECRET, first.request.body, w.nowS()));
    await w.adapter.drain();
    expect(resigned.status).toBe(200);
    expect(w.slack.calls.length).toBe(calls);
  });
});

describe('routes', () => {
  it('refuse a JSON body and leave other routes without the form parser (encapsulated)', async () => {
    const res = await fetch(`${w.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
    await w.app.close();
    // A fresh app: the Slack plugin plus a sibling route; form bodies reach only the Slack routes.
    const { default: Fastify } = await import('fastify');
    const { registerSlackRoutes } = await import('../../src/integrations/slack/routes.js');
    const app = Fastify();
    await registerSlackRoutes(app, w.adapter);
    app.post('/v1/other', async () => ({ ok: true }));
    const other = await app.inject({ method: 'POST', url: '/v1/other', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
    expect(other.statusCode).toBe(415);
    const slack = await app.inject({ method: 'POST', url: SLACK_INTERACTIONS_PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'payload=%7B%7D' });
    expect(slack.statusCode).toBe(401); // reached the adapter; unsigned
    await app.close();
  });

  it('answers before slow work finishes (Slack waits 3 s)', async () => {
    await w.close();
    w = await startWorld();
    const a = await w.ask();
    // Make Slack slow: the click must still be acknowledged at once.
    const ts = approvalsPosts()[0]!.result!['ts'] as string;
    const req = signed(SECRET, interactionBody(blockActions({ team: TEAM, user: 'U0ALICE', actionId: 'airlock.approve', value: a.id, channel: APPROVALS, messageTs: ts })), w.nowS());
    const t0 = performance.now();
    const res = await w.post(SLACK_INTERACTIONS_PATH, req);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(performance.now() - t0).toBeLessThan(1000);
    await w.adapter.drain();
    expect((await w.gw.repo.get(a.id))!.status).toBe('approved');
  });
});
