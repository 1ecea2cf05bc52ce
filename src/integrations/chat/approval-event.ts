import { redact } from '../../commands/redact.js';
import type { ApprovalRequest } from '../../approval/types.js';
import { redactRequest } from '../../gateway/redact-request.js';
import { parseChatContext, type ChatContext } from './provenance.js';

/**
 * The `data` of the signed `approval.created` / `approval.decided` webhooks: enough for any chat
 * (Teams, Mattermost, Discord, …) to render the same message the Slack adapter posts. Values only,
 * strings as received: the receiver escapes them for its own markup.
 */
export interface ChatApprovalEventData {
  approval: {
    id: string;
    kind: ApprovalRequest['kind'];
    status: ApprovalRequest['status'];
    actionHash: string;
    requester: string;
    owner?: string;
    initiator?: string;
    delegationChain: string[];
    approvers?: string;
    quorum: number;
    policyIds: string[];
    reason?: string;
    createdAt: string;
    expiresAt: string;
    decidedAt?: string;
    votes: { approver: string; decision: 'approve' | 'deny'; channel: string; at: string }[];
  };
  request: {
    subject: { type: string; id: string; properties?: Record<string, unknown> };
    action: string;
    resource: { type: string; id: string; properties?: Record<string, unknown> };
    environment?: string;
    /** The whole command text, when the action carries one (secrets masked). */
    command?: string;
    /** Every context key of the action, as stored (secrets masked): amounts, arguments, targets. */
    context: Record<string, unknown>;
  };
  /** The command analyzer's view, when the action carries a command. */
  analysis?: { risk?: string; summary?: string; findings?: string[] };
  chat?: ChatContext;
  /** Where a person decides (the approvals API / console), when the gateway has a public URL. */
  links?: { approval: string };
}

export function chatApprovalEventData(stored: ApprovalRequest, opts: { publicUrl?: string } = {}): ChatApprovalEventData {
  // Stored requests are masked already; mask again so no caller of this can leak a secret.
  const a: ApprovalRequest = { ...stored, request: redactRequest(stored.request) };
  const ctx = a.request.context ?? {};
  const cmd = ctx['command'];
  const command = typeof cmd === 'string' ? cmd : typeof (cmd as { text?: unknown } | undefined)?.text === 'string' ? (cmd as { text: string }).text : undefined;
  const data: ChatApprovalEventData = {
    approval: {
      id: a.id,
      kind: a.kind,
      status: a.status,
      actionHash: a.actionHash,
      requester: a.requester,
      delegationChain: [...a.delegationChain],
      quorum: a.quorum,
      policyIds: [...a.policyIds],
      createdAt: a.createdAt,
      expiresAt: a.expiresAt,
      votes: a.votes.map((v) => ({ approver: v.approver, decision: v.decision, channel: v.channel, at: v.at })),
    },
    request: {
      subject: { type: a.request.subject.type, id: a.request.subject.id, ...(a.request.subject.properties ? { properties: structuredClone(a.request.subject.properties) } : {}) },
      action: a.request.action.name,
      resource: { type: a.request.resource.type, id: a.request.resource.id, ...(a.request.resource.properties ? { properties: structuredClone(a.request.resource.properties) } : {}) },
      // A receiver shows the whole action: nothing a person decides on is left out (issue 11).
      context: structuredClone(ctx),
    },
  };
  if (a.command !== undefined) data.analysis = { ...a.command, ...(a.command.findings ? { findings: [...a.command.findings] } : {}) };
  if (a.owner !== undefined) data.approval.owner = a.owner;
  if (a.initiator !== undefined) data.approval.initiator = a.initiator;
  if (a.approvers !== undefined) data.approval.approvers = a.approvers;
  if (a.reason !== undefined) data.approval.reason = a.reason;
  if (a.decidedAt !== undefined) data.approval.decidedAt = a.decidedAt;
  if (typeof ctx['environment'] === 'string') data.request.environment = ctx['environment'];
  // Secrets in a command (tokens, passwords) never leave for a chat or a webhook receiver.
  if (command !== undefined) data.request.command = redact(command);
  const chat = parseChatContext(a.request);
  if (chat.ok && chat.chat) data.chat = chat.chat;
  if (opts.publicUrl) data.links = { approval: `${opts.publicUrl.replace(/\/$/, '')}/v1/approvals/${encodeURIComponent(a.id)}` };
  return data;
}
