/**
 * Chat-native execution end to end (issue 8): the real gateway (Fastify on loopback, SQLite, the
 * example bundle) with `config.slack` pointing at the loopback Slack Web API stand-in, and signed
 * Slack interaction/slash payloads built here and posted like Slack would. Requests come from a
 * registry bot NHI (`opsbot`, in `chatops-bots`) with its own API key; approvers are registry
 * Humans linked to Slack users through `links.slack`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestMessage } from '../../src/integrations/chat/provenance.js';
import { SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import { blockActions, interactionBody, signed, slashBody, type SignedRequest } from '../fixtures/slack/sign.js';
import { startSlackStandIn, type SlackCall, type SlackStandIn } from '../fixtures/slack/stand-in.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };
const SECRET = 'chat-e2e-signing-secret-0123456789';
const TOKEN = 'xoxb-chat-e2e-token';
const TEAM = 'T0ACME';
const APPROVALS = 'C0APPROVALS';
const OPS = 'C0OPS';
const THREAD = '1772445000.000100';

let slack: SlackStandIn;
let gw: StartedGateway;
let nowMs = Date.parse('2026-03-02T10:00:00.000Z');
const keys: Record<string, string> = {};
let asked = 0;

const nowS = () => Math.floor(nowMs / 1000);
const auth = (who: string) => ({ authorization: `Bearer ${keys[who]}` });
const post = (path: string, body: unknown, who: string) => postJson(`${gw.url}${path}`, body, auth(who));
const drain = () => gw.runtime.slack!.drain();
const blocksText = (c: SlackCall | undefined) => JSON.stringify(c?.args['blocks'] ?? []);
const buttonsOf = (c: SlackCall | undefined): { action_id: string; value: string }[] =>
  ((c?.args['blocks'] as { type: string; elements?: { type: string; action_id: string; value: string }[] }[] | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).filter((e) => e.type === 'button'));
const posts = (channel: string) => slack.of('chat.postMessage').filter((c) => c.args['channel'] === channel);
const ephemeralsTo = (user: string) => slack.of('chat.postEphemeral').filter((c) => c.args['user'] === user);

/** Waits until `probe` returns something truthy (Slack calls happen after the HTTP answer). */
async function until<T>(probe: () => T | undefined | false, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function human(id: string, slackUser: string | undefined, roles: string[], groups: string[]) {
  const r = await gw.runtime.identities.createHuman({ id, displayName: id[0]!.toUpperCase() + id.slice(1), groups, roles: roles as never, links: slackUser ? { slack: slackUser } : {}, key: true }, SYSTEM);
  keys[id] = r.value.key!.key;
}
async function nhi(id: string, kind: string, owner: string, groups: string[], attributes: Record<string, unknown> = {}) {
  const r = await gw.runtime.identities.createNhi({ id, kind, owner, groups, environments: ['production'], purpose: 'chat tests', attributes, key: true } as never, SYSTEM);
  keys[id] = r.value.key!.key;
}

/** What the chat bot sends: a Slack message turned into an action, with its provenance. */
function chatAsk(over: { subject?: { type: string; id: string }; action?: string; resource?: { type: string; id: string }; context?: Record<string, unknown>; user?: string; text?: string } = {}) {
  asked += 1;
  const messageId = `1772445000.${String(200 + asked).padStart(6, '0')}`;
  return {
    subject: over.subject ?? { type: 'Bot', id: 'opsbot' },
    action: { name: over.action ?? 'shell.exec' },
    resource: over.resource ?? { type: 'Host', id: 'web-1' },
    context: {
      environment: 'production',
      ...(over.action === undefined || over.action === 'shell.exec' ? { command: 'systemctl restart nginx' } : {}),
      chat: { platform: 'slack', workspace: TEAM, channel: OPS, thread: THREAD, user: over.user ?? 'U0IVY', messageId, messageDigest: digestMessage(over.text ?? `@opsbot restart nginx on web-1 (${asked})`) },
      ...over.context,
    },
  };
}

/** The approvals-channel message posted for an approval id. */
const approvalMessage = (id: string) => until(() => posts(APPROVALS).find((c) => buttonsOf(c).some((b) => b.value === id) || blocksText(c).includes(id)), `approval message for ${id}`);

function click(user: string, action: 'airlock.approve' | 'airlock.deny' | 'airlock.reverse', value: string, at: { channel: string; messageTs: string; threadTs?: string }, secret = SECRET, timestampS = nowS()): SignedRequest {
  const payload = blockActions({ team: TEAM, user, actionId: action, value, channel: at.channel, messageTs: at.messageTs, ...(at.threadTs ? { threadTs: at.threadTs } : {}) });
  return signed(secret, interactionBody(payload), timestampS);
}
async function deliver(path: string, req: SignedRequest) {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: req.headers, body: req.body });
  const body = await res.text();
  await drain();
  return { status: res.status, body };
}
async function clickApproval(user: string, action: 'airlock.approve' | 'airlock.deny', id: string) {
  const msg = await approvalMessage(id);
  return deliver(SLACK_INTERACTIONS_PATH, click(user, action, id, { channel: APPROVALS, messageTs: String(msg.result!['ts']) }));
}
async function slash(user: string, text: string) {
  const res = await deliver(SLACK_COMMANDS_PATH, signed(SECRET, slashBody({ team: TEAM, user, channel: OPS, text }), nowS()));
  return { ...res, json: JSON.parse(res.body || '{}') as { text?: string; blocks?: unknown[] } };
}
const approval = async (id: string) => (await fetch(`${gw.url}/v1/approvals/${id}`, { headers: auth('sam') }).then((r) => r.json())) as { status: string; votes: { approver: string; channel: string }[]; initiator?: string };

beforeAll(async () => {
  slack = await startSlackStandIn({ token: TOKEN });
  gw = await startGateway({
    policies: 'policies/example',
    clock: { now: () => nowMs },
    config: { slack: { signingSecret: SECRET, botToken: TOKEN, approvalsChannel: APPROVALS, apiUrl: slack.apiUrl, teamId: TEAM, workspaceUrl: 'https://acme.slack.com' } },
  });
  await human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']); // owner of the bots (@sod owner)
  await human('ivy', 'U0IVY', ['approver'], ['sre-approvers']); // asks in chat: the initiator
  await human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
  await human('sue', `${TEAM}/U0SUE`, ['approver'], ['sre-approvers']); // workspace-qualified link
  await human('nina', 'U0NINA', [], ['sre-approvers']); // in the group, without the approver role
  await human('fay', 'U0FAY', ['approver'], ['finance-approvers']);
  await human('fred', 'U0FRED', ['approver'], ['finance-approvers']);
  await nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
  await nhi('paybot', 'bot', 'olive', ['chatops-bots', 'payment-agents']);
  await nhi('teambot', 'bot', 'olive', ['chatops-bots'], { shared: true });
  await nhi('ci-job', 'service_account', 'olive', ['chatops-bots']);
  await nhi('release-bot', 'agent', 'olive', ['deployers']);
});

afterAll(async () => {
  await gw?.close();
  await slack?.close();
});

describe('chat provenance and the binding rule', () => {
  it('a Human subject with context.chat is denied chat_requires_nhi (the chat user never acts with their own rights)', async () => {
    const r = await post('/v1/authorize', chatAsk({ subject: { type: 'Human', id: 'ivy' }, action: 'file.read', resource: { type: 'File', id: 'readme' } }), 'ivy');
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe('deny');
    expect(r.json.reasons.map((x: { code: string }) => x.code)).toEqual(['chat_requires_nhi']);
  });

  it('a shared bot, a service account and an unregistered static bot are denied chat_requires_nhi too', async () => {
    for (const id of ['teambot', 'ci-job']) {
      const type = id === 'ci-job' ? 'ServiceAccount' : 'Bot';
      const r = await post('/v1/authorize', chatAsk({ subject: { type, id }, action: 'file.read', resource: { type: 'File', id: 'readme' } }), id);
      expect([id, r.json.reasons[0].code]).toEqual([id, 'chat_requires_nhi']);
    }
    // `slack-bot` is a static entity of the example bundle, not a registered NHI with an owner (embedded call).
    const embedded = await gw.runtime.gateway.authorize(chatAsk({ subject: { type: 'Bot', id: 'slack-bot' }, action: 'file.read', resource: { type: 'File', id: 'readme' } }));
    expect(embedded.reasons.map((x) => x.code)).toEqual(['chat_requires_nhi']);
  });

  it('a malformed context.chat is denied chat_context_invalid', async () => {
    const req = chatAsk({ action: 'file.read', resource: { type: 'File', id: 'readme' } });
    (req.context.chat as Record<string, unknown>)['extra'] = 'x';
    const r = await post('/v1/authorize', req, 'opsbot');
    expect(r.json.reasons[0].code).toBe('chat_context_invalid');
  });

  it('the bot reads freely; the initiator comes from the Slack link, never from what the bot claims', async () => {
    // A bot never names who asked it: a claimed initiator is refused outright.
    const claimed = await post('/v1/authorize', chatAsk({ action: 'file.read', resource: { type: 'File', id: 'readme' }, context: { initiator: { type: 'Human', id: 'sam' } } }), 'opsbot');
    expect([claimed.status, claimed.json.error.code]).toEqual([400, 'ERR_CONTEXT_RESERVED']);
    const r = await post('/v1/authorize', chatAsk({ action: 'file.read', resource: { type: 'File', id: 'readme' } }), 'opsbot');
    expect(r.json.outcome).toBe('allow');
    const ev = await fetch(`${gw.url}/v1/evidence/${r.json.requestId}`, { headers: auth('sam') }).then((x) => x.json() as Promise<any>);
    expect(ev.initiator).toEqual({ type: 'Human', id: 'ivy' });
    expect(ev.chat).toMatchObject({ platform: 'slack', user: 'U0IVY', channel: OPS });
  });

  it('an unknown Slack user resolves to no Human, and the example policy refuses the request', async () => {
    const r = await post('/v1/authorize', chatAsk({ action: 'file.read', resource: { type: 'File', id: 'readme' }, user: 'U0GHOST' }), 'opsbot');
    expect(r.json.outcome).toBe('deny');
    expect(r.json.reasons.map((x: { policyId?: string }) => x.policyId)).toContain('chatops-needs-known-initiator');
  });

  it('never secrets', async () => {
    const r = await post('/v1/authorize', chatAsk({ action: 'secret.read', resource: { type: 'Secret', id: 'staging-db-password' } }), 'opsbot');
    expect(r.json.outcome).toBe('deny');
  });
});

describe('Slack approvals through the real gateway', () => {
  let first: { id: string; requestId: string; request: ReturnType<typeof chatAsk> };

  it('approval.created: posts what will run, who asked, policy, expiry and Approve/Deny to the approvals channel; the thread only hears it waits', async () => {
    const request = chatAsk();
    const r = await post('/v1/authorize', request, 'opsbot');
    expect(r.json.outcome).toBe('approval_required');
    first = { id: r.json.approval.id, requestId: r.json.requestId, request };
    const msg = await approvalMessage(first.id);
    expect(msg.token).toBe(TOKEN);
    const text = blocksText(msg);
    expect(text).toContain('shell.exec');
    expect(text).toContain('Host web-1');
    expect(text).toContain('systemctl restart nginx');
    expect(text).toContain('Bot opsbot');
    expect(text).toContain('Human olive'); // the owner
    expect(text).toContain('Human ivy'); // the initiator, resolved from U0IVY
    expect(text).toContain(`https://acme.slack.com/archives/${OPS}/p${request.context.chat.messageId.replace('.', '')}`);
    expect(text).toContain('chatops-prod-changes');
    expect(text).toContain('Production changes from chat need an SRE approval');
    expect(text).toContain(`<!date^${Math.floor(Date.parse(r.json.approval.expiresAt) / 1000)}^`);
    expect(text).toMatch(/Risk/);
    expect(buttonsOf(msg)).toEqual([expect.objectContaining({ action_id: 'airlock.approve', value: first.id }), expect.objectContaining({ action_id: 'airlock.deny', value: first.id })]);
    const waiting = await until(() => posts(OPS).find((c) => blocksText(c).includes(first.id)), 'thread reply');
    expect(waiting.args['thread_ts']).toBe(THREAD);
    expect(blocksText(waiting)).toContain('Waiting for approval');
    expect(buttonsOf(waiting)).toEqual([]);
    expect((await approval(first.id)).initiator).toBe('Airlock::Human::"ivy"');
  });

  it('a bad signature and a stale timestamp answer 401 and change nothing', async () => {
    const msg = await approvalMessage(first.id);
    const at = { channel: APPROVALS, messageTs: String(msg.result!['ts']) };
    expect((await deliver(SLACK_INTERACTIONS_PATH, click('U0SAM', 'airlock.approve', first.id, at, 'not-the-signing-secret-000000'))).status).toBe(401);
    const tampered = click('U0SAM', 'airlock.approve', first.id, at);
    expect((await deliver(SLACK_INTERACTIONS_PATH, { ...tampered, body: tampered.body.replace('airlock.approve', 'airlock.deny') })).status).toBe(401);
    expect((await deliver(SLACK_INTERACTIONS_PATH, click('U0SAM', 'airlock.approve', first.id, at, SECRET, nowS() - 6 * 60))).status).toBe(401);
    const unsigned = await fetch(`${gw.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: tampered.body });
    expect(unsigned.status).toBe(401);
    expect((await approval(first.id)).status).toBe('pending');
    expect((await approval(first.id)).votes).toHaveLength(0);
  });

  it('refuses the initiator, a non-approver and an unknown Slack user with an ephemeral explanation, no decision', async () => {
    await clickApproval('U0IVY', 'airlock.approve', first.id);
    await clickApproval('U0NINA', 'airlock.approve', first.id);
    await clickApproval('U0GHOST', 'airlock.approve', first.id);
    await clickApproval('U0OLIVE', 'airlock.approve', first.id); // the bot's owner (@sod("owner"))
    await clickApproval('U0FAY', 'airlock.approve', first.id); // not in sre-approvers
    expect(blocksText(ephemeralsTo('U0IVY').at(-1))).toContain('sod_initiator');
    expect(blocksText(ephemeralsTo('U0NINA').at(-1))).toContain('not_approver_role');
    expect(blocksText(ephemeralsTo('U0GHOST').at(-1))).toContain('not linked');
    expect(blocksText(ephemeralsTo('U0OLIVE').at(-1))).toContain('sod_owner');
    expect(blocksText(ephemeralsTo('U0FAY').at(-1))).toContain('not_in_approvers');
    const a = await approval(first.id);
    expect(a.status).toBe('pending');
    expect(a.votes).toHaveLength(0);
  });

  it('an eligible approver approves: vote with channel chat, audited, message updated without buttons, thread told once', async () => {
    const res = await clickApproval('U0SUE', 'airlock.approve', first.id); // workspace-qualified link T0ACME/U0SUE
    expect(res.status).toBe(200);
    const a = await approval(first.id);
    expect(a.status).toBe('approved');
    expect(a.votes).toEqual([expect.objectContaining({ approver: 'Airlock::Human::"sue"', channel: 'chat' })]);
    const msg = await approvalMessage(first.id);
    const update = await until(() => slack.of('chat.update').filter((c) => c.args['ts'] === msg.result!['ts']).at(-1), 'message update');
    expect(blocksText(update)).toContain('Approved');
    expect(buttonsOf(update)).toEqual([]);
    const told = await until(() => posts(OPS).filter((c) => blocksText(c).includes(first.id) && blocksText(c).includes('Approved')), 'thread told');
    expect(told).toHaveLength(1);
    const votes = await gw.runtime.store.audit.find({ approvalId: first.id });
    expect(votes.some((v) => v.kind === 'approval.vote' && JSON.parse(v.recordText).channel === 'chat')).toBe(true);
  });

  it('the bot retries and is allowed once; the execution result goes to the thread with a Reverse button; Reverse from the thread opens the reversal through the pipeline', async () => {
    const ok = await post('/v1/authorize', first.request, 'opsbot');
    expect(ok.json.outcome).toBe('allow');
    expect(ok.json.reasons[0].code).toBe('approval_consumed');
    const reversal = { subject: { type: 'Bot', id: 'opsbot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'systemctl reload nginx' } };
    const ex = await post('/v1/executions', { requestId: ok.json.requestId, status: 'succeeded', reversal }, 'opsbot');
    expect(ex.status).toBe(200);
    const result = await until(() => posts(OPS).find((c) => buttonsOf(c).some((b) => b.action_id === 'airlock.reverse')), 'execution result in the thread');
    expect(result.args['thread_ts']).toBe(THREAD);
    expect(blocksText(result)).toContain('Done');
    expect(buttonsOf(result)).toEqual([expect.objectContaining({ action_id: 'airlock.reverse', value: ok.json.requestId })]);

    // Sam asks for the reversal from the thread: a new request through the pipeline, Sam its initiator.
    const before = posts(APPROVALS).length;
    const res = await deliver(SLACK_INTERACTIONS_PATH, click('U0SAM', 'airlock.reverse', ok.json.requestId, { channel: OPS, messageTs: String(result.result!['ts']), threadTs: THREAD }));
    expect(res.status).toBe(200);
    const notice = await until(() => posts(OPS).find((c) => blocksText(c).includes('asked to reverse')), 'reversal notice');
    expect(notice.args['thread_ts']).toBe(THREAD);
    const reversalApproval = /waits for approval `([^`]+)`/.exec(blocksText(notice))?.[1];
    expect(reversalApproval).toBeDefined();
    await until(() => posts(APPROVALS).length > before, 'reversal approval message');
    const ra = await approval(reversalApproval!);
    expect(ra.status).toBe('pending');
    expect(ra.initiator).toBe('Airlock::Human::"sam"');
    // The person who asked for the reversal cannot approve it.
    await clickApproval('U0SAM', 'airlock.approve', reversalApproval!);
    expect(blocksText(ephemeralsTo('U0SAM').at(-1))).toContain('sod_initiator');
    expect((await approval(reversalApproval!)).votes).toHaveLength(0);
    const ev = await fetch(`${gw.url}/v1/evidence/${ok.json.requestId}`, { headers: auth('sam') }).then((x) => x.json() as Promise<any>);
    expect(ev.reversal.requestedAs).toBeDefined();
    expect(ev.execution.status).toBe('succeeded');
  });

  it('deny: the request is denied, the message loses its buttons, the thread is told', async () => {
    const r = await post('/v1/authorize', chatAsk({ resource: { type: 'Host', id: 'web-2' } }), 'opsbot');
    const id = r.json.approval.id as string;
    await clickApproval('U0SAM', 'airlock.deny', id);
    expect((await approval(id)).status).toBe('denied');
    const msg = await approvalMessage(id);
    const update = await until(() => slack.of('chat.update').filter((c) => c.args['ts'] === msg.result!['ts']).at(-1), 'message update');
    expect(blocksText(update)).toContain('Denied');
    expect(buttonsOf(update)).toEqual([]);
    await until(() => posts(OPS).find((c) => blocksText(c).includes(id) && blocksText(c).includes('Denied')), 'thread told of the denial');
    const again = await post('/v1/authorize', chatAsk({ resource: { type: 'Host', id: 'web-2' } }), 'opsbot');
    expect(again.json.outcome).toBe('approval_required'); // a denial is never an allow
  });

  it('quorum across two clicks, and a replayed delivery changes nothing', async () => {
    const r = await post('/v1/authorize', chatAsk({ subject: { type: 'Bot', id: 'paybot' }, action: 'payment.submit', resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount: 1200, currency: 'EUR' } }), 'paybot');
    expect(r.json.outcome).toBe('approval_required');
    const id = r.json.approval.id as string;
    expect(r.json.approval.quorum).toBe(2);
    const msg = await approvalMessage(id);
    const at = { channel: APPROVALS, messageTs: String(msg.result!['ts']) };
    const once = click('U0FAY', 'airlock.approve', id, at);
    expect((await deliver(SLACK_INTERACTIONS_PATH, once)).status).toBe(200);
    let a = await approval(id);
    expect(a.status).toBe('pending');
    expect(a.votes).toHaveLength(1);
    const partial = await until(() => slack.of('chat.update').filter((c) => c.args['ts'] === msg.result!['ts']).at(-1), 'partial update');
    expect(blocksText(partial)).toContain('1 of 2');
    expect(buttonsOf(partial)).toHaveLength(2); // still open: the buttons stay
    // The very same signed delivery again: acknowledged, ignored (no vote, no ephemeral).
    const ephemeralsBefore = slack.of('chat.postEphemeral').length;
    expect((await deliver(SLACK_INTERACTIONS_PATH, once)).status).toBe(200);
    expect((await approval(id)).votes).toHaveLength(1);
    expect(slack.of('chat.postEphemeral').length).toBe(ephemeralsBefore);
    // The second approver completes the quorum.
    await clickApproval('U0FRED', 'airlock.approve', id);
    a = await approval(id);
    expect(a.status).toBe('approved');
    expect(a.votes.map((v) => [v.approver, v.channel])).toEqual([
      ['Airlock::Human::"fay"', 'chat'],
      ['Airlock::Human::"fred"', 'chat'],
    ]);
    const final = await until(() => {
      const u = slack.of('chat.update').filter((c) => c.args['ts'] === msg.result!['ts']).at(-1);
      return u && blocksText(u).includes('Approved') ? u : undefined;
    }, 'final update');
    expect(buttonsOf(final)).toEqual([]);
  });

  it('@notify("slack") posts approvals that did not come from chat (no thread to answer in)', async () => {
    const threadBefore = posts(OPS).length;
    const r = await post('/v1/authorize', { subject: { type: 'Agent', id: 'release-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'production' } }, 'release-bot');
    expect(r.json.outcome).toBe('approval_required');
    await approvalMessage(r.json.approval.id);
    expect(posts(OPS).length).toBe(threadBefore);
  });

  it('a decision made elsewhere (the API) updates the Slack message too', async () => {
    const r = await post('/v1/authorize', chatAsk({ resource: { type: 'Host', id: 'web-3' } }), 'opsbot');
    const id = r.json.approval.id as string;
    const msg = await approvalMessage(id);
    expect((await post(`/v1/approvals/${id}/approve`, { reason: 'ok' }, 'sam')).status).toBe(200);
    const update = await until(() => slack.of('chat.update').filter((c) => c.args['ts'] === msg.result!['ts']).at(-1), 'update from the API decision');
    expect(blocksText(update)).toContain('Approved');
  });
});

describe('/airlock slash commands', () => {
  let pendingId: string;
  let requestId: string;

  beforeAll(async () => {
    const r = await post('/v1/authorize', chatAsk({ resource: { type: 'Host', id: 'web-9' } }), 'opsbot');
    pendingId = r.json.approval.id;
    requestId = r.json.requestId;
  });

  it('pending: the approvals the caller may decide (not the initiator)', async () => {
    const sam = await slash('U0SAM', 'pending');
    expect(sam.status).toBe(200);
    expect(JSON.stringify(sam.json)).toContain(pendingId);
    const ivy = await slash('U0IVY', 'pending');
    expect(JSON.stringify(ivy.json)).not.toContain(pendingId); // she asked for it: not hers to decide
  });

  it('show ID: approvers see it; someone who may not see it gets the same answer as an unknown id', async () => {
    expect(JSON.stringify((await slash('U0SAM', `show ${pendingId}`)).json)).toContain('web-9');
    const nina = JSON.stringify((await slash('U0NINA', `show ${pendingId}`)).json);
    const unknown = JSON.stringify((await slash('U0NINA', 'show 00000000-0000-0000-0000-000000000000')).json);
    expect(nina).toContain('that you can see');
    expect(unknown).toContain('that you can see');
  });

  it('evidence ID: the record of the action (request, initiator, approvals, audit pointers)', async () => {
    const text = JSON.stringify((await slash('U0SAM', `evidence ${requestId}`)).json);
    expect(text).toContain('Evidence');
    expect(text).toContain(requestId);
    expect(text).toContain('shell.exec');
    expect(text).toContain(pendingId);
    expect(text).toMatch(/audit record/);
  });

  it('reverse ID: a request without a recorded reversal cannot be reversed; one with a reversal opens it through the pipeline', async () => {
    expect(JSON.stringify((await slash('U0SAM', `reverse ${requestId}`)).json)).toContain('cannot be reversed');
    // An allowed read that recorded a reversal (a write back): the reversal goes through policy.
    const read = await post('/v1/authorize', chatAsk({ action: 'file.read', resource: { type: 'File', id: 'notes' } }), 'opsbot');
    expect(read.json.outcome).toBe('allow');
    const reversal = { subject: { type: 'Bot', id: 'opsbot' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'web-1' }, context: { environment: 'production', command: 'systemctl reload nginx' } };
    expect((await post('/v1/executions', { requestId: read.json.requestId, status: 'succeeded', reversal }, 'opsbot')).status).toBe(200);
    const text = JSON.stringify((await slash('U0SAM', `reverse ${read.json.requestId}`)).json);
    expect(text).toContain('waits for approval');
  });

  it('an unknown Slack user is told to get linked; a bad signature is 401', async () => {
    expect(JSON.stringify((await slash('U0GHOST', 'pending')).json)).toContain('not linked');
    const bad = signed('wrong-secret-wrong-secret-000000', slashBody({ team: TEAM, user: 'U0SAM', channel: OPS, text: 'pending' }), nowS());
    expect((await deliver(SLACK_COMMANDS_PATH, bad)).status).toBe(401);
  });
});

describe('the Slack routes', () => {
  it('need no API key but are the only open routes added; without config.slack they do not exist', async () => {
    const plain = await startGateway({ policies: 'policies/example' });
    try {
      const r = await fetch(`${plain.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' });
      expect(r.status).toBe(401); // unknown route behind the API-key hook
      expect(plain.runtime.slack).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('config', () => {
  it('reads the Slack settings from the environment and refuses a bad channel id', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const c = loadConfig({}, { AIRLOCK_SLACK_SIGNING_SECRET: SECRET, AIRLOCK_SLACK_BOT_TOKEN: TOKEN, AIRLOCK_SLACK_APPROVALS_CHANNEL: APPROVALS, AIRLOCK_SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    expect(c.slack).toEqual({ signingSecret: SECRET, botToken: TOKEN, approvalsChannel: APPROVALS, apiUrl: 'http://127.0.0.1:9/api/' });
    expect(() => loadConfig({}, { AIRLOCK_SLACK_SIGNING_SECRET: SECRET, AIRLOCK_SLACK_BOT_TOKEN: TOKEN, AIRLOCK_SLACK_APPROVALS_CHANNEL: '#approvals' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(loadConfig({}, {}).slack).toBeUndefined();
  });
});
