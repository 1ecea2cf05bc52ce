import { LogLevel, WebClient } from '@slack/web-api';
import { systemClock, type Clock } from '../../core/clock.js';
import { within } from '../../core/within.js';
import { digestMessage, parseChatContext, type ChatContext, type ChatHuman } from '../chat/provenance.js';
import { runSlashCommand, type SlashInput } from './commands.js';
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_REVERSE,
  approvalMessage,
  approvalUpdateMessage,
  decidedThreadMessage,
  executionResultMessage,
  isFinal,
  noticeMessage,
  shownStatus,
  waitingThreadMessage,
  type ExecutionReport,
  type RenderOptions,
  type SlackMessage,
} from './messages.js';
import { code, safe, SLACK_ID_RE, SLACK_TS_RE } from './mrkdwn.js';
import { createMemoryMessageRefs, type ApprovalDesk, type EvidenceReader, type HumanDirectory, type MessageRefStore, type ReversalStarter, type SlackApproval, type SlackMessageRef } from './ports.js';
import { createMemoryReplayGuard, SLACK_TOLERANCE_S, verifySlackRequest, type ReplayGuard } from './signature.js';

export interface SlackAdapterOptions {
  /** The Slack app's signing secret (Basic Information → App Credentials). */
  signingSecret: string;
  /** Bot token `xoxb-…` with scopes `chat:write` and `commands`. */
  botToken: string;
  /** Channel id (`C…`) where approval messages are posted; the app must be a member. */
  approvalsChannel: string;
  /** Slack Web API base URL. @defaultValue `https://slack.com/api/` */
  apiUrl?: string;
  /** The one workspace (team id `T…`) allowed to call in; others are ignored. Unset: any workspace that holds the signing secret's app. */
  teamId?: string;
  /** `https://acme.slack.com`, to link the original message. */
  workspaceUrl?: string;
  /** Public base URL of the gateway: a shortened approval message links to the whole approval. */
  publicUrl?: string;
  /** Slash command name. @defaultValue `/airlock` */
  commandName?: string;
  desk: ApprovalDesk;
  humans: HumanDirectory;
  evidence?: EvidenceReader;
  reversals?: ReversalStarter;
  /** Where posted messages are remembered. @defaultValue in memory */
  refs?: MessageRefStore;
  /** Seen signatures/clicks inside the replay window. @defaultValue in memory */
  replay?: ReplayGuard;
  clock?: Clock;
  /** Slash commands answer inline when done within this; otherwise ack and follow up. @defaultValue 2000 (Slack waits 3 s) */
  ackDeadlineMs?: number;
  /** Accepted clock difference for `X-Slack-Request-Timestamp`. @defaultValue 300 */
  toleranceS?: number;
  /** Web API retries per call. @defaultValue 3 */
  retries?: number;
  /** Web API timeout per call. @defaultValue 5000 */
  timeoutMs?: number;
  /** Faults in background work (a Slack call failed, a port threw). Never thrown to Slack. */
  onError?: (op: string, error: unknown) => void;
  /** Security-relevant events for logs/metrics: rejected signatures, replays, refusals. */
  onEvent?: (event: SlackAdapterEvent) => void;
}

export type SlackAdapterEvent =
  | { type: 'signature_rejected'; route: 'interactions' | 'commands'; reason: string }
  | { type: 'replay_ignored'; route: 'interactions' | 'commands' }
  | { type: 'foreign_workspace'; team: string }
  | { type: 'vote_refused'; approvalId: string; user: string; code: string }
  | { type: 'vote_recorded'; approvalId: string; approver: string; decision: 'approve' | 'deny'; resolved: boolean }
  | { type: 'reversal_requested'; evidenceId: string; by: string; status: string };

export interface SlackHttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export type RawHeaders = Record<string, string | string[] | undefined>;

export interface SlackAdapter {
  /** `approval.created`: post to the approvals channel (Slack-originated or `notify` has `slack`) and reply in the thread. Never rejects. */
  onApprovalCreated(approval: SlackApproval): Promise<void>;
  /** `approval.decided` (any channel): update the approval message; tell the thread once. Never rejects. */
  onApprovalDecided(approval: SlackApproval): Promise<void>;
  /** After execution: the result in the originating thread, with a Reverse button when a reversal was recorded. Never rejects. */
  onExecutionResult(report: ExecutionReport): Promise<void>;
  /** `POST /integrations/slack/interactions`: verify, ack at once, act in the background. */
  handleInteraction(rawBody: string, headers: RawHeaders): Promise<SlackHttpResponse>;
  /** `POST /integrations/slack/commands`: `/airlock pending | show ID | evidence ID | reverse ID`. */
  handleSlashCommand(rawBody: string, headers: RawHeaders): Promise<SlackHttpResponse>;
  /** Resolves when background work started so far has finished (tests, graceful shutdown). */
  drain(): Promise<void>;
}

const ACK: SlackHttpResponse = { status: 200, body: '' };
const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_NAMES = 10_000;

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined);

/**
 * The Slack edge of chat-native execution: approval messages with signed callbacks, thread
 * updates and the `/airlock` command. Every decision goes through {@link ApprovalDesk}, i.e. the
 * same approval rules as the API and the CLI; Slack only carries the click.
 *
 * @example
 * const slack = createSlackAdapter({ signingSecret, botToken, approvalsChannel: 'C0APPROVALS', desk, humans });
 * await registerSlackRoutes(app, slack);
 */
export function createSlackAdapter(opts: SlackAdapterOptions): SlackAdapter {
  if (!opts.signingSecret) throw new TypeError('signingSecret is required');
  if (!opts.botToken) throw new TypeError('botToken is required');
  if (!SLACK_ID_RE.test(opts.approvalsChannel)) throw new TypeError('approvalsChannel must be a Slack channel id like C0123ABCD');
  const clock = opts.clock ?? systemClock;
  const refs = opts.refs ?? createMemoryMessageRefs();
  const replay = opts.replay ?? createMemoryReplayGuard();
  const toleranceS = opts.toleranceS ?? SLACK_TOLERANCE_S;
  const ackDeadlineMs = opts.ackDeadlineMs ?? 2000;
  const commandName = opts.commandName ?? '/airlock';
  const render: RenderOptions = { approvalsChannel: opts.approvalsChannel };
  if (opts.workspaceUrl !== undefined) render.workspaceUrl = opts.workspaceUrl;
  if (opts.publicUrl !== undefined) render.publicUrl = opts.publicUrl;
  const apiUrl = (opts.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  const web = new WebClient(opts.botToken, {
    slackApiUrl: apiUrl,
    allowAbsoluteUrls: false,
    logLevel: LogLevel.ERROR,
    retryConfig: { retries: opts.retries ?? 3, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: opts.timeoutMs ?? 5000,
  });
  const onError = opts.onError ?? (() => {});
  const emit = opts.onEvent ?? (() => {});
  const inFlight = new Set<Promise<void>>();
  const names = new Map<string, string>();
  const refreshChains = new Map<string, Promise<void>>();
  /** What each approval message shows now: a refresh that would change nothing sends nothing (one `chat.update` per change). */
  const shownNow = new Map<string, string>();

  /**
   * Runs `work` with its failure reported, never rejected, and counted in flight until it ends, so
   * drain() (graceful shutdown closes the store right after it) waits for every Slack call begun.
   */
  const track = (op: string, work: () => Promise<void>): Promise<void> => {
    const p = (async () => work())()
      .catch((e: unknown) => onError(op, e))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };
  const background = (op: string, work: () => Promise<void>): void => void track(op, work);
  const learn = (h: ChatHuman) => {
    if (names.size >= MAX_NAMES) names.delete(names.keys().next().value!);
    names.set(h.uid, h.displayName);
  };
  const allowedTeam = (team: string | undefined): team is string => {
    if (team === undefined) return false;
    if (opts.teamId !== undefined && team !== opts.teamId) {
      emit({ type: 'foreign_workspace', team });
      return false;
    }
    return true;
  };

  const post = async (channel: string, m: SlackMessage, threadTs?: string) => {
    const res = await web.chat.postMessage({ channel, text: m.text, blocks: m.blocks, unfurl_links: false, unfurl_media: false, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return typeof res.ts === 'string' && typeof res.channel === 'string' ? { channel: res.channel, ts: res.ts } : undefined;
  };
  const ephemeral = async (channel: string | undefined, user: string, m: SlackMessage) => {
    if (channel === undefined) return;
    await web.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks });
  };

  /** The originating Slack thread of a request, when it came from this workspace. */
  const threadOf = (request: SlackApproval['request']): { chat: ChatContext; channel: string; ts: string } | undefined => {
    const parsed = parseChatContext(request);
    const chat = parsed.ok ? parsed.chat : undefined;
    if (!chat || chat.platform !== 'slack') return undefined;
    if (opts.teamId !== undefined && chat.workspace !== opts.teamId) return undefined;
    const ts = chat.thread ?? chat.messageId;
    if (!SLACK_ID_RE.test(chat.channel) || !SLACK_TS_RE.test(ts)) return undefined;
    return { chat, channel: chat.channel, ts };
  };

  /**
   * Re-renders the approval message from the stored state. Serialized per approval and always
   * re-read, so a slow render of an older state never overwrites a newer one.
   */
  const refresh = (id: string, fallbackRef?: SlackMessageRef): Promise<void> => {
    const prev = refreshChains.get(id) ?? Promise.resolve();
    const next = prev.then(async () => {
      const current = await opts.desk.get(id);
      if (!current) return;
      const ref = (await refs.get(id))?.message ?? fallbackRef;
      const nowMs = clock.now();
      if (ref) {
        const m = approvalUpdateMessage(current, names, { ...render, nowMs });
        const key = `${ref.channel}/${ref.ts}`;
        const rendered = JSON.stringify(m);
        if (shownNow.get(key) !== rendered) {
          await web.chat.update({ channel: ref.channel, ts: ref.ts, text: m.text, blocks: m.blocks });
          if (shownNow.size >= MAX_NAMES) shownNow.delete(shownNow.keys().next().value!);
          shownNow.set(key, rendered);
        }
      }
      const shown = shownStatus(current, nowMs);
      if (isFinal(shown) && shown !== 'consumed') {
        const thread = threadOf(current.request);
        if (thread && (await refs.claimAnnouncement(id, shown))) await post(thread.channel, decidedThreadMessage(current, names, nowMs), thread.ts);
      }
    });
    const settled = next.catch(() => {}).finally(() => {
      if (refreshChains.get(id) === settled) refreshChains.delete(id);
    });
    refreshChains.set(id, settled);
    return next;
  };

  async function onApprovalCreated(a: SlackApproval): Promise<void> {
    await track('approval.created', async () => {
      if (a.kind !== 'approval') return; // a confirmation is confirmed by the person who asked, not by approvers
      const parsed = parseChatContext(a.request);
      const fromSlack = parsed.ok && parsed.chat?.platform === 'slack' && (opts.teamId === undefined || parsed.chat.workspace === opts.teamId);
      if (!fromSlack && !a.notify?.includes('slack')) return;
      const thread = threadOf(a.request);
      const known = await refs.get(a.id);
      if (known?.message) return; // already posted (the event may be delivered more than once)
      const ref = await post(opts.approvalsChannel, approvalMessage(a, render));
      if (ref) await refs.put(a.id, { message: ref });
      // The thread is told the request waits; the buttons are only in the approvals channel.
      if (thread) await post(thread.channel, waitingThreadMessage(a, render), thread.ts);
    });
  }

  async function onApprovalDecided(a: SlackApproval): Promise<void> {
    await track('approval.decided', () => refresh(a.id));
  }

  async function onExecutionResult(report: ExecutionReport): Promise<void> {
    await track('execution.result', async () => {
      const thread = threadOf(report.request);
      if (thread) await post(thread.channel, executionResultMessage(report), thread.ts);
    });
  }

  /** Verify (before any parsing), then drop replays. Returns the refusal or undefined. */
  async function gate(route: 'interactions' | 'commands', rawBody: string, headers: RawHeaders): Promise<SlackHttpResponse | undefined> {
    const now = clock.now();
    const check = verifySlackRequest(opts.signingSecret, headers, rawBody, now, toleranceS);
    if (!check.ok) {
      emit({ type: 'signature_rejected', route, reason: check.reason });
      return { status: 401, body: '' };
    }
    // threats.md §3.7: "store seen signatures for the window" — the same delivery twice changes nothing.
    const fresh = await replay.firstSeen(`sig:${check.signature}`, (check.timestampS + toleranceS + 1) * 1000, now);
    if (!fresh) {
      emit({ type: 'replay_ignored', route });
      return ACK;
    }
    return undefined;
  }

  async function handleInteraction(rawBody: string, headers: RawHeaders): Promise<SlackHttpResponse> {
    if (isSslCheck(rawBody)) return ACK;
    const refused = await gate('interactions', rawBody, headers);
    if (refused) return refused;
    const form = new URLSearchParams(rawBody);
    const payloads = form.getAll('payload');
    if (payloads.length !== 1) return { status: 400, body: '' };
    let payload: Rec | undefined;
    try {
      payload = obj(JSON.parse(payloads[0]!));
    } catch {
      payload = undefined;
    }
    if (!payload) return { status: 400, body: '' };
    if (payload['type'] !== 'block_actions') return ACK;
    const user = obj(payload['user']);
    const userId = str(user?.['id']);
    const team = str(obj(payload['team'])?.['id']) ?? str(user?.['team_id']);
    const action = obj((payload['actions'] as unknown[] | undefined)?.[0]);
    const container = obj(payload['container']);
    const channel = str(container?.['channel_id']) ?? str(obj(payload['channel'])?.['id']);
    const messageTs = str(container?.['message_ts']);
    const threadTs = str(obj(payload['message'])?.['thread_ts']);
    const actionId = str(action?.['action_id']);
    const value = typeof action?.['value'] === 'string' ? (action['value'] as string) : '';
    if (!userId || !actionId || ![ACTION_APPROVE, ACTION_DENY, ACTION_REVERSE].includes(actionId)) return ACK;
    if (!allowedTeam(team)) return ACK;
    // A second delivery of one click (same action_ts and trigger) counts once, even re-signed.
    const actionTs = str(action?.['action_ts']);
    const triggerId = str(payload['trigger_id']);
    if (actionTs === undefined || triggerId === undefined) return { status: 400, body: '' };
    const clickKey = `click:${team}:${userId}:${actionTs}:${triggerId}`;
    if (!(await replay.firstSeen(clickKey, clock.now() + 2 * toleranceS * 1000, clock.now()))) {
      emit({ type: 'replay_ignored', route: 'interactions' });
      return ACK;
    }
    const fromMessage: SlackMessageRef | undefined = channel && messageTs && container?.['is_ephemeral'] !== true ? { channel, ts: messageTs } : undefined;
    const username = str(user?.['username']) ?? str(user?.['name']) ?? userId;

    // Ack now (Slack waits 3 s); the decision and the message updates follow.
    background(`interaction.${actionId}`, async () => {
      const human = await opts.humans.byChatUser('slack', team, userId);
      if (!human) {
        emit({ type: 'vote_refused', approvalId: value, user: userId, code: 'unknown_user' });
        await ephemeral(channel, userId, noticeMessage(`:no_entry: Your Slack account (${code(userId, 40)}) is not linked to an Airlock human, so nothing was recorded. An Airlock admin can link it (human \`links.slack\`).`));
        return;
      }
      learn(human);
      if (!ID_RE.test(value)) {
        await ephemeral(channel, userId, noticeMessage(':warning: This button does not name a request Airlock knows.'));
        return;
      }
      if (actionId === ACTION_REVERSE) {
        const chat: ChatContext = { platform: 'slack', workspace: team, channel: channel ?? '', user: userId, messageId: messageTs ?? '', messageDigest: digestMessage(`${ACTION_REVERSE}:${value}`) };
        const root = threadTs ?? messageTs;
        if (root !== undefined) chat.thread = root;
        await requestReversal(value, human, chat, async (m) => {
          if (channel && root) await post(channel, m, root);
          else await ephemeral(channel, userId, m);
        });
        return;
      }
      const decision = actionId === ACTION_APPROVE ? 'approve' : 'deny';
      const result = await opts.desk.vote(value, human, decision, `${decision === 'approve' ? 'approved' : 'denied'} in Slack by @${username}`, 'chat');
      if (result.ok) {
        emit({ type: 'vote_recorded', approvalId: value, approver: human.uid, decision, resolved: result.resolved });
        await refresh(value, fromMessage);
        return;
      }
      emit({ type: 'vote_refused', approvalId: value, user: userId, code: result.code });
      await ephemeral(channel, userId, noticeMessage(`:no_entry: Your ${decision} was not recorded: ${safe(result.message, 300)} (\`${result.code}\`).`));
      // The message may be showing buttons for a request that is no longer pending.
      if (result.request && isFinal(result.request.status)) await refresh(value, fromMessage);
      else if (result.code === 'expired') await refresh(value, fromMessage);
    });
    return ACK;
  }

  async function requestReversal(evidenceId: string, human: ChatHuman, chat: ChatContext, say: (m: SlackMessage) => Promise<void>): Promise<void> {
    if (!opts.reversals) {
      await say(noticeMessage(':warning: Reversals are not enabled on this Airlock.'));
      return;
    }
    const out = await opts.reversals.start({ evidenceId, by: human, chat });
    emit({ type: 'reversal_requested', evidenceId, by: human.uid, status: out.status });
    const who = `*${safe(human.displayName, 80)}*`;
    switch (out.status) {
      case 'approval_required':
        await say(noticeMessage(`:leftwards_arrow_with_hook: ${who} asked to reverse ${code(evidenceId, 64)}. The reversal waits for approval ${code(out.approvalId, 64)}; the person who asked cannot approve it.`));
        return;
      case 'allowed':
        await say(noticeMessage(`:leftwards_arrow_with_hook: ${who} asked to reverse ${code(evidenceId, 64)}. Policy allowed it (request ${code(out.requestId, 64)}).`));
        return;
      case 'denied':
        await say(noticeMessage(`:no_entry: The reversal of ${code(evidenceId, 64)} was denied: ${safe(out.reason, 300)}`));
        return;
      case 'not_reversible':
        await say(noticeMessage(`:warning: ${code(evidenceId, 64)} cannot be reversed: ${safe(out.reason, 300)}`));
        return;
      default:
        await say(noticeMessage(`:warning: No action ${code(evidenceId, 64)} is recorded.`));
    }
  }

  async function handleSlashCommand(rawBody: string, headers: RawHeaders): Promise<SlackHttpResponse> {
    if (isSslCheck(rawBody)) return ACK;
    const refused = await gate('commands', rawBody, headers);
    if (refused) return refused;
    const form = new URLSearchParams(rawBody);
    const one = (k: string) => (form.getAll(k).length === 1 ? form.get(k)! : undefined);
    const command = one('command');
    const userId = str(one('user_id'));
    const team = str(one('team_id'));
    const channel = str(one('channel_id'));
    if (command !== commandName || !userId) return { status: 400, body: '' };
    if (!allowedTeam(team)) return reply(noticeMessage(':no_entry: This workspace is not connected to this Airlock.'));
    const input: SlashInput = { text: (one('text') ?? '').slice(0, 500), userId, team, commandName };
    if (channel !== undefined) input.channel = channel;
    const triggerId = str(one('trigger_id'));
    if (triggerId !== undefined) input.triggerId = triggerId;

    const work = runSlashCommand(input, {
      desk: opts.desk,
      humans: opts.humans,
      ...(opts.evidence ? { evidence: opts.evidence } : {}),
      names,
      render: { ...render, nowMs: clock.now() },
      learn,
      requestReversal,
    }).catch((e: unknown) => {
      onError('command', e);
      return noticeMessage(':warning: Airlock could not answer that just now; nothing was changed.');
    });
    const first = await within(work, ackDeadlineMs);
    if (first !== 'timeout') return reply(first);
    // Slack waits 3 s: answer now, follow up with an ephemeral message when the work is done.
    background('command.followup', async () => {
      const m = await work;
      await ephemeral(channel, userId, m);
    });
    return reply(noticeMessage(':hourglass_flowing_sand: Working on it…'));
  }

  return {
    onApprovalCreated,
    onApprovalDecided,
    onExecutionResult,
    handleInteraction,
    handleSlashCommand,
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * Slack checks a command URL's certificate with a POST of `ssl_check=1` (and a token) and expects
 * 200. It asks for nothing, so it is answered before the signature check and changes nothing.
 */
function isSslCheck(rawBody: string): boolean {
  const form = new URLSearchParams(rawBody);
  return form.get('ssl_check') === '1' && !form.has('payload') && !form.has('command');
}

function reply(m: SlackMessage): SlackHttpResponse {
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ response_type: 'ephemeral', text: m.text, blocks: m.blocks }) };
}
