import { describe, expect, it } from 'vitest';
import type { ApprovalRepo } from './repo.js';
import type { ApprovalRequest, ApprovalVote } from './types.js';

const T0 = '2026-11-23T12:00:00.000Z';
const T1 = '2026-11-23T12:05:00.000Z';
const LATE = '2026-11-23T13:00:00.000Z';

export function approvalFixture(id: string, over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id,
    kind: 'approval',
    actionHash: 'sha256:' + 'a'.repeat(64),
    request: { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' } },
    requester: 'Airlock::Agent::"deploy-bot"',
    caller: { type: 'Airlock::Agent', id: 'deploy-bot', via: 'http' },
    delegationChain: [],
    approvers: 'Airlock::Group::"sre-approvers"',
    quorum: 1,
    sod: [],
    policyIds: ['p'],
    openedBy: 'req-' + id,
    status: 'pending',
    votes: [],
    createdAt: T0,
    expiresAt: '2026-11-23T12:15:00.000Z',
    ...over,
  };
}

const vote = (who: string, decision: 'approve' | 'deny' = 'approve'): ApprovalVote => ({ approver: `Airlock::Human::"${who}"`, decision, reason: 'r', channel: 'api', at: T1 });

/** One suite for every ApprovalRepo adapter (memory, SQLite, later PostgreSQL). */
export function runApprovalRepoContract(name: string, open: () => ApprovalRepo | Promise<ApprovalRepo>): void {
  describe(`approval repo contract: ${name}`, () => {
    it('opens once per (kind, requester, action hash) while live; returns the open one after', async () => {
      const repo = await open();
      const a = await repo.openOrGet(approvalFixture('a1'), T0);
      const b = await repo.openOrGet(approvalFixture('a2'), T0);
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.request.id).toBe('a1');
      const other = await repo.openOrGet(approvalFixture('a3', { actionHash: 'sha256:' + 'b'.repeat(64) }), T0);
      expect(other.created).toBe(true);
      const conf = await repo.openOrGet(approvalFixture('a4', { kind: 'confirmation' }), T0);
      expect(conf.created).toBe(true);
      // After expiry a new one opens.
      const later = await repo.openOrGet(approvalFixture('a5', { createdAt: LATE, expiresAt: '2026-11-23T13:15:00.000Z' }), LATE);
      expect(later.created).toBe(true);
    });

    it('records votes only while pending and unexpired; the first resolution is final', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('v1'), T0);
      const approved = await repo.recordVote('v1', vote('alice'), { status: 'approved', decidedAt: T1 }, T1);
      expect(approved?.status).toBe('approved');
      expect(approved?.votes).toHaveLength(1);
      expect(await repo.recordVote('v1', vote('bob', 'deny'), { status: 'denied', decidedAt: T1 }, T1)).toBeUndefined();
      expect((await repo.get('v1'))?.status).toBe('approved');
      await repo.openOrGet(approvalFixture('v2', { actionHash: 'sha256:' + 'c'.repeat(64) }), T0);
      expect(await repo.recordVote('v2', vote('alice'), { status: 'approved', decidedAt: LATE }, LATE)).toBeUndefined();
      expect(await repo.recordVote('nope', vote('alice'), { status: 'approved' }, T1)).toBeUndefined();
    });

    it('consumes an approved request exactly once, only for its own binding, only before expiry', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('c1'), T0);
      expect(await repo.consume('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1, 'r1')).toBeUndefined(); // still pending
      await repo.recordVote('c1', vote('alice'), { status: 'approved', decidedAt: T1 }, T1);
      expect(await repo.consume('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'b'.repeat(64), T1, 'r1')).toBeUndefined(); // other action
      expect(await repo.consume('approval', 'Airlock::Agent::"other"', 'sha256:' + 'a'.repeat(64), T1, 'r1')).toBeUndefined(); // other requester
      expect(await repo.consume('confirmation', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1, 'r1')).toBeUndefined(); // other kind
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => repo.consume('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1, `r${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const got = await repo.get('c1');
      expect(got?.status).toBe('consumed');
      expect(got?.consumedAt).toBe(T1);
      expect(await repo.consume('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1, 'again')).toBeUndefined();
    });

    it('recordVote with expectVotes writes only on the state the vote was counted against', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('e1', { quorum: 2 }), T0);
      expect((await repo.recordVote('e1', vote('alice'), { status: 'pending' }, T1, 0))?.votes).toHaveLength(1);
      expect(await repo.recordVote('e1', vote('bob'), { status: 'pending' }, T1, 0)).toBeUndefined(); // counted on a stale state
      expect((await repo.recordVote('e1', vote('bob'), { status: 'approved', decidedAt: T1 }, T1, 1))?.status).toBe('approved');
    });

    it('findConsumable returns the oldest approved, unexpired request of the binding, without consuming it', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('f1'), T0);
      expect(await repo.findConsumable('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1)).toBeUndefined();
      await repo.recordVote('f1', vote('alice'), { status: 'approved', decidedAt: T1 }, T1);
      expect((await repo.findConsumable('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1))?.id).toBe('f1');
      expect((await repo.getForUpdate('f1'))?.status).toBe('approved');
      expect(await repo.findConsumable('approval', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), LATE)).toBeUndefined();
      expect(await repo.findConsumable('confirmation', 'Airlock::Agent::"deploy-bot"', 'sha256:' + 'a'.repeat(64), T1)).toBeUndefined();
    });

    it('consumeById checks the action hash and expiry', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('i1'), T0);
      await repo.recordVote('i1', vote('alice'), { status: 'approved', decidedAt: T1 }, T1);
      expect(await repo.consumeById('i1', 'sha256:' + 'b'.repeat(64), T1, 'x')).toBeUndefined();
      expect(await repo.consumeById('i1', 'sha256:' + 'a'.repeat(64), LATE, 'x')).toBeUndefined();
      expect((await repo.consumeById('i1', 'sha256:' + 'a'.repeat(64), T1, 'x'))?.status).toBe('consumed');
      expect(await repo.consumeById('i1', 'sha256:' + 'a'.repeat(64), T1, 'y')).toBeUndefined();
    });

    it('cancels live requests only; expires stale ones; lists by status, newest first', async () => {
      const repo = await open();
      await repo.openOrGet(approvalFixture('l1'), T0);
      await repo.openOrGet(approvalFixture('l2', { actionHash: 'sha256:' + 'd'.repeat(64), createdAt: T1 }), T1);
      expect((await repo.list({ status: 'pending' })).map((r) => r.id)).toEqual(['l2', 'l1']);
      expect((await repo.cancel('l1', T1))?.status).toBe('cancelled');
      expect(await repo.cancel('l1', T1)).toBeUndefined();
      expect(await repo.expire(LATE)).toBe(1);
      expect((await repo.get('l2'))?.status).toBe('expired');
      expect((await repo.list({ status: 'pending' })).length).toBe(0);
    });

    it('stores hostile strings verbatim', async () => {
      const repo = await open();
      const nasty = `'; DROP TABLE approvals;-- \u0000 %_"`;
      await repo.openOrGet(approvalFixture('s1', { requester: nasty, reason: nasty }), T0);
      expect((await repo.get('s1'))?.reason).toBe(nasty);
      expect((await repo.list({ requester: nasty })).length).toBe(1);
    });
  });
}
