import type { AuditRecord } from '../store/port.js';
import { canonicalId } from './rules.js';
import type { ApprovalRequest, ApprovalVote, AuditRef } from './types.js';

/**
 * DESIGN §6: an approval is consumed only if its votes are in the audit chain. A row flipped to
 * `approved` in the database, a vote added by hand, a vote whose record was edited or removed:
 * each leaves votes that the chain does not hold, and the approval proves nothing.
 */
export type VoteProof = { ok: true; approvers: string[] } | { ok: false; problem: string };

export interface VoteProofDeps {
  /** The record at a place in the chain, as stored (the unit of work's `audit.get`). */
  recordAt(ref: AuditRef): Promise<AuditRecord | undefined>;
  /** Does the record's content still hash to its stored hash (audit/chain.ts)? */
  intact(record: AuditRecord): boolean;
}

/**
 * Checks every vote against the record it names (exists at that place, with that hash, intact,
 * an `approval.vote` of this request saying this approver and this decision), then that the
 * proven approvals alone reach the quorum (one for a confirmation) and no proven vote denies.
 */
export async function proveVotes(a: ApprovalRequest, deps: VoteProofDeps): Promise<VoteProof> {
  if (a.votes.length === 0) return { ok: false, problem: 'no votes' };
  const approvers = new Set<string>();
  for (const [i, v] of a.votes.entries()) {
    if (!v.audit) return { ok: false, problem: `vote ${i + 1} names no audit record` };
    const rec = await deps.recordAt(v.audit);
    const where = `${v.audit.writer}#${v.audit.seq}`;
    if (!rec) return { ok: false, problem: `vote ${i + 1}: no audit record at ${where}` };
    if (rec.hash !== v.audit.hash) return { ok: false, problem: `vote ${i + 1}: the record at ${where} has another hash` };
    if (!deps.intact(rec)) return { ok: false, problem: `vote ${i + 1}: the record at ${where} does not match its hash` };
    let said: { approvalId?: unknown; approver?: unknown; decision?: unknown };
    try {
      said = JSON.parse(rec.recordText) as typeof said;
    } catch {
      return { ok: false, problem: `vote ${i + 1}: the record at ${where} is not JSON` };
    }
    if (rec.kind !== 'approval.vote' || said.approvalId !== a.id || said.approver !== v.approver || said.decision !== v.decision) {
      return { ok: false, problem: `vote ${i + 1}: the record at ${where} says another vote` };
    }
    if (v.decision === 'deny') return { ok: false, problem: `vote ${i + 1} denies` };
    approvers.add(canonicalId(v.approver));
  }
  const quorum = a.kind === 'confirmation' ? 1 : a.quorum;
  if (approvers.size < quorum) return { ok: false, problem: `${approvers.size} proven approval(s), quorum ${quorum}` };
  return { ok: true, approvers: a.votes.map((v) => v.approver) };
}

/** The audit record of a vote: what `proveVotes` later finds at the vote's place in the chain. */
export function voteRecord(next: ApprovalRequest, vote: ApprovalVote): Record<string, unknown> {
  return {
    requestId: next.openedBy,
    approvalId: next.id,
    kind: next.kind,
    approver: vote.approver,
    decision: vote.decision,
    reason: vote.reason,
    channel: vote.channel,
    status: next.status,
  };
}
