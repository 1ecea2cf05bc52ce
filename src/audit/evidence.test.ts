import { describe, expect, it } from 'vitest';
import { assembleEvidence, type EvidenceSource } from './evidence.js';

const src = (seq: number, kind: string, record: Record<string, unknown>, at = `2026-11-23T12:00:0${seq}.000Z`): EvidenceSource => ({ seq, writer: 'main', at, kind, hash: `h${seq}`, record });

describe('evidence assembly', () => {
  it('puts decision, approval votes, consumption, execution and reversal of one action together', () => {
    const request = { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { initiator: { type: 'Human', id: 'erin' }, chat: { platform: 'slack' } } };
    const doc = assembleEvidence('r2', [
      src(1, 'decision', { requestId: 'r1', request, decision: { outcome: 'approval_required' } }),
      src(2, 'approval.opened', { approvalId: 'a1', kind: 'approval' }),
      src(3, 'approval.vote', { approvalId: 'a1', approver: 'Airlock::Human::"alice"', decision: 'approve', reason: 'ok', channel: 'chat', status: 'approved' }),
      src(4, 'decision', { requestId: 'r2', request, caller: { type: 'Airlock::Agent', id: 'deploy-bot' }, subject: { uid: 'Airlock::Agent::"deploy-bot"', owner: 'Airlock::Human::"erin"' }, decision: { outcome: 'allow', reasons: [], actionHash: 'sha256:x', policyVersion: 'sha256:v' }, consumedApproval: 'a1', grant: { jti: 'g1', exp: 1 } }),
      src(5, 'approval.consumed', { approvalId: 'a1', consumedBy: 'r2' }),
      src(6, 'execution', { status: 'succeeded', startedAt: 's', finishedAt: 'f', outputDigest: 'sha256:o', reversal: { action: { name: 'rollback' } } }),
      src(7, 'reversal.requested', { reversalRequestId: 'r3' }),
    ]);
    expect(doc.decision?.outcome).toBe('allow');
    expect(doc.subject?.owner).toBe('Airlock::Human::"erin"');
    expect(doc.initiator).toEqual({ type: 'Human', id: 'erin' });
    expect(doc.chat).toEqual({ platform: 'slack' });
    expect(doc.approvals).toEqual([expect.objectContaining({ id: 'a1', status: 'consumed', consumedBy: 'r2', votes: [expect.objectContaining({ decision: 'approve', channel: 'chat' })] })]);
    expect(doc.grant).toEqual({ jti: 'g1', exp: 1 });
    expect(doc.execution).toMatchObject({ status: 'succeeded' });
    expect(doc.reversal).toEqual({ reversal: { action: { name: 'rollback' } }, requestedAs: 'r3' });
    expect(doc.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
