import { describe, expect, it } from 'vitest';
import { confirmAction as confirmIn, voteOnApproval as voteIn, type RecordVote } from '../../approval/decide.js';
import type { ConfirmerFacts } from '../../approval/rules.js';
import type { ApproverFacts } from '../../approval/types.js';
import { voteRecord } from '../../approval/vote-proof.js';
import { createAuditWriter, type LogFn } from '../../audit/writer.js';
import { systemClock } from '../../core/clock.js';
import type { Requirement } from '../../core/types.js';
import { openMemoryStore } from '../../store/memory/memory-store.js';
import { settleRequirements as settleIn, type SettleInput } from './settle-requirements.js';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');

/** A store and an audit writer; every step below runs in its own unit of work, as in the runtime. */
const opts = () => {
  const store = openMemoryStore();
  return { store, writer: createAuditWriter({ store, writer: 'main', clock: systemClock, timeoutMs: 5000 }) };
};
type Opts = ReturnType<typeof opts>;
const recordWith = (log: LogFn): RecordVote => async (vote, next) => {
  const rec = await log('approval.vote', voteRecord(next, vote));
  return { writer: rec.writer, seq: rec.seq, hash: rec.hash };
};
const settleRequirements = (inp: SettleInput, o: Opts) =>
  o.store.transaction((tx) => settleIn(inp, { approvals: tx.approvals, audit: tx.audit, approvalTtlMs: 15 * 60_000, confirmationTtlMs: 5 * 60_000 }));
const voteOnApproval = (o: Opts, id: string, who: ApproverFacts, decision: 'approve' | 'deny', reason: string, channel: 'api', now: number) =>
  o.writer.transaction((tx, log) => voteIn(tx.approvals, id, who, decision, reason, channel, now, recordWith(log)));
const confirmAction = (o: Opts, id: string, by: Parameters<typeof confirmIn>[2], channel: 'api' | 'cli', now: number) =>
  o.writer.transaction((tx, log) => confirmIn(tx.approvals, id, by, channel, now, recordWith(log)));

const approvalReq: Requirement = { kind: 'approval', policyId: 'prod-deploys', approvers: 'Airlock::Group::"sre-approvers"', quorum: 2, approvalTtlMs: 30 * 60_000, sod: ['owner'], reason: 'needs SRE' };

const input = (over: Partial<SettleInput> = {}): SettleInput => ({
  outcome: 'approval_required',
  reasons: [{ code: 'approval_required', policyId: 'prod-deploys', message: 'needs SRE' }],
  requirements: [approvalReq],
  request: { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' }, context: { environment: 'production' } },
  actionHash: 'sha256:' + 'a'.repeat(64),
  requestId: 'req-1',
  caller: { type: 'Airlock::Agent', id: 'deploy-bot', via: 'http' },
  requester: 'Airlock::Agent::"deploy-bot"',
  owner: 'Airlock::Human::"erin"',
  delegationChain: [],
  nowMs: NOW,
  ...over,
});

/** A confirmer: a person, or (pep) an enforcement point that calls as `caller` and lists the subject. */
const by = (uid: string, kind: 'human' | 'nhi' | 'pep', caller = { type: 'Agent', id: uid.replace(/^.*::"|"$/g, '') }): ConfirmerFacts => ({
  uid,
  isHuman: kind === 'human',
  isPep: kind === 'pep',
  caller,
  listsSubject: kind === 'pep',
});

const sre = (id: string): ApproverFacts => ({ uid: `Airlock::Human::"${id}"`, roles: ['approver'], active: true, ancestors: ['Airlock::Group::"sre-approvers"'] });

describe('settle requirements (DESIGN §2 step 6)', () => {
  it('opens an approval request from the governing requirement and is idempotent', async () => {
    const o = opts();
    const first = await settleRequirements(input(), o);
    expect(first.outcome).toBe('approval_required');
    expect(first.opened?.quorum).toBe(2);
    expect(first.opened?.approvers).toBe('Airlock::Group::"sre-approvers"');
    expect(first.opened?.expiresAt).toBe('2026-11-23T12:30:00.000Z');
    expect(first.approval?.pollUrl).toBe(`/v1/approvals/${first.approval?.id}`);
    const again = await settleRequirements(input({ requestId: 'req-2' }), o);
    expect(again.approval?.id).toBe(first.approval?.id);
    expect(again.opened).toBeUndefined();
  });

  it('after quorum, the same action from the same requester is allowed once; approve A then run B finds nothing', async () => {
    const o = opts();
    const opened = (await settleRequirements(input(), o)).approval!;
    expect((await voteOnApproval(o, opened.id, sre('alice'), 'approve', 'ok', 'api', NOW)).ok).toBe(true);
    expect((await settleRequirements(input(), o)).outcome).toBe('approval_required'); // quorum not met yet
    expect((await voteOnApproval(o, opened.id, sre('bob'), 'approve', 'ok', 'api', NOW)).ok).toBe(true);

    const other = await settleRequirements(input({ actionHash: 'sha256:' + 'b'.repeat(64) }), o);
    expect(other.outcome).toBe('approval_required');
    expect(other.approval?.id).not.toBe(opened.id);

    const used = await settleRequirements(input({ requestId: 'req-9' }), o);
    expect(used.outcome).toBe('allow');
    expect(used.reasons[0]!.code).toBe('approval_consumed');
    expect(used.consumed?.consumedBy).toBe('req-9');
    // Replay: the next identical request opens a fresh approval, it does not allow.
    const replay = await settleRequirements(input({ requestId: 'req-10' }), o);
    expect(replay.outcome).toBe('approval_required');
    expect(replay.approval?.id).not.toBe(opened.id);
  });

  it('two concurrent retries produce exactly one allow', async () => {
    const o = opts();
    const opened = (await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }] }), o)).approval!;
    await voteOnApproval(o, opened.id, sre('alice'), 'approve', 'ok', 'api', NOW);
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => settleRequirements(input({ requestId: `r${i}` }), o)));
    expect(results.filter((r) => r.outcome === 'allow')).toHaveLength(1);
  });

  it('a denied or expired approval never allows', async () => {
    const o = opts();
    const opened = (await settleRequirements(input(), o)).approval!;
    await voteOnApproval(o, opened.id, sre('alice'), 'deny', 'no', 'api', NOW);
    expect((await settleRequirements(input(), o)).outcome).toBe('approval_required');
    const late = await settleRequirements(input({ nowMs: NOW + 31 * 60_000 }), o);
    expect(late.outcome).toBe('approval_required');
  });

  it('context.approval (AuthZEN re-evaluation) consumes exactly that request, bound to the same action', async () => {
    const o = opts();
    const opened = (await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }] }), o)).approval!;
    const withApproval = (hash: string) => input({ actionHash: hash, request: { ...input().request, context: { environment: 'production', approval: { id: opened.id } } } });
    expect((await settleRequirements(withApproval('sha256:' + 'a'.repeat(64)), o)).reasons[0]!.code).toBe('grant_pending');
    await voteOnApproval(o, opened.id, sre('alice'), 'approve', 'ok', 'api', NOW);
    const mismatch = await settleRequirements(withApproval('sha256:' + 'b'.repeat(64)), o);
    expect(mismatch.outcome).toBe('deny');
    expect(mismatch.reasons[0]!.code).toBe('out_of_scope');
    const ok = await settleRequirements(withApproval('sha256:' + 'a'.repeat(64)), o);
    expect(ok.outcome).toBe('allow');
    const twice = await settleRequirements(withApproval('sha256:' + 'a'.repeat(64)), o);
    expect(twice.outcome).toBe('deny');
    expect(twice.reasons[0]!.code).toBe('approval_already_used');
    const bogus = await settleRequirements(input({ request: { ...input().request, context: { approval: 'x' } } }), o);
    expect(bogus.reasons[0]!.code).toBe('approval_unverifiable');
  });

  it('allow and deny pass through untouched', async () => {
    expect((await settleRequirements(input({ outcome: 'allow', requirements: [] }), opts())).outcome).toBe('allow');
    expect((await settleRequirements(input({ outcome: 'deny', requirements: [] }), opts())).outcome).toBe('deny');
  });
});

describe('using an approval proves its votes (DESIGN §6) and its separation of duties now', () => {
  const quorum1 = () => input({ requirements: [{ ...approvalReq, quorum: 1 }] });

  it('an approval flipped to approved with no votes is not used: approval_unverified, nothing consumed', async () => {
    const o = opts();
    const opened = (await settleRequirements(quorum1(), o)).approval!;
    // What an attacker with write access to the store does: flip the status, add no vote.
    await o.store.transaction(async (tx) => {
      await tx.approvals.recordVote(opened.id, { approver: 'Airlock::Human::"ghost"', decision: 'approve', reason: 'x', channel: 'api', at: new Date(NOW).toISOString() }, { status: 'approved' }, new Date(NOW).toISOString());
    });
    const r = await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }], requestId: 'r-use' }), o);
    expect(r.outcome).toBe('deny');
    expect(r.reasons[0]!.code).toBe('approval_unverified');
    expect(r.unverified).toMatchObject({ approvalId: opened.id, problem: 'vote 1 names no audit record' });
    expect((await o.store.approvals.get(opened.id))?.status).toBe('approved'); // not consumed
  });

  it('a vote whose audit record was changed, or says another vote, is not proof', async () => {
    const o = opts();
    // A vote pointing at a real record of the chain (valid hash) that is not this vote.
    const other = await o.writer.append('decision', { requestId: 'x', approver: 'Airlock::Human::"alice"' });
    const fresh = (await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }], requestId: 'r2', actionHash: 'sha256:' + 'f'.repeat(64) }), o)).approval!;
    await o.store.transaction(async (tx) => {
      const at = new Date(NOW).toISOString();
      await tx.approvals.recordVote(fresh.id, { approver: 'Airlock::Human::"alice"', decision: 'approve', reason: 'ok', channel: 'api', at, audit: { writer: 'main', seq: other.seq, hash: other.hash } }, { status: 'approved', decidedAt: at }, at);
    });
    const r = await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }], requestId: 'r3', actionHash: 'sha256:' + 'f'.repeat(64) }), o);
    expect(r.outcome).toBe('deny');
    expect(r.reasons[0]!.code).toBe('approval_unverified');
    expect(r.unverified?.problem).toContain('says another vote');
  });

  it('proven votes are used once; an approver on the delegation path presented now refuses the use (approval_sod_chain; threats.md §3.13 approval consumed with a different delegation chain)', async () => {
    const o = opts();
    const opened = (await settleRequirements(quorum1(), o)).approval!;
    expect((await voteOnApproval(o, opened.id, sre('dana'), 'approve', 'ok', 'api', NOW)).ok).toBe(true);
    // Asked without a token; now presented with dana's delegation: dana is on the path.
    const withChain = await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }], requestId: 'r-chain', delegationChain: ['Airlock::Human::"Dana"', 'Airlock::Agent::"deploy-bot"'] }), o);
    expect(withChain.outcome).toBe('deny');
    expect(withChain.reasons[0]!.code).toBe('approval_sod_chain');
    expect((await o.store.approvals.get(opened.id))?.status).toBe('approved');
    const plain = await settleRequirements(input({ requirements: [{ ...approvalReq, quorum: 1 }], requestId: 'r-plain' }), o);
    expect(plain.outcome).toBe('allow');
  });
});

describe('confirmations', () => {
  const confirmInput = (over: Partial<SettleInput> = {}) =>
    input({ outcome: 'confirmation_required', requirements: [{ kind: 'confirmation', policyId: 'prod-shell' }], initiator: 'Airlock::Human::"erin"', ...over });

  it('open with a 5 minute TTL; only the initiator (or a pep on their behalf) confirms; never the NHI itself', async () => {
    const o = opts();
    const c = (await settleRequirements(confirmInput(), o)).approval!;
    expect(c.kind).toBe('confirmation');
    expect(c.expiresAt).toBe('2026-11-23T12:05:00.000Z');
    const agent = await confirmAction(o, c.id, by('Airlock::Agent::"deploy-bot"', 'nhi'), 'api', NOW);
    expect(agent).toMatchObject({ ok: false, code: 'sod_requester' });
    const selfPep = await confirmAction(o, c.id, by('Airlock::Agent::"deploy-bot"', 'pep'), 'api', NOW);
    expect(selfPep).toMatchObject({ ok: false, code: 'sod_requester' });
    const stranger = await confirmAction(o, c.id, by('Airlock::Human::"mallory"', 'human'), 'api', NOW);
    expect(stranger).toMatchObject({ ok: false, code: 'sod_initiator' });
    const approverVote = await voteOnApproval(o, c.id, sre('alice'), 'approve', 'x', 'api', NOW);
    expect(approverVote).toMatchObject({ ok: false, code: 'wrong_kind' });
    const ok = await confirmAction(o, c.id, by('Airlock::Human::"erin"', 'human'), 'cli', NOW);
    expect(ok.ok).toBe(true);
    expect((await settleRequirements(confirmInput({ requestId: 'r2' }), o)).outcome).toBe('allow');
  });

  it('a pep confirms for the initiator it showed the prompt to; an expired confirmation cannot be confirmed', async () => {
    const o = opts();
    const proxy = { type: 'Workload', id: 'mcp-proxy' };
    const c = (await settleRequirements(confirmInput({ caller: { ...proxy, via: 'http' } }), o)).approval!;
    const pep = await confirmAction(o, c.id, by('Airlock::Workload::"mcp-proxy"', 'pep', proxy), 'api', NOW);
    expect(pep.ok && pep.request.votes[0]!.approver).toBe('Airlock::Human::"erin"');
    const c2 = (await settleRequirements(confirmInput({ actionHash: 'sha256:' + 'e'.repeat(64) }), o)).approval!;
    expect(await confirmAction(o, c2.id, by('Airlock::Human::"erin"', 'human'), 'cli', NOW + 6 * 60_000)).toMatchObject({ ok: false, code: 'expired' });
  });

  it('a Human running their own command confirms it themselves', async () => {
    const o = opts();
    const c = (await settleRequirements(confirmInput({ requester: 'Airlock::Human::"erin"', initiator: undefined }), o)).approval!;
    expect((await confirmAction(o, c.id, by('Airlock::Human::"erin"', 'human'), 'cli', NOW)).ok).toBe(true);
  });
});
