import { redact } from '../../commands/redact.js';
import { parseChatContext, type ChatContext } from '../chat/provenance.js';
import { clip, code, escapeNonAscii, hasNonAscii, plain, safe, SLACK_ID_RE, SLACK_TS_RE, uidLabel } from './mrkdwn.js';
import { actionText } from '../../core/action-view.js';
import { redactRequest } from '../../gateway/redact-request.js';
import type { AuthorizationRequest } from '../../core/types.js';
import type { SlackApproval } from './ports.js';

/**
 * Block Kit builders (https://docs.slack.dev/reference/block-kit/blocks). Pure: values in, message
 * out. Every user-controlled string goes through mrkdwn.ts; a button's `value` carries only an
 * opaque id, which the adapter looks up and never trusts beyond that.
 */
export interface SlackBlock {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  /** Fallback text: notifications and screen readers (required alongside blocks). */
  text: string;
  blocks: SlackBlock[];
}

export const ACTION_APPROVE = 'airlock.approve';
export const ACTION_DENY = 'airlock.deny';
export const ACTION_REVERSE = 'airlock.reverse';
export const APPROVAL_BLOCK_ID = 'airlock_approval';
export const REVERSE_BLOCK_ID = 'airlock_reverse';

export interface RenderOptions {
  /** `https://acme.slack.com`: links to the original message; without it the message is named, not linked. */
  workspaceUrl?: string;
  /** Channel id of the approvals channel (named in the thread reply). */
  approvalsChannel?: string;
  /** Now, so a pending request past its expiry shows as expired (and loses its buttons). */
  nowMs?: number;
  /** Public base URL of the gateway: a shortened message links to the whole approval. */
  publicUrl?: string;
}

/**
 * How much of the action a message shows, in characters. Slack caps a message's blocks (50, and
 * 3,000 characters per text); beyond this budget the message says it is shortened and where to
 * read all of it. Everything fits for ordinary actions.
 */
export const ACTION_BUDGET = 12_000;
const CHUNK = 2_900;

/** The status to show: pending or approved past expiry reads as expired (as the store will enforce). */
export function shownStatus(a: SlackApproval, nowMs: number | undefined): string {
  if (nowMs !== undefined && (a.status === 'pending' || a.status === 'approved') && Date.parse(a.expiresAt) <= nowMs) return 'expired';
  return a.status;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plainText = (text: string) => ({ type: 'plain_text', text: plain(text), emoji: false });
const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(clip(text, 2900)) });
const contextBlock = (...texts: string[]): SlackBlock => ({ type: 'context', elements: texts.map((t) => mrkdwn(clip(t, 1900))) });

/** Notification text: no mrkdwn tokens, non-ASCII shown escaped. */
const fallback = (s: string): string => escapeNonAscii(clip(s, 280)).replace(/[<>&]/g, ' ');

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);

/** What the request asks, for display: raw strings (escaped by the callers). */
export function describeRequest(a: SlackApproval): { action: string; resource: string; command?: string; risk?: string; findings: string[]; chat?: ChatContext } {
  const r = a.request;
  const ctx = r.context ?? {};
  const rawCommand = ctx['command'];
  const commandText = a.command?.text ?? (typeof rawCommand === 'string' ? rawCommand : typeof obj(rawCommand)?.['text'] === 'string' ? (obj(rawCommand)!['text'] as string) : undefined);
  const facts = obj(rawCommand);
  const risk = a.command?.risk ?? (typeof facts?.['risk'] === 'string' ? (facts['risk'] as string) : undefined);
  const findings = [...(a.command?.findings ?? (Array.isArray(facts?.['rules']) ? (facts['rules'] as unknown[]).filter((x): x is string => typeof x === 'string') : []))];
  const parsed = parseChatContext(r);
  const out: ReturnType<typeof describeRequest> = { action: r.action.name, resource: `${r.resource.type} ${r.resource.id}`, findings };
  const command = a.command?.summary !== undefined && commandText === undefined ? a.command.summary : commandText;
  // Secrets in a command (tokens, passwords) are masked before they reach a channel.
  if (command !== undefined) out.command = redact(command);
  if (risk !== undefined) out.risk = risk;
  if (parsed.ok && parsed.chat) out.chat = parsed.chat;
  return out;
}

/** `<https://acme.slack.com/archives/C1/p1700000000000100|original message>` or a plain name. */
export function messageLink(chat: ChatContext, opts: RenderOptions): string {
  const validIds = SLACK_ID_RE.test(chat.channel) && SLACK_TS_RE.test(chat.messageId);
  if (chat.platform === 'slack' && validIds && opts.workspaceUrl && /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(opts.workspaceUrl)) {
    const thread = chat.thread && SLACK_TS_RE.test(chat.thread) && chat.thread !== chat.messageId ? `?thread_ts=${chat.thread}&cid=${chat.channel}` : '';
    return `<${opts.workspaceUrl}/archives/${chat.channel}/p${chat.messageId.replace('.', '')}${thread}|original message> in <#${chat.channel}>`;
  }
  if (chat.platform === 'slack' && validIds) return `message ${chat.messageId} in <#${chat.channel}>`;
  return `${safe(chat.platform, 32)} message ${code(chat.messageId, 64)} in ${code(chat.channel, 64)}`;
}

/** `<!date^…>` renders in the reader's time zone; the fallback is the ISO time. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return safe(iso, 40);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

const statusLabel: Record<string, string> = {
  pending: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved',
  denied: ':no_entry: Denied',
  expired: ':alarm_clock: Expired',
  cancelled: ':heavy_multiplication_x: Cancelled',
  consumed: ':white_check_mark: Approved and used',
};

export const isFinal = (status: string): boolean => status !== 'pending';

function votesLine(a: SlackApproval, names: ReadonlyMap<string, string>): string | undefined {
  if (a.votes.length === 0) return undefined;
  return a.votes
    .map((v) => `${v.decision === 'approve' ? 'approved' : 'denied'} by *${safe(names.get(v.approver) ?? uidLabel(v.approver), 80)}* (${safe(v.channel, 16)}, ${slackDate(v.at)})${v.reason ? `: ${safe(v.reason, 200)}` : ''}`)
    .join('\n');
}

/** Splits text into pieces of at most `size` code points, at line ends where one is near. */
function pieces(text: string, size: number): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length; ) {
    let end = Math.min(i + size, cps.length);
    if (end < cps.length) {
      const nl = cps.lastIndexOf('\n', end - 1);
      if (nl > i + size / 2) end = nl + 1;
    }
    out.push(cps.slice(i, end).join(''));
    i = end;
  }
  return out;
}

// rich_text_preformatted is not parsed as mrkdwn: text there is shown literally.
const preformatted = (text: string): SlackBlock => ({ type: 'rich_text', elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text }] }] });

/** Paths shown in their own form above the field list (the command as a block, chat as a link). */
const SHOWN_ELSEWHERE = ['context.command', 'context.chat'];

/**
 * The whole action (issue 11 "What an approver sees"): the full command, then every field of the
 * request — context keys, resource and subject properties, tool arguments — by path. Non-ASCII is
 * shown escaped. Past {@link ACTION_BUDGET} the rest is left out *visibly*: a warning with how much
 * is shown, the full action hash and where to read all of it.
 */
export function wholeAction(a: SlackApproval, opts: RenderOptions = {}): { blocks: SlackBlock[]; shortened: boolean } {
  const d = describeRequest(a);
  const parts: { label: string; text: string }[] = [];
  if (d.command !== undefined) parts.push({ label: '*Command*, exactly as it will run', text: escapeNonAscii(d.command) });
  const fields = actionText(redactRequest(a.request), SHOWN_ELSEWHERE);
  parts.push({ label: '*Every field of the action*', text: escapeNonAscii(fields) });
  const total = parts.reduce((n, p) => n + [...p.text].length, 0);
  let budget = ACTION_BUDGET;
  const blocks: SlackBlock[] = [];
  for (const p of parts) {
    const cps = [...p.text];
    const shown = cps.slice(0, Math.max(0, budget)).join('');
    budget -= cps.length;
    if (shown.length === 0 && cps.length > 0) continue;
    blocks.push(contextBlock(`${p.label}${shown.length < p.text.length ? ' (shortened)' : ''}`));
    for (const piece of pieces(shown.length > 0 ? shown : ' ', CHUNK)) blocks.push(preformatted(piece));
  }
  const shortened = total > ACTION_BUDGET;
  if (shortened) {
    const url = opts.publicUrl && /^https?:\/\//.test(opts.publicUrl) ? `${opts.publicUrl.replace(/\/$/, '')}/v1/approvals/${encodeURIComponent(a.id)}` : undefined;
    blocks.push(
      section(
        `:warning: *Shortened:* this message shows ${ACTION_BUDGET.toLocaleString('en')} of ${total.toLocaleString('en')} characters of the action (Slack limits message size). ` +
          `Do not decide from this message alone: read all of it with \`airlock approvals show ${safe(a.id, 64)}\`${url ? ` or <${url}|the approval in Airlock>` : ''}. ` +
          `Action hash \`${safe(a.actionHash, 80)}\`.`,
      ),
    );
  }
  if (parts.some((p) => hasNonAscii(p.text) || p.text.includes('\\u{'))) blocks.push(contextBlock(':warning: the action contains characters outside printable ASCII, shown as \\u{…}'));
  return { blocks, shortened };
}

/** The details shared by the approval message and its updates (no buttons). */
function approvalDetails(a: SlackApproval, opts: RenderOptions): SlackBlock[] {
  const d = describeRequest(a);
  const bot = uidLabel(a.requester);
  const blocks: SlackBlock[] = [
    { type: 'header', text: plainText(`Approval needed: ${clip(d.action, 100)}`) },
    section(`*${safe(bot, 120)}* wants to run ${code(d.action, 120)} on ${code(d.resource, 200)}`),
  ];
  blocks.push(...wholeAction(a, opts).blocks);
  const initiator = a.initiator
    ? safe(uidLabel(a.initiator), 120)
    : d.chat
      ? `_unknown ${safe(d.chat.platform, 32)} user_ ${code(d.chat.user, 64)} (not linked to a Human)`
      : '_none_';
  const fields = [
    `*Requested by*\n${safe(bot, 120)}`,
    `*Owner*\n${a.owner ? safe(uidLabel(a.owner), 120) : '_unknown_'}`,
    `*Initiator*\n${initiator}`,
  ];
  if (d.chat) fields.push(`*Asked in*\n${messageLink(d.chat, opts)}`);
  if (a.delegationChain.length > 0) fields.push(`*Delegation path*\n${a.delegationChain.map((c) => safe(uidLabel(c), 80)).join(' → ')}`);
  if (d.risk !== undefined) fields.push(`*Risk*\n${safe(d.risk, 40)}${d.findings.length > 0 ? ` (${d.findings.slice(0, 8).map((f) => safe(f, 60)).join(', ')})` : ''}`);
  fields.push(`*Policy*\n${a.policyIds.map((p) => code(p, 100)).join(', ') || '_none_'}${a.reason ? `\n${safe(a.reason, 300)}` : ''}`);
  fields.push(`*Approvers*\n${a.quorum} of ${a.approvers ? safe(uidLabel(a.approvers), 100) : 'any approver'}`);
  fields.push(`*Expires*\n${slackDate(a.expiresAt)}`);
  blocks.push({ type: 'section', fields: fields.slice(0, 10).map((f) => mrkdwn(clip(f, 1900))) });
  blocks.push(contextBlock(`Approval ${code(a.id, 64)} · action hash ${code(a.actionHash, 80)} · all of it: \`airlock approvals show ${safe(a.id, 64)}\``));
  return blocks;
}

/**
 * The buttons. Only the approval id travels; Slack caps `value` at 2000 characters. The confirm
 * dialog (text at most 300 characters) names the action and its hash, and says so when the
 * message is shortened.
 */
export function approvalButtons(a: SlackApproval, opts: RenderOptions = {}): SlackBlock {
  const id = a.id;
  const d = describeRequest(a);
  const shortened = wholeAction(a, opts).shortened;
  const confirmText =
    `Approve ${plain(d.action, 60)} on ${plain(d.resource, 80)}, once, exactly as the message shows (action hash ${a.actionHash.slice(0, 19)}…).` +
    (shortened ? ' The message is shortened: read the whole action first (airlock approvals show).' : '');
  return {
    type: 'actions',
    block_id: APPROVAL_BLOCK_ID,
    elements: [
      {
        type: 'button',
        action_id: ACTION_APPROVE,
        text: plainText('Approve'),
        style: 'primary',
        value: id,
        confirm: { title: plainText('Approve this action?'), text: { type: 'plain_text', text: plain(confirmText, 300), emoji: false }, confirm: plainText('Approve'), deny: plainText('Cancel') },
      },
      { type: 'button', action_id: ACTION_DENY, text: plainText('Deny'), style: 'danger', value: id },
    ],
  };
}

/** The message posted to the approvals channel. */
export function approvalMessage(a: SlackApproval, opts: RenderOptions = {}): SlackMessage {
  const d = describeRequest(a);
  return {
    text: fallback(`Approval needed: ${uidLabel(a.requester)} wants to run ${d.action} on ${d.resource}`),
    blocks: [...approvalDetails(a, opts), approvalButtons(a, opts)],
  };
}

/**
 * The same message after a vote or a resolution: who decided and the outcome; the buttons stay
 * while the request is pending (quorum not reached) and are removed once it is final.
 */
export function approvalUpdateMessage(a: SlackApproval, names: ReadonlyMap<string, string> = new Map(), opts: RenderOptions = {}): SlackMessage {
  const d = describeRequest(a);
  const shown = shownStatus(a, opts.nowMs);
  const status = statusLabel[shown] ?? safe(shown, 20);
  const approvals = new Set(a.votes.filter((v) => v.decision === 'approve').map((v) => v.approver)).size;
  const progress = shown === 'pending' ? ` (${approvals} of ${a.quorum})` : '';
  const blocks = approvalDetails(a, opts);
  blocks.push(section(`*${status}*${progress}${votesLine(a, names) ? `\n${votesLine(a, names)}` : ''}`));
  if (!isFinal(shown)) blocks.push(approvalButtons(a, opts));
  return { text: fallback(`${status.replace(/:[a-z_]+: /, '')}: ${d.action} on ${d.resource}`), blocks };
}

/** The reply in the originating thread: waiting for approval. Never carries buttons. */
export function waitingThreadMessage(a: SlackApproval, opts: RenderOptions = {}): SlackMessage {
  const d = describeRequest(a);
  const where = opts.approvalsChannel && SLACK_ID_RE.test(opts.approvalsChannel) ? ` Approvers were asked in <#${opts.approvalsChannel}>.` : '';
  return {
    text: fallback(`Waiting for approval: ${d.action} on ${d.resource}`),
    blocks: [
      section(
        `:hourglass_flowing_sand: *Waiting for approval* — ${code(d.action, 120)} on ${code(d.resource, 200)} needs ${a.quorum} approval${a.quorum === 1 ? '' : 's'}` +
          `${a.approvers ? ` from ${safe(uidLabel(a.approvers), 100)}` : ''}.${where} The person who asked cannot approve it.`,
      ),
      contextBlock(`Approval ${code(a.id, 64)} · expires ${slackDate(a.expiresAt)}`),
    ],
  };
}

/** The reply in the originating thread once the approval is decided. No buttons. */
export function decidedThreadMessage(a: SlackApproval, names: ReadonlyMap<string, string> = new Map(), nowMs?: number): SlackMessage {
  const d = describeRequest(a);
  const shown = shownStatus(a, nowMs);
  const status = statusLabel[shown] ?? safe(shown, 20);
  const who = votesLine(a, names);
  const next = shown === 'approved' ? ' The bot may now run it, once.' : shown === 'denied' || shown === 'expired' ? ' It will not run.' : '';
  return {
    text: fallback(`${status.replace(/:[a-z_]+: /, '')}: ${d.action} on ${d.resource}`),
    blocks: [section(`*${status}* — ${code(d.action, 120)} on ${code(d.resource, 200)}.${next}${who ? `\n${who}` : ''}`), contextBlock(`Approval ${code(a.id, 64)}`)],
  };
}

export interface ExecutionReport {
  /** Request id of the decision that allowed the action (its evidence id). */
  requestId: string;
  /** The request that ran (its `context.chat` names the thread to answer in). */
  request: AuthorizationRequest;
  status: 'succeeded' | 'failed';
  /** Short, user-controlled result summary. */
  summary?: string;
  /** Set when the executor recorded how to reverse the action. */
  reversal?: { description: string };
}

/** The execution result in the thread, with a Reverse button when a reversal was recorded. */
export function executionResultMessage(report: ExecutionReport): SlackMessage {
  const r = { ...report, action: report.request.action.name, resource: `${report.request.resource.type} ${report.request.resource.id}` };
  const icon = r.status === 'succeeded' ? ':white_check_mark:' : ':x:';
  const blocks: SlackBlock[] = [section(`${icon} *${r.status === 'succeeded' ? 'Done' : 'Failed'}* — ${code(r.action, 120)} on ${code(r.resource, 200)}${r.summary ? `\n${safe(r.summary, 1000)}` : ''}`)];
  if (r.reversal) {
    blocks.push(section(`Reversal available: ${safe(r.reversal.description, 300)}`));
    blocks.push({
      type: 'actions',
      block_id: REVERSE_BLOCK_ID,
      elements: [
        {
          type: 'button',
          action_id: ACTION_REVERSE,
          text: plainText('Reverse'),
          style: 'danger',
          value: r.requestId,
          confirm: { title: plainText('Request a reversal?'), text: mrkdwn('The reversal is a new action: it goes through policy and approval like any other.'), confirm: plainText('Request'), deny: plainText('Cancel') },
        },
      ],
    });
  }
  blocks.push(contextBlock(`Evidence ${code(r.requestId, 64)} · \`/airlock evidence ${safe(r.requestId, 64)}\``));
  return { text: fallback(`${r.status === 'succeeded' ? 'Done' : 'Failed'}: ${r.action} on ${r.resource}`), blocks };
}

/** A one-section message (ephemeral explanations, slash command answers). */
export function noticeMessage(markdown: string, plainFallback?: string): SlackMessage {
  return { text: fallback(plainFallback ?? markdown), blocks: [section(markdown)] };
}

/** One approval as a line of the `/airlock pending` list. */
export function pendingLine(a: SlackApproval): string {
  const d = describeRequest(a);
  return `• ${code(a.id, 64)} — *${safe(uidLabel(a.requester), 80)}* ${code(d.action, 80)} on ${code(d.resource, 120)} · expires ${slackDate(a.expiresAt)}`;
}

/** `/airlock show ID`: the approval's details and state, without buttons. */
export function showApprovalMessage(a: SlackApproval, names: ReadonlyMap<string, string> = new Map(), opts: RenderOptions = {}): SlackMessage {
  const m = approvalUpdateMessage(a, names, opts);
  return { text: m.text, blocks: m.blocks.filter((b) => b.type !== 'actions') };
}
