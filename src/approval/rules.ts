import type { ApprovalRequest, ApprovalVote, ApproverFacts } from './types.js';

/**
 * For separation of duties only, identity ids are compared after NFKC normalisation and case
 * folding, so `Alice`, `alice` and a full-width `ａｌｉｃｅ` are one person (threats.md P5): a
 * looser match can only refuse more. Whatever grants a right (membership of the approvers entity,
 * being the initiator who confirms) compares exact uid texts, as Cedar does — type included.
 */
export function canonicalId(uidText: string): string {
  return uidText.normalize('NFKC').toLowerCase();
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && canonicalId(a) === canonicalId(b);
}

/** Why a person may not decide a request. Each is a stable code, returned to the caller. */
export const refusalCodes = {
  not_pending: 'the request is no longer pending',
  expired: 'the request has expired',
  approver_inactive: 'the approver is not active',
  not_approver_role: 'the approver does not have the approver role',
  not_in_approvers: 'the approver is not in the approvers named by the policy',
  sod_requester: 'the requester cannot approve its own request',
  sod_initiator: 'the person who initiated the action cannot approve it',
  sod_delegation_chain: 'an identity on the delegation path cannot approve',
  sod_owner: 'the owner of the requesting identity cannot approve (policy @sod("owner"))',
  already_voted: 'this approver has already decided this request',
  wrong_kind: 'a confirmation is confirmed, not approved',
  nhi_confirms: 'an NHI cannot confirm an action; the person at the keyboard (or the enforcement point that relayed the request to them) confirms',
  pep_not_relay: 'only the enforcement point that relayed this very request may confirm it on the person\'s behalf',
  pep_subject_not_listed: 'the enforcement point no longer lists the subject of this request',
} as const;
export type RefusalCode = keyof typeof refusalCodes;

export type Refusal = { ok: false; code: RefusalCode; message: string };
export type Eligibility = { ok: true } | Refusal;

const refuse = (code: RefusalCode): Refusal => ({ ok: false, code, message: refusalCodes[code] });

/**
 * DESIGN §6 "No self-approval": may this person decide this approval now? The first rule that
 * refuses answers, so a refusal names exactly one rule. `nowMs` comes from the gateway's clock.
 */
export function checkApprover(req: ApprovalRequest, who: ApproverFacts, nowMs: number): Eligibility {
  if (req.kind !== 'approval') return refuse('wrong_kind');
  if (req.status !== 'pending') return refuse('not_pending');
  if (Date.parse(req.expiresAt) <= nowMs) return refuse('expired');
  if (!who.active) return refuse('approver_inactive');
  if (!who.roles.includes('approver')) return refuse('not_approver_role');
  // Cedar `in`: the entity itself or any ancestor group, by exact (case-sensitive) uid.
  if (req.approvers !== undefined && who.uid !== req.approvers && !who.ancestors.includes(req.approvers)) return refuse('not_in_approvers');
  const selves = [who.uid, ...(who.aliases ?? [])];
  if (selves.some((s) => same(s, req.requester))) return refuse('sod_requester');
  if (selves.some((s) => same(s, req.initiator))) return refuse('sod_initiator');
  if (req.delegationChain.some((c) => selves.some((s) => same(s, c)))) return refuse('sod_delegation_chain');
  if (req.sod.includes('owner') && selves.some((s) => same(s, req.owner))) return refuse('sod_owner');
  if (req.votes.some((v) => same(v.approver, who.uid))) return refuse('already_voted');
  return { ok: true };
}

/** Who asks to confirm: a person, or an enforcement point (pep) speaking for the person at its keyboard. */
export interface ConfirmerFacts {
  /** uid text of the identity that calls. */
  uid: string;
  isHuman: boolean;
  /** An NHI with a `pep` grant. */
  isPep: boolean;
  /** The confirmer as a caller (`{type, id}` as recorded on requests), to match the request's caller. */
  caller: { type: string; id: string };
  /** The pep's grant lists the request's subject now (by id or group). False for everyone else. */
  listsSubject: boolean;
  /** uid text of the person the pep says it showed the prompt to. */
  onBehalfOf?: string;
}

export type ConfirmEligibility = { ok: true; person: string; reason: string } | Refusal;

/**
 * DESIGN §2 "What a caller may claim": may this identity confirm this confirmation now? The
 * initiator Human confirms (or the requester, when the requester is a Human and there is no other
 * initiator). An enforcement point confirms on that person's behalf only for a request it relayed
 * itself (it is the request's caller) and whose subject its grant lists; never for itself. Every
 * match here grants, so it is exact. `person` is who the vote is recorded for.
 */
export function checkConfirmer(req: ApprovalRequest, by: ConfirmerFacts, nowMs: number): ConfirmEligibility {
  if (req.kind !== 'confirmation') return { ok: false, code: 'wrong_kind', message: 'this is an approval request; it needs an approver' };
  if (req.status !== 'pending') return refuse('not_pending');
  if (Date.parse(req.expiresAt) <= nowMs) return refuse('expired');
  const humanRequester = /::Human::"/.test(req.requester) ? req.requester : undefined;
  const person = req.initiator ?? humanRequester;
  if (by.isHuman) {
    if (person === undefined || by.uid !== person) return refuse('sod_initiator');
    return { ok: true, person, reason: 'confirmed' };
  }
  if (same(by.uid, req.requester)) return refuse('sod_requester');
  if (!by.isPep) return refuse('nhi_confirms');
  if (by.caller.type !== req.caller.type || by.caller.id !== req.caller.id) return refuse('pep_not_relay');
  if (!by.listsSubject) return refuse('pep_subject_not_listed');
  if (person !== undefined) {
    if (by.onBehalfOf !== undefined && by.onBehalfOf !== person) return refuse('sod_initiator');
    return { ok: true, person, reason: `confirmed through ${by.uid}` };
  }
  // No known initiator: the pep vouches for the person at its keyboard; the record names the pep.
  return { ok: true, person: by.uid, reason: `confirmed through ${by.uid} by the person at its keyboard${by.onBehalfOf !== undefined ? ` (named ${by.onBehalfOf})` : ''}` };
}

/**
 * Applies an eligible vote. One person counts once; any deny ends the request as denied; the
 * request is approved when distinct approvals reach the quorum. The first resolution is final.
 */
export function applyVote(req: ApprovalRequest, vote: ApprovalVote): ApprovalRequest {
  const votes = [...req.votes, vote];
  const next: ApprovalRequest = { ...req, votes };
  if (vote.decision === 'deny') {
    next.status = 'denied';
    next.decidedAt = vote.at;
    return next;
  }
  const approvals = new Set(votes.filter((v) => v.decision === 'approve').map((v) => canonicalId(v.approver)));
  if (approvals.size >= req.quorum) {
    next.status = 'approved';
    next.decidedAt = vote.at;
  }
  return next;
}

/**
 * threats.md §3.7 "10,000 open approval requests from one agent": may this requester open one more?
 * `pending` holds its stored pending requests. Asking again for an action that already waits is
 * never refused (it gets the open request back); otherwise live pending requests count, and at
 * `max` the answer is no.
 */
export function pendingLimitReached(pending: readonly ApprovalRequest[], next: Pick<ApprovalRequest, 'kind' | 'actionHash'>, max: number, nowMs: number): boolean {
  const live = pending.filter((a) => a.status === 'pending' && Date.parse(a.expiresAt) > nowMs);
  if (live.some((a) => a.kind === next.kind && a.actionHash === next.actionHash)) return false;
  return live.length >= max;
}

/** Pending or approved past its expiry reads as expired; the store enforces it when consuming. */
export function effectiveStatus(req: ApprovalRequest, nowMs: number): ApprovalRequest['status'] {
  if ((req.status === 'pending' || req.status === 'approved') && Date.parse(req.expiresAt) <= nowMs) return 'expired';
  return req.status;
}
