import { digestMessage, type ChatContext, type ChatHuman } from '../chat/provenance.js';
import { noticeMessage, pendingLine, showApprovalMessage, type RenderOptions, type SlackMessage } from './messages.js';
import { code, safe, uidLabel } from './mrkdwn.js';
import type { ApprovalDesk, EvidenceReader, EvidenceView, HumanDirectory, SlackApproval } from './ports.js';

/** One `/airlock …` invocation, after the signature check. */
export interface SlashInput {
  text: string;
  userId: string;
  team: string;
  channel?: string;
  triggerId?: string;
  commandName: string;
}

export interface SlashDeps {
  desk: ApprovalDesk;
  humans: HumanDirectory;
  evidence?: EvidenceReader;
  names: ReadonlyMap<string, string>;
  render: RenderOptions;
  learn: (h: ChatHuman) => void;
  requestReversal: (evidenceId: string, by: ChatHuman, chat: ChatContext, say: (m: SlackMessage) => Promise<void>) => Promise<void>;
}

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_PENDING = 20;
/** Approvers, admins and auditors see any request; others only what they asked for or own. */
const overseer = (h: ChatHuman) => h.roles.some((r) => r === 'approver' || r === 'admin' || r === 'auditor');

export function usage(commandName: string): SlackMessage {
  const c = safe(commandName, 40);
  return noticeMessage(
    [
      '*Airlock*',
      `\`${c} pending\` — approvals you may decide now`,
      `\`${c} show ID\` — one approval request and its state`,
      `\`${c} evidence ID\` — the evidence record of an action (request, approval, execution, reversal)`,
      `\`${c} reverse ID\` — ask for the reversal of an action (it goes through policy and approval)`,
    ].join('\n'),
    `${commandName} pending | show ID | evidence ID | reverse ID`,
  );
}

/**
 * The `/airlock` subcommands. Every answer is ephemeral (only the caller sees it); an id the
 * caller may not see answers exactly like an unknown id, so the command is no oracle.
 */
export async function runSlashCommand(input: SlashInput, deps: SlashDeps): Promise<SlackMessage> {
  const [verb = '', arg, ...rest] = input.text.trim().split(/\s+/).filter((w) => w.length > 0);
  const sub = verb.toLowerCase();
  if (sub === '' || sub === 'help') return usage(input.commandName);
  if (!['pending', 'show', 'evidence', 'reverse'].includes(sub)) return usage(input.commandName);
  if (sub !== 'pending' && (arg === undefined || rest.length > 0 || !ID_RE.test(arg))) {
    return noticeMessage(`:warning: Usage: \`${safe(input.commandName, 40)} ${sub} ID\``);
  }
  const human = await deps.humans.byChatUser('slack', input.team, input.userId);
  if (!human) return noticeMessage(`:no_entry: Your Slack account (${code(input.userId, 40)}) is not linked to an Airlock human. An Airlock admin can link it (human \`links.slack\`).`);
  deps.learn(human);
  const notFound = (kind: string) => noticeMessage(`:warning: No ${kind} ${code(arg ?? '', 64)} that you can see.`);

  switch (sub) {
    case 'pending': {
      const list = await deps.desk.pendingFor(human);
      if (list.length === 0) return noticeMessage(':white_check_mark: Nothing waits for your decision.');
      const lines = list.slice(0, MAX_PENDING).map(pendingLine);
      const more = list.length > MAX_PENDING ? `\n…and ${list.length - MAX_PENDING} more` : '';
      return noticeMessage(`*Waiting for your decision* (${list.length})\n${lines.join('\n')}${more}\nDecide with the buttons in the approvals channel, or \`${safe(input.commandName, 40)} show ID\`.`, `${list.length} approvals wait for your decision`);
    }
    case 'show': {
      const a = await deps.desk.get(arg!);
      if (!a || !mayView(human, a)) return notFound('approval');
      return showApprovalMessage(a, deps.names, deps.render);
    }
    case 'evidence': {
      if (!deps.evidence) return noticeMessage(':warning: Evidence is not available from Slack on this Airlock.');
      const e = await deps.evidence.get(arg!);
      // Exact uid texts, type included: seeing a record is a right, so no folding widens it.
      if (!e || !(overseer(human) || e.initiator === human.uid)) return notFound('evidence record');
      return evidenceMessage(e);
    }
    default: {
      const chat: ChatContext = {
        platform: 'slack',
        workspace: input.team,
        channel: input.channel ?? '',
        user: input.userId,
        messageId: input.triggerId ?? '',
        messageDigest: digestMessage(`${input.commandName} ${input.text}`),
      };
      let said: SlackMessage | undefined;
      await deps.requestReversal(arg!, human, chat, async (m) => {
        said = m;
      });
      return said ?? noticeMessage(':warning: The reversal could not be requested.');
    }
  }
}

function mayView(h: ChatHuman, a: SlackApproval): boolean {
  return overseer(h) || a.initiator === h.uid || a.owner === h.uid;
}

export function evidenceMessage(e: EvidenceView): SlackMessage {
  const lines = [`*Evidence* ${code(e.requestId, 64)}`];
  if (e.subject) lines.push(`*Subject* ${safe(uidLabel(e.subject), 120)}`);
  if (e.action) lines.push(`*Action* ${code(e.action, 120)}${e.resource ? ` on ${code(e.resource, 200)}` : ''}`);
  if (e.initiator) lines.push(`*Initiator* ${safe(uidLabel(e.initiator), 120)}`);
  if (e.chat?.channel) lines.push(`*Asked in* ${safe(e.chat.platform ?? 'chat', 32)} ${code(e.chat.channel, 64)}${e.chat.messageId ? ` message ${code(e.chat.messageId, 64)}` : ''}`);
  if (e.outcome) lines.push(`*Decision* ${safe(e.outcome, 40)}`);
  for (const a of e.approvals) {
    const votes = a.votes.map((v) => `${safe(v.decision, 10)} by ${safe(uidLabel(v.approver), 80)}${v.channel ? ` (${safe(v.channel, 16)})` : ''}`).join(', ');
    lines.push(`*Approval* ${code(a.id, 64)} ${safe(a.status ?? 'unknown', 20)}${votes ? ` — ${votes}` : ''}`);
  }
  if (e.execution) lines.push(`*Execution* ${safe(e.execution.status ?? 'reported', 40)}${e.execution.at ? ` at ${safe(e.execution.at, 40)}` : ''}`);
  if (e.reversal?.requestedAs) lines.push(`*Reversal* requested as ${code(e.reversal.requestedAs, 64)}`);
  else if (e.reversal?.available) lines.push('*Reversal* available');
  if (e.reversal?.reverses) lines.push(`*Reverses* ${code(e.reversal.reverses, 64)}`);
  lines.push(`_${e.records} audit record${e.records === 1 ? '' : 's'}${e.lastHash ? `, last ${code(e.lastHash.slice(0, 23), 30)}…` : ''}_`);
  return noticeMessage(lines.join('\n'), `Evidence ${e.requestId}`);
}
