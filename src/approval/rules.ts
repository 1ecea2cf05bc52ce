import type { ApprovalRequest, ApprovalVote, ApproverFacts } from './types.js';

/**
 * Identity ids are compared after NFKC normalisation and case folding, so `Alice`, `alice` and a
 * full-width `ａｌｉｃｅ` are one person for separation of duties (threats.md P5).
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
} as const;
export type RefusalCode = keyof typeof refusalCodes;

export type Eligibility = { ok: true } | { ok: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode): Eligibility => ({ ok: false, code, message: refusalCodes[code] });

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
  if (req.approvers !== undefined) {
    const target = canonicalId(req.approvers);
    const inApprovers = canonicalId(who.uid) === target || who.ancestors.some((a) => canonicalId(a) === target);
    if (!inApprovers) return refuse('not_in_approvers');
  }
  const selves = [who.uid, ...(who.aliases ?? [])];
  if (selves.some((s) => same(s, req.requester))) return refuse('sod_requester');
  if (selves.some((s) => same(s, req.initiator))) return refuse('sod_initiator');
  if (req.delegationChain.some((c) => selves.some((s) => same(s, c)))) return refuse('sod_delegation_chain');
  if (req.sod.includes('owner') && selves.some((s) => same(s, req.owner))) return refuse('sod_owner');
  if (req.votes.some((v) => same(v.approver, who.uid))) return refuse('already_voted');
  return { ok: true };
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

/** Pending or approved past its expiry reads as expired; the store enforces it when consuming. */
export function effectiveStatus(req: ApprovalRequest, nowMs: number): ApprovalRequest['status'] {
  if ((req.status === 'pending' || req.status === 'approved') && Date.parse(req.expiresAt) <= nowMs) return 'expired';
  return req.status;
}
