import type { ApprovalRepo } from './repo.js';
import { applyVote, checkApprover, checkConfirmer, type ConfirmerFacts, type RefusalCode } from './rules.js';
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
 * The person at the keyboard confirms the very action they were shown. Who may confirm is
 * `checkConfirmer` (approval/rules.ts): the initiator, or the enforcement point that relayed this
 * very request and lists its subject, on the initiator's behalf. Never an NHI for itself.
 */
export async function confirmAction(repo: ApprovalRepo, id: string, by: ConfirmerFacts, channel: VoteChannel, nowMs: number): Promise<VoteResult> {
  const current = await repo.get(id);
  if (!current) return { ok: false, code: 'not_found', message: `no confirmation ${id}` };
  const eligible = checkConfirmer(current, by, nowMs);
  if (!eligible.ok) return { ok: false, code: eligible.code, message: eligible.message, request: current };
  const at = new Date(nowMs).toISOString();
  const stored = await repo.recordVote(id, { approver: eligible.person, decision: 'approve', reason: eligible.reason, channel, at }, { status: 'approved', decidedAt: at }, at);
  if (!stored) return { ok: false, code: 'conflict', message: 'the confirmation was resolved first' };
  return { ok: true, request: stored, resolved: true };
}
