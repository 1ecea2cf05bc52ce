/**
 * The served gateway with Slack wired in, for tests: the loopback Slack Web API stand-in, the real
 * runtime (Fastify, SQLite, a real bundle, `config.slack` pointing at the stand-in), registry
 * humans linked to Slack users, and signed Slack callbacks posted over HTTP like Slack would.
 * Nothing of the gateway is faked: approvals are opened by `POST /v1/authorize`, decided through
 * the approval desk, and every Slack call is what the adapter really sent.
 */
import type { ApprovalRequest } from '../../src/approval/types.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { digestMessage } from '../../src/integrations/chat/provenance.js';
import { SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import type { AuditRecord } from '../../src/store/port.js';
import { blockActions, interactionBody, signed, slashBody, type SignedRequest } from '../fixtures/slack/sign.js';
import { startSlackStandIn, type SlackCall, type SlackStandIn } from '../fixtures/slack/stand-in.js';
import { postJson, startGateway, type StartedGateway } from './server.js';

export const SLACK_SECRET = 'served-slack-signing-secret-0123456789';
export const SLACK_TOKEN = 'xoxb-served-slack-token';
export const TEAM = 'T0ACME';
export const APPROVALS = 'C0APPROVALS';
export const OPS = 'C0OPS';
export const THREAD = '1772445000.000100';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };

/** Where a click happens: default the approval's message in the approvals channel, team TEAM. */
export interface ClickAt {
  channel?: string;
  messageTs?: string;
  threadTs?: string;
  team?: string;
}

export interface SlackGateway {
  gw: StartedGateway;
  slack: SlackStandIn;
  keys: Record<string, string>;
  clock: { now(): number; advance(ms: number): void };
  nowS(): number;
  human(id: string, slackUser: string | undefined, roles: string[], groups: string[]): Promise<void>;
  nhi(id: string, kind: string, owner: string, groups: string[], over?: Record<string, unknown>): Promise<void>;
  /** `POST path` as `who` (JSON). */
  post(path: string, body: unknown, who: string): ReturnType<typeof postJson>;
  get(path: string, who: string): Promise<{ status: number; json: any }>;
  /** A chat bot's request: the action plus the Slack provenance of the message that asked for it. */
  chatAsk(over?: { subject?: { type: string; id: string }; action?: string; resource?: { type: string; id: string; properties?: Record<string, unknown> }; context?: Record<string, unknown>; user?: string }): {
    subject: { type: string; id: string };
    action: { name: string };
    resource: { type: string; id: string; properties?: Record<string, unknown> };
    context: Record<string, unknown>;
  };
  /** Opens an approval the way a chat bot does (`POST /v1/authorize` as `who`); fails unless the answer is approval_required. */
  open(ask?: ReturnType<SlackGateway['chatAsk']>, who?: string): Promise<{ id: string; requestId: string; actionHash: string; ask: ReturnType<SlackGateway['chatAsk']> }>;
  /** The approval as the approval desk has it now. */
  approval(id: string): Promise<ApprovalRequest>;
  /** The `approval.vote` records of an approval in the audit chain, parsed, in chain order. */
  voteRecords(approvalId: string): Promise<{ record: AuditRecord; said: Record<string, unknown> }[]>;
  /** How many Slack calls were made so far; `since(mark)` gives the later ones. */
  mark(): number;
  since(mark: number, method?: string): SlackCall[];
  /** The approvals-channel message posted for an approval id (waits for it). */
  approvalMessage(id: string): Promise<SlackCall>;
  posts(channel: string): SlackCall[];
  click(user: string, action: 'airlock.approve' | 'airlock.deny' | 'airlock.reverse', value: string, at?: ClickAt): Promise<{ status: number; body: string; request: SignedRequest }>;
  /** The signed body of a click, not delivered (for concurrent, forged and replayed deliveries). */
  clickRequest(user: string, action: 'airlock.approve' | 'airlock.deny' | 'airlock.reverse', value: string, at?: ClickAt): Promise<SignedRequest>;
  slash(user: string, text: string, team?: string): Promise<{ status: number; body: string; json: { response_type?: string; text?: string; blocks?: unknown[] } }>;
  /** POST a raw body to a Slack route. */
  deliver(path: string, req: SignedRequest): Promise<{ status: number; body: string }>;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Waits until `probe` returns something truthy (Slack calls happen after the HTTP answer). */
export async function until<T>(probe: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const blocksText = (c: SlackCall | undefined): string => JSON.stringify(c?.args['blocks'] ?? []);
export const buttonsOf = (c: SlackCall | undefined): { action_id: string; value: string; confirm?: { text?: { text?: string } } }[] =>
  ((c?.args['blocks'] as { type: string; elements?: { type: string; action_id: string; value: string }[] }[] | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).filter((e) => e.type === 'button'));

export async function startSlackGateway(opts: { policies?: string; config?: Partial<ConfigInput>; startMs?: number } = {}): Promise<SlackGateway> {
  const slack = await startSlackStandIn({ token: SLACK_TOKEN });
  let nowMs = opts.startMs ?? Date.parse('2026-03-02T10:00:00.000Z');
  const clock = { now: () => nowMs, advance: (ms: number) => void (nowMs += ms) };
  let gw: StartedGateway;
  try {
    gw = await startGateway({
      policies: opts.policies ?? 'policies/example',
      clock,
      config: {
        slack: { signingSecret: SLACK_SECRET, botToken: SLACK_TOKEN, approvalsChannel: APPROVALS, apiUrl: slack.apiUrl, teamId: TEAM, workspaceUrl: 'https://acme.slack.com' },
        ...opts.config,
      },
    });
  } catch (e) {
    await slack.close();
    throw e;
  }
  const keys: Record<string, string> = {};
  let asked = 0;
  const nowS = () => Math.floor(nowMs / 1000);
  const drain = () => gw.runtime.slack!.drain();
  const posts = (channel: string) => slack.of('chat.postMessage').filter((c) => c.args['channel'] === channel);
  const deliver = async (path: string, req: SignedRequest) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: req.headers, body: req.body });
    const body = await res.text();
    await drain();
    return { status: res.status, body };
  };
  const chatAsk: SlackGateway['chatAsk'] = (over = {}) => {
    asked += 1;
    const messageId = `1772445000.${String(200 + asked).padStart(6, '0')}`;
    const action = over.action ?? 'shell.exec';
    return {
      subject: over.subject ?? { type: 'Bot', id: 'opsbot' },
      action: { name: action },
      resource: over.resource ?? { type: 'Host', id: 'web-1' },
      context: {
        environment: 'production',
        ...(action === 'shell.exec' ? { command: 'systemctl restart nginx' } : {}),
        chat: { platform: 'slack', workspace: TEAM, channel: OPS, thread: THREAD, user: over.user ?? 'U0IVY', messageId, messageDigest: digestMessage(`@opsbot request ${asked}`) },
        ...over.context,
      },
    };
  };
  const clickRequest = async (user: string, action: string, value: string, at: ClickAt = {}) => {
    const messageTs = at.messageTs ?? String((await approvalMessage(value)).result!['ts']);
    const payload = blockActions({ team: at.team ?? TEAM, user, actionId: action, value, channel: at.channel ?? APPROVALS, messageTs, ...(at.threadTs ? { threadTs: at.threadTs } : {}) });
    return signed(SLACK_SECRET, interactionBody(payload), nowS());
  };
  const approvalMessage = (id: string) => until(() => posts(APPROVALS).find((c) => buttonsOf(c).some((b) => b.value === id) || blocksText(c).includes(id)), `approval message for ${id}`);

  return {
    gw,
    slack,
    keys,
    clock,
    nowS,
    async human(id, slackUser, roles, groups) {
      const r = await gw.runtime.identities.createHuman({ id, displayName: id[0]!.toUpperCase() + id.slice(1), groups, roles: roles as never, links: slackUser ? { slack: slackUser } : {}, key: true }, SYSTEM);
      keys[id] = r.value.key!.key;
    },
    async nhi(id, kind, owner, groups, over = {}) {
      const r = await gw.runtime.identities.createNhi({ id, kind, owner, groups, environments: ['production'], purpose: 'slack tests', attributes: {}, key: true, ...over } as never, SYSTEM);
      keys[id] = r.value.key!.key;
    },
    post: (path, body, who) => postJson(`${gw.url}${path}`, body, { authorization: `Bearer ${keys[who]}` }),
    async get(path, who) {
      const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${keys[who]}` } });
      return { status: r.status, json: (await r.json()) as any };
    },
    chatAsk,
    approvalMessage,
    posts,
    async open(ask, who = 'opsbot') {
      const a = ask ?? chatAsk();
      const r = await postJson(`${gw.url}/v1/authorize`, a, { authorization: `Bearer ${keys[who]}` });
      if (r.json?.outcome !== 'approval_required') throw new Error(`no approval opened: ${r.text}`);
      await drain(); // approval.created reaches Slack after the answer
      return { id: r.json.approval.id as string, requestId: r.json.requestId as string, actionHash: r.json.actionHash as string, ask: a };
    },
    async approval(id) {
      const a = await gw.runtime.approvals.get(id);
      if (!a) throw new Error(`no approval ${id}`);
      return a;
    },
    async voteRecords(approvalId) {
      const found = await gw.runtime.store.audit.find({ approvalId });
      return found.filter((r) => r.kind === 'approval.vote').map((record) => ({ record, said: JSON.parse(record.recordText) as Record<string, unknown> }));
    },
    mark: () => slack.calls.length,
    since: (m, method) => slack.calls.slice(m).filter((c) => method === undefined || c.method === method),
    clickRequest,
    async click(user, action, value, at) {
      const request = await clickRequest(user, action, value, at);
      return { ...(await deliver(SLACK_INTERACTIONS_PATH, request)), request };
    },
    async slash(user, text, team = TEAM) {
      const res = await deliver(SLACK_COMMANDS_PATH, signed(SLACK_SECRET, slashBody({ team, user, channel: OPS, text }), nowS()));
      return { ...res, json: JSON.parse(res.body || '{}') as { response_type?: string; text?: string; blocks?: unknown[] } };
    },
    deliver,
    drain,
    async close() {
      await gw.close();
      await slack.close();
    },
  };
}
