import { AirlockError } from '../core/errors.js';
import type { ApprovalRepo } from './repo.js';
import { applyVote, checkApprover, checkConfirmer, type ConfirmerFacts, type RefusalCode } from './rules.js';
import type { ApprovalRequest, ApprovalVote, ApproverFacts, AuditRef, VoteChannel } from './types.js';

export type VoteResult =
  | { ok: true; request: ApprovalRequest; resolved: boolean }
  | { ok: false; code: RefusalCode | 'not_found' | 'conflict'; message: string; request?: ApprovalRequest };

/**
 * Writes the vote's audit record (in the caller's unit of work) and says where it is. Called with
 * the vote and the request as it will be after the vote, so the record names the new status.
 */
export type RecordVote = (vote: ApprovalVote, next: ApprovalRequest) => Promise<AuditRef>;

/** The vote could not be stored on the state it was counted against: the unit must roll back. */
export class StaleVoteError extends AirlockError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_APPROVAL_CONFLICT', `approval ${id} changed while the vote was counted`);
    this.id = id;
  }
}

/**
 * Stores an eligible vote: its audit record first (so the vote can carry the record's place and
 * hash), then the vote and the status it leads to, compare-and-set on the vote count the status
 * was computed from. Throws StaleVoteError when that state is gone, so the record rolls back too.
 */
async function store(repo: ApprovalRepo, current: ApprovalRequest, vote: ApprovalVote, next: ApprovalRequest, record: RecordVote): Promise<ApprovalRequest> {
  const audit = await record(vote, next);
  const stored = await repo.recordVote(current.id, { ...vote, audit }, { status: next.status, ...(next.decidedAt ? { decidedAt: next.decidedAt } : {}) }, vote.at, current.votes.length);
  if (!stored) throw new StaleVoteError(current.id);
  return stored;
}

/**
 * An approver approves or denies. Runs inside a unit of work (`repo` is the unit's): the request
 * is re-read there, locked, so eligibility and the quorum are counted on the state the vote is
 * written to — two approvers voting at once on a quorum-2 request end it `approved`, and one
 * approver voting twice at once is stored once (the second sees `already_voted`).
 */
export async function voteOnApproval(
  repo: ApprovalRepo,
  id: string,
  who: ApproverFacts,
  decision: 'approve' | 'deny',
  reason: string,
  channel: VoteChannel,
  nowMs: number,
  record: RecordVote,
): Promise<VoteResult> {
  const current = await repo.getForUpdate(id);
  if (!current) return { ok: false, code: 'not_found', message: `no approval request ${id}` };
  const eligible = checkApprover(current, who, nowMs);
  if (!eligible.ok) return { ok: false, code: eligible.code, message: eligible.message, request: current };
  const vote: ApprovalVote = { approver: who.uid, decision, reason, channel, at: new Date(nowMs).toISOString() };
  const stored = await store(repo, current, vote, applyVote(current, vote), record);
  return { ok: true, request: stored, resolved: stored.status !== 'pending' };
}

/**
 * The person at the keyboard confirms the very action they were shown. Who may confirm is
 * `checkConfirmer` (approval/rules.ts): the initiator, or the enforcement point that relayed this
 * very request and lists its subject, on the initiator's behalf. Never an NHI for itself. Runs
 * inside a unit of work, like `voteOnApproval`.
 */
export async function confirmAction(repo: ApprovalRepo, id: string, by: ConfirmerFacts, channel: VoteChannel, nowMs: number, record: RecordVote): Promise<VoteResult> {
  const current = await repo.getForUpdate(id);
  if (!current) return { ok: false, code: 'not_found', message: `no confirmation ${id}` };
  const eligible = checkConfirmer(current, by, nowMs);
  if (!eligible.ok) return { ok: false, code: eligible.code, message: eligible.message, request: current };
  const at = new Date(nowMs).toISOString();
  const vote: ApprovalVote = { approver: eligible.person, decision: 'approve', reason: eligible.reason, channel, at };
  const stored = await store(repo, current, vote, { ...current, votes: [...current.votes, vote], status: 'approved', decidedAt: at }, record);
  return { ok: true, request: stored, resolved: true };
}
