import type { ApprovalRepo } from './repo.js';
import { applyVote, checkApprover, refusalCodes, type RefusalCode } from './rules.js';
import type { ApprovalRequest, ApproverFacts, VoteChannel } from './types.js';

export type VoteResult =
  | { ok: true; request: ApprovalRequest; resolved: boolean }
  | { ok: false; code: RefusalCode | 'not_found' | 'conflict'; message: string; request?: ApprovalRequest };

/**
 * An approver approves or denies. Eligibility is checked against the stored request, then the vote
 * is written only if the request is still pending — a concurrent resolution wins and this vote is
 * reported as `conflict`, never silently counted.
 */
export async function voteOnApproval(
  repo: ApprovalRepo,
  id: string,
  who: ApproverFacts,
  decision: 'approve' | 'deny',
  reason: string,
  channel: VoteChannel,
  nowMs: number,
): Promise<VoteResult> {
  const current = await repo.get(id);
  if (!current) return { ok: false, code: 'not_found', message: `no approval request ${id}` };
  const eligible = checkApprover(current, who, nowMs);
  if (!eligible.ok) return { ok: false, code: eligible.code, message: eligible.message, request: current };
  const at = new Date(nowMs).toISOString();
  const next = applyVote(current, { approver: who.uid, decision, reason, channel, at });
  const stored = await repo.recordVote(id, next.votes.at(-1)!, { status: next.status, ...(next.decidedAt ? { decidedAt: next.decidedAt } : {}) }, at);
  if (!stored) {
    const now = await repo.get(id);
    return { ok: false, code: 'conflict', message: 'the request was resolved by someone else first', ...(now ? { request: now } : {}) };
  }
  return { ok: true, request: stored, resolved: stored.status !== 'pending' };
}

/**
 * The person at the keyboard confirms the very action they were shown. Who may confirm: the
 * initiator Human (or the requester, when the requester is that Human), or an enforcement point
 * (pep) that showed the prompt to them. Never an NHI for itself.
 */
export async function confirmAction(
  repo: ApprovalRepo,
  id: string,
  by: { uid: string; isHuman: boolean; isPep: boolean; onBehalfOf?: string },
  channel: VoteChannel,
  nowMs: number,
): Promise<VoteResult> {
  const current = await repo.get(id);
  if (!current) return { ok: false, code: 'not_found', message: `no confirmation ${id}` };
  if (current.kind !== 'confirmation') return { ok: false, code: 'wrong_kind', message: 'this is an approval request; it needs an approver', request: current };
  if (current.status !== 'pending') return { ok: false, code: 'not_pending', message: refusalCodes.not_pending, request: current };
  if (Date.parse(current.expiresAt) <= nowMs) return { ok: false, code: 'expired', message: refusalCodes.expired, request: current };
  const same = (a?: string, b?: string) => a !== undefined && b !== undefined && a.normalize('NFKC').toLowerCase() === b.normalize('NFKC').toLowerCase();
  if (!by.isHuman && (!by.isPep || same(by.uid, current.requester))) {
    return { ok: false, code: 'sod_requester', message: 'an NHI cannot confirm an action, least of all its own; the person at the keyboard (or the enforcement point that showed them the prompt) confirms', request: current };
  }
  const person = by.isHuman ? by.uid : (by.onBehalfOf ?? current.initiator);
  const humanRequester = /::Human::/.test(current.requester) ? current.requester : undefined;
  const target = current.initiator ?? humanRequester;
  if (target !== undefined ? !same(person, target) : !by.isPep) {
    return { ok: false, code: 'sod_initiator', message: 'only the person who initiated the action (or the enforcement point that showed it to them) may confirm it', request: current };
  }
  const at = new Date(nowMs).toISOString();
  const stored = await repo.recordVote(
    id,
    { approver: person ?? by.uid, decision: 'approve', reason: by.isHuman ? 'confirmed' : `confirmed through ${by.uid}`, channel, at },
    { status: 'approved', decidedAt: at },
    at,
  );
  if (!stored) return { ok: false, code: 'conflict', message: 'the confirmation was resolved first' };
  return { ok: true, request: stored, resolved: true };
}
