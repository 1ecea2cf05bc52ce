import { checkApprover } from '../approval/rules.js';
import type { ApprovalRequest } from '../approval/types.js';
import { assembleEvidence } from '../audit/evidence.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { parseAuthorizationRequest } from '../core/request-shape.js';
import type { AuthorizationRequest } from '../core/types.js';

import type { Gateway } from '../gateway/gateway.js';
import type { ChatHuman, HumanDirectory } from '../integrations/chat/provenance.js';
import { createSlackAdapter, type SlackAdapter, type SlackAdapterEvent } from '../integrations/slack/adapter.js';
import type { ApprovalDesk as SlackDesk, EvidenceReader, EvidenceView, ReversalOutcome, ReversalStarter } from '../integrations/slack/ports.js';
import type { AuditRepo, ChatMessageRefs, ReplayLedger } from '../store/port.js';
import type { ApprovalDesk } from './approval-desk.js';
import { collectEvidenceSources } from './evidence-sources.js';
import { qualifyType, uidKey } from '../core/entity-uid.js';

export interface SlackWiringDeps {
  config: NonNullable<Config['slack']>;
  /** Public base URL of the gateway (config `publicUrl`). */
  publicUrl?: string;
  approvals: ApprovalDesk;
  humans: HumanDirectory;
  gateway: Gateway;
  audit: AuditWriter;
  auditRepo: Pick<AuditRepo, 'find'>;
  /** Replay ledger and message references in the store, so every replica shares them. */
  state?: { replay: ReplayLedger; chatRefs: ChatMessageRefs };
  clock: Clock;
  namespace: () => string;
  onError?: (op: string, error: unknown) => void;
  onEvent?: (event: SlackAdapterEvent) => void;
}

/** The caller recorded for requests the Slack edge makes on a person's behalf (reversals). */
export const SLACK_CALLER = { type: 'integration', id: 'slack', via: 'chat' } as const;

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Approvers, admins and auditors see (and may ask to reverse) any action; others only what they asked for. */
const overseer = (h: ChatHuman) => h.roles.some((r) => r === 'approver' || r === 'admin' || r === 'auditor');

/**
 * The Slack adapter's ports over the real pieces: the approval desk (every vote audited, then
 * `approval.decided`), the registry's humans, the evidence assembly over the audit chain, and
 * reversals through the gateway. Returns the adapter and the listener to subscribe to the desk.
 */
export function createSlackIntegration(deps: SlackWiringDeps): { adapter: SlackAdapter; onApprovalChange: (event: 'approval.created' | 'approval.decided', a: ApprovalRequest) => void } {
  const { approvals } = deps;

  const desk: SlackDesk = {
    get: (id) => approvals.get(id),
    vote: (id, who, decision, reason, channel) => approvals.vote(id, who, decision, reason, channel),
    async pendingFor(who) {
      const open = await approvals.list({ status: 'pending', kind: 'approval' });
      const now = deps.clock.now();
      return open.filter((a) => checkApprover(a, who, now).ok);
    },
  };

  /** The decision record's request id behind an evidence id: a request id, or an approval id. */
  async function sourcesFor(id: string) {
    let sources = await collectEvidenceSources(deps.auditRepo, id);
    let requestId = id;
    if (!sources.some((s) => s.kind === 'decision' && s.record['requestId'] === id)) {
      const a = await approvals.get(id);
      if (!a) return undefined;
      requestId = a.consumedBy ?? a.openedBy;
      sources = await collectEvidenceSources(deps.auditRepo, requestId);
    }
    const decision = sources.find((s) => s.kind === 'decision' && s.record['requestId'] === requestId);
    return decision ? { requestId, sources, decision } : undefined;
  }

  const evidence: EvidenceReader = {
    async get(id) {
      const found = await sourcesFor(id);
      if (!found) return undefined;
      const doc = assembleEvidence(found.requestId, found.sources);
      const request = obj(doc.request);
      const action = str(obj(request?.['action'])?.['name']);
      const resource = obj(request?.['resource']);
      const initiator = obj(doc.initiator);
      const view: EvidenceView = { requestId: doc.requestId, approvals: [], records: doc.records.length };
      if (doc.subject?.uid) view.subject = doc.subject.uid;
      if (action) view.action = action;
      if (resource) view.resource = `${str(resource['type']) ?? '?'} ${str(resource['id']) ?? '?'}`;
      if (initiator && typeof initiator['id'] === 'string') {
        const type = str(initiator['type']) ?? 'Human';
        view.initiator = uidKey({ type: type.includes('::') ? type : `${deps.namespace()}::${type}`, id: initiator['id'] });
      }
      if (obj(doc.chat)) view.chat = obj(doc.chat) as EvidenceView['chat'] & object;
      if (doc.decision) view.outcome = doc.decision.outcome;
      for (const a of doc.approvals) {
        const live = await approvals.get(a.id);
        const entry: EvidenceView['approvals'][number] = { id: a.id, votes: [] };
        const status = live?.status ?? a.status;
        if (status !== undefined) entry.status = status;
        for (const v of a.votes) {
          const vote = obj(v) ?? {};
          const shown: EvidenceView['approvals'][number]['votes'][number] = { approver: str(vote['approver']) ?? '?', decision: str(vote['decision']) ?? '?' };
          if (str(vote['channel'])) shown.channel = str(vote['channel'])!;
          if (str(vote['at'])) shown.at = str(vote['at'])!;
          entry.votes.push(shown);
        }
        view.approvals.push(entry);
      }
      const exec = obj(doc.execution);
      if (exec) {
        view.execution = {};
        if (str(exec['status'])) view.execution.status = str(exec['status'])!;
        if (str(exec['at'])) view.execution.at = str(exec['at'])!;
      }
      if (doc.reversal) {
        view.reversal = { available: doc.reversal.reversal !== undefined };
        if (doc.reversal.reverses) view.reversal.reverses = doc.reversal.reverses;
        if (doc.reversal.requestedAs) view.reversal.requestedAs = doc.reversal.requestedAs;
      }
      const last = doc.records.at(-1);
      if (last) view.lastHash = last.hash;
      return view;
    },
  };

  const reversals: ReversalStarter = {
    async start({ evidenceId, by, chat }): Promise<ReversalOutcome> {
      const found = await sourcesFor(evidenceId);
      if (!found) return { status: 'not_found' };
      const original = obj(found.decision.record['request']);
      const initiator = obj(obj(original?.['context'])?.['initiator']);
      // An id you may not see answers like an unknown id (no oracle).
      const initiatorUid = typeof initiator?.['id'] === 'string' ? uidKey({ type: qualifyType(str(initiator['type']) ?? 'Human', deps.namespace()), id: initiator['id'] }) : undefined;
      if (!overseer(by) && initiatorUid !== by.uid) return { status: 'not_found' };
      const execution = [...found.sources].reverse().find((s) => s.kind === 'execution');
      const recorded = execution?.record['reversal'];
      if (recorded === undefined) return { status: 'not_reversible', reason: 'no reversal was recorded for this action' };
      let base: AuthorizationRequest;
      try {
        base = parseAuthorizationRequest(recorded, '/reversal');
      } catch {
        return { status: 'not_reversible', reason: 'the recorded reversal is not a valid request' };
      }
      const subject = obj(original?.['subject']);
      // "run as the same bot": a recorded reversal naming another identity is not this action's reversal.
      if (base.subject.type !== subject?.['type'] || base.subject.id !== subject?.['id']) return { status: 'not_reversible', reason: 'the recorded reversal runs as a different identity' };
      const context: Record<string, unknown> = { ...base.context };
      for (const k of ['chat', 'initiator', 'delegationToken', 'delegation', 'approval', 'confirmation', 'reverses']) delete context[k];
      // The reversal is a new action: the whole pipeline, with the person who asked as its initiator.
      const request: AuthorizationRequest = { ...base, context: { ...context, chat: { ...chat } } };
      const decision = await deps.gateway.authorize(request, { caller: { ...SLACK_CALLER }, gatewayContext: { reverses: found.requestId } });
      await deps.audit.append('reversal.requested', { requestId: found.requestId, reversalRequestId: decision.requestId, outcome: decision.outcome, by: by.uid, via: 'chat' });
      switch (decision.outcome) {
        case 'allow':
          return { status: 'allowed', requestId: decision.requestId };
        case 'approval_required':
          return decision.approval ? { status: 'approval_required', requestId: decision.requestId, approvalId: decision.approval.id } : { status: 'denied', requestId: decision.requestId, reason: 'approval required' };
        case 'confirmation_required':
          return { status: 'denied', requestId: decision.requestId, reason: 'the reversal needs a confirmation at the executor' };
        default:
          return { status: 'denied', requestId: decision.requestId, reason: decision.reasons.map((r) => r.message).join('; ') || 'denied' };
      }
    },
  };

  const c = deps.config;
  const adapter = createSlackAdapter({
    signingSecret: c.signingSecret,
    botToken: c.botToken,
    approvalsChannel: c.approvalsChannel,
    ...(c.apiUrl !== undefined ? { apiUrl: c.apiUrl } : {}),
    ...(c.teamId !== undefined ? { teamId: c.teamId } : {}),
    ...(c.workspaceUrl !== undefined ? { workspaceUrl: c.workspaceUrl } : {}),
    ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
    desk,
    humans: deps.humans,
    evidence,
    reversals,
    ...(deps.state ? { replay: deps.state.replay, refs: deps.state.chatRefs } : {}),
    clock: deps.clock,
    ...(deps.onError ? { onError: deps.onError } : {}),
    ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
  });

  return {
    adapter,
    onApprovalChange(event, a) {
      if (event === 'approval.created') void adapter.onApprovalCreated(a);
      else void adapter.onApprovalDecided(a);
    },
  };
}
