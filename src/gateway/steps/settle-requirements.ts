import type { ApprovalRepo } from '../../approval/repo.js';
import { canonicalId, pendingLimitReached } from '../../approval/rules.js';
import type { ApprovalKind, ApprovalRequest } from '../../approval/types.js';
import { proveVotes } from '../../approval/vote-proof.js';
import { recordIntact } from '../../audit/chain.js';
import type { AuditRepo } from '../../store/port.js';
import { uuidv7 } from '../../core/ids.js';
import { redactRequest } from '../redact-request.js';
import type { AuthorizationRequest, Outcome, Reason, Requirement } from '../../core/types.js';
import { qualifyType, uidKey } from '../../core/entity-uid.js';
import { inSpan } from '../../core/tracing.js';
import { NEXT, type PipelineState, type SettleInput, type StepFactory } from '../pipeline.js';
import { withoutDelegationToken } from './verify-delegation.js';

export type { SettleInput } from '../pipeline.js';

/** What a decision tells the caller about its open approval or confirmation. */
export interface ApprovalRef {
  id: string;
  kind: ApprovalKind;
  status: ApprovalRequest['status'];
  expiresAt: string;
  approvers?: string;
  quorum: number;
  /** Relative URLs on the gateway: poll, and long-poll wait. */
  pollUrl: string;
  waitUrl: string;
}

export interface SettleOptions {
  /** The unit of work's approvals: settling runs inside the unit that records the decision. */
  approvals: ApprovalRepo;
  /** The unit of work's audit log: where the votes of an approval about to be used must be. */
  audit: Pick<AuditRepo, 'get'>;
  /** Default approval lifetime when the policy sets no `@approval_ttl`. */
  approvalTtlMs: number;
  /** Lifetime of a confirmation. */
  confirmationTtlMs: number;
  /** Most pending approvals and confirmations one requester may have open (config `approvalMaxPendingPerRequester`). */
  maxPendingPerRequester?: number;
}

export interface Settled {
  outcome: Outcome;
  reasons: Reason[];
  approval?: ApprovalRef;
  /** The approval this allow used up, if any. */
  consumed?: ApprovalRequest;
  /** Set when a new approval/confirmation request was opened by this decision. */
  opened?: ApprovalRequest;
  /** An approved request whose votes the audit chain does not hold: denied, and an alarm. */
  unverified?: { approvalId: string; problem: string };
}

export function approvalRef(r: ApprovalRequest): ApprovalRef {
  const ref: ApprovalRef = {
    id: r.id,
    kind: r.kind,
    status: r.status,
    expiresAt: r.expiresAt,
    quorum: r.quorum,
    pollUrl: `/v1/approvals/${r.id}`,
    waitUrl: `/v1/approvals/${r.id}/wait`,
  };
  if (r.approvers !== undefined) ref.approvers = r.approvers;
  return ref;
}

/** The requirement that governs: for approvals the largest quorum (then the first policy id). */
function governing(kind: ApprovalKind, reqs: Requirement[]): Requirement | undefined {
  const mine = reqs.filter((r) => r.kind === kind);
  return mine.sort((a, b) => (b.quorum ?? 1) - (a.quorum ?? 1) || a.policyId.localeCompare(b.policyId))[0];
}

/**
 * DESIGN §2 step 6. When policy demands an approval or a confirmation: an approved, unexpired,
 * unused request bound to this exact action hash (and requester) is consumed atomically and the
 * answer becomes allow; otherwise the request is opened — or the one already open is returned —
 * and the answer stays approval_required / confirmation_required.
 * A caller re-evaluating with `context.approval = {id}` (AuthZEN access-request profile) consumes
 * exactly that request, and only if it is bound to the same action hash.
 */
export async function settleRequirements(input: SettleInput, opts: SettleOptions): Promise<Settled> {
  const { outcome } = input;
  if (outcome !== 'approval_required' && outcome !== 'confirmation_required') return { outcome, reasons: input.reasons };
  const kind: ApprovalKind = outcome === 'approval_required' ? 'approval' : 'confirmation';
  const nowIso = new Date(input.nowMs).toISOString();
  const requirement = governing(kind, input.requirements);

  const presented = input.request.context?.['approval'];
  if (presented !== undefined) {
    const id = typeof presented === 'object' && presented !== null ? (presented as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') {
      return { outcome: 'deny', reasons: [{ code: 'approval_unverifiable', message: 'context.approval must be {id, …} as returned by the access request' }] };
    }
    const known = await opts.approvals.getForUpdate(id);
    const usable = known && known.actionHash === input.actionHash && known.requester === input.requester && known.kind === kind && known.status === 'approved' && Date.parse(known.expiresAt) > input.nowMs;
    if (!usable) {
      const code = !known || known.actionHash !== input.actionHash || known.requester !== input.requester ? 'out_of_scope' : known.status === 'consumed' ? 'approval_already_used' : known.status === 'expired' || Date.parse(known.expiresAt) <= input.nowMs ? 'approval_expired' : known.status === 'pending' ? 'grant_pending' : 'approval_unverifiable';
      return { outcome: 'deny', reasons: [{ code, message: `approval ${id} cannot be used for this action (${code})` }] };
    }
    return useApproval(known, input, opts, nowIso, (used) => ({ code: 'approval_consumed', message: `approved request ${used.id} used for this action` }));
  }

  const found = await opts.approvals.findConsumable(kind, input.requester, input.actionHash, nowIso);
  if (found) {
    return useApproval(found, input, opts, nowIso, (used) => ({
      code: kind === 'approval' ? 'approval_consumed' : 'confirmation_consumed',
      message: `${kind} ${used.id} by ${used.votes.map((v) => v.approver).join(', ')} used for this action`,
    }));
  }

  if (opts.maxPendingPerRequester !== undefined) {
    const max = opts.maxPendingPerRequester;
    const pending = await opts.approvals.list({ status: 'pending', requester: input.requester, limit: max + 1 });
    if (pendingLimitReached(pending, { kind, actionHash: input.actionHash }, max, input.nowMs)) {
      return { outcome: 'deny', reasons: [{ code: 'approval_limit', message: `${input.requester} already has ${max} pending requests for approval or confirmation; decide or cancel some first` }] };
    }
  }

  const ttlMs = kind === 'approval' ? (requirement?.approvalTtlMs ?? opts.approvalTtlMs) : opts.confirmationTtlMs;
  const fresh: ApprovalRequest = {
    id: uuidv7(input.nowMs),
    kind,
    actionHash: input.actionHash,
    // Stored and shown with secrets masked; the hash above is the real action's (threats.md A3).
    request: redactRequest(input.request),
    requester: input.requester,
    caller: input.caller,
    delegationChain: input.delegationChain,
    quorum: kind === 'approval' ? (requirement?.quorum ?? 1) : 1,
    sod: requirement?.sod ?? [],
    policyIds: input.requirements.filter((r) => r.kind === kind).map((r) => r.policyId),
    openedBy: input.requestId,
    status: 'pending',
    votes: [],
    createdAt: nowIso,
    expiresAt: new Date(input.nowMs + ttlMs).toISOString(),
  };
  if (kind === 'approval' && requirement?.approvers !== undefined) fresh.approvers = requirement.approvers;
  if (requirement?.reason !== undefined) fresh.reason = requirement.reason;
  if (input.owner !== undefined) fresh.owner = input.owner;
  if (input.initiator !== undefined) fresh.initiator = input.initiator;
  if (input.notify !== undefined && input.notify.length > 0) fresh.notify = input.notify;
  if (input.command !== undefined) fresh.command = input.command;
  const { request, created } = await opts.approvals.openOrGet(fresh, nowIso);
  const result: Settled = { outcome, reasons: input.reasons, approval: approvalRef(request) };
  if (created) result.opened = request;
  return result;
}

/**
 * Uses an approved request (read and locked in this unit): its votes must be in the audit chain,
 * and no approver may be on the delegation path presented now — the path at approval time may
 * have been empty (issue 11: asked without the token, approved by the delegator, used with the
 * delegator's token). Only then is it consumed, conditionally, in the unit that records the allow.
 */
async function useApproval(
  candidate: ApprovalRequest,
  input: SettleInput,
  opts: SettleOptions,
  nowIso: string,
  allowed: (used: ApprovalRequest) => { code: 'approval_consumed' | 'confirmation_consumed'; message: string },
): Promise<Settled> {
  const proof = await proveVotes(candidate, { recordAt: (ref) => opts.audit.get(ref.writer, ref.seq), intact: recordIntact });
  if (!proof.ok) {
    return {
      outcome: 'deny',
      reasons: [{ code: 'approval_unverified', message: `${candidate.kind} ${candidate.id} cannot be used: its votes are not in the audit log (${proof.problem})` }],
      unverified: { approvalId: candidate.id, problem: proof.problem },
    };
  }
  const onPath = new Set(input.delegationChain.map(canonicalId));
  const approverOnPath = proof.approvers.find((a) => onPath.has(canonicalId(a)));
  if (approverOnPath !== undefined) {
    return {
      outcome: 'deny',
      reasons: [{ code: 'approval_sod_chain', message: `${candidate.kind} ${candidate.id} was decided by ${approverOnPath}, who is on the delegation path of this request` }],
    };
  }
  const used = await opts.approvals.consumeById(candidate.id, input.actionHash, nowIso, input.requestId);
  if (!used) return { outcome: 'deny', reasons: [{ code: 'approval_already_used', message: `approval ${candidate.id} was used by another request first` }] };
  const r = allowed(used);
  return { outcome: 'allow', reasons: [{ ...r, policyId: used.policyIds[0] ?? '' }], consumed: used };
}

/** The Human named by `context.initiator` (`{type, id}` or an id string), as uid text. */
function initiatorOf(req: AuthorizationRequest, ns: string): string | undefined {
  const v = req.context?.['initiator'];
  if (typeof v === 'string' && v.length > 0) return uidKey({ type: `${ns}::Human`, id: v });
  if (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string') {
    const t = (v as { type?: unknown }).type;
    return uidKey({ type: qualifyType(typeof t === 'string' ? t : 'Human', ns), id: (v as { id: string }).id });
  }
  return undefined;
}

/** `@notify` channels of the policies behind the requirements (e.g. `slack`), for the chat edges. */
function notifyOf(bundle: { policies: ReadonlyMap<string, { notify?: string[] }> }, requirements: readonly { policyId: string }[]): { notify?: string[] } {
  const channels = [...new Set(requirements.flatMap((r) => bundle.policies.get(r.policyId)?.notify ?? []))];
  return channels.length > 0 ? { notify: channels } : {};
}

/** Step 6's answer folded into the decision and its record. */
function applySettled(s: PipelineState, settled: Settled): void {
  const d = s.decision!;
  d.outcome = settled.outcome;
  d.reasons = settled.reasons;
  if (settled.approval) {
    if (settled.approval.kind === 'confirmation') d.confirmation = settled.approval;
    else d.approval = settled.approval;
    s.audit['approval'] = { id: settled.approval.id, kind: settled.approval.kind, status: settled.approval.status };
  }
  if (settled.opened) s.opened = settled.opened;
  if (settled.consumed) {
    s.consumed = settled.consumed;
    s.audit['consumedApproval'] = settled.consumed.id;
  }
  if (settled.unverified) {
    s.unverified = settled.unverified;
    s.audit['approvalUnverified'] = settled.unverified;
  }
}

/**
 * Step 6: approvals and confirmations bound to this exact action hash. Opening or using one is a
 * state change, so this step runs in the unit of work that records the decision (step 7).
 */
export const requirementsStep: StepFactory = (deps) => {
  const approvals = deps.approvals;
  const pending = (s: PipelineState): boolean => approvals !== undefined && (s.decision?.outcome === 'approval_required' || s.decision?.outcome === 'confirmation_required');
  return {
    name: 'requirements',
    phase: 'record',
    changesState: pending,
    beforeUnit(s) {
      if (!pending(s)) return;
      const d = s.decision!;
      const ns = s.bundle.namespace;
      const initiator = initiatorOf(s.request, ns);
      const a = s.analysis;
      s.settle = {
        outcome: d.outcome,
        reasons: d.reasons,
        requirements: s.requirements,
        request: withoutDelegationToken(s.request),
        actionHash: s.actionHash,
        requestId: s.requestId,
        caller: s.caller,
        requester: s.requester,
        ...(s.owner ? { owner: s.owner } : {}),
        ...(initiator ? { initiator } : {}),
        delegationChain: s.delegationChain,
        ...notifyOf(s.bundle, s.requirements),
        ...(a ? { command: { risk: a.risk, summary: a.summary.join('; '), findings: [...new Set(a.findings.map((f) => f.rule))] } } : {}),
        nowMs: deps.clock.now(),
      };
    },
    async run(s) {
      const settle = s.settle;
      if (!settle || !approvals) return NEXT;
      const unit = s.unit;
      if (!unit) throw new Error('step 6 runs only inside the unit of work that records the decision');
      applySettled(s, await inSpan(s.span, 'airlock.approvals', async (span) => {
        const settled = await settleRequirements(settle, { ...approvals, approvals: unit.approvals, audit: unit.audit });
        span.set({ 'airlock.approvals.outcome': settled.outcome, ...(settled.approval ? { 'airlock.approval.id': settled.approval.id, 'airlock.approval.status': settled.approval.status } : {}) });
        return settled;
      }));
      return NEXT;
    },
  };
};
