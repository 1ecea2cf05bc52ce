import { describe, expect, it } from 'vitest';
import { applyVote, checkApprover, checkConfirmer, effectiveStatus, type ConfirmerFacts } from './rules.js';
import type { ApprovalRequest, ApproverFacts } from './types.js';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');

const base: ApprovalRequest = {
  id: 'apr-1',
  kind: 'approval',
  actionHash: 'sha256:' + 'a'.repeat(64),
  request: { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' } },
  requester: 'Airlock::Agent::"deploy-bot"',
  caller: { type: 'Airlock::Agent', id: 'deploy-bot', via: 'http' },
  initiator: 'Airlock::Human::"erin"',
  delegationChain: ['Airlock::Human::"frank"', 'Airlock::Agent::"planner"'],
  approvers: 'Airlock::Group::"sre-approvers"',
  quorum: 2,
  sod: ['owner'],
  owner: 'Airlock::Human::"olga"',
  policyIds: ['prod-deploys-need-approval'],
  openedBy: 'req-1',
  status: 'pending',
  votes: [],
  createdAt: '2026-11-23T11:55:00.000Z',
  expiresAt: '2026-11-23T12:10:00.000Z',
};

const person = (id: string, extra: Partial<ApproverFacts> = {}): ApproverFacts => ({
  uid: `Airlock::Human::"${id}"`,
  roles: ['approver'],
  active: true,
  ancestors: ['Airlock::Group::"sre-approvers"'],
  ...extra,
});

const code = (r: ReturnType<typeof checkApprover>) => (r.ok ? 'ok' : r.code);

describe('approval eligibility (DESIGN §6 no self-approval, threats.md P5)', () => {
  it('an approver in the approvers group may decide', () => {
    expect(code(checkApprover(base, person('alice'), NOW))).toBe('ok');
  });

  it('refuses without the approver role, outside the approvers entity, or inactive', () => {
    expect(code(checkApprover(base, person('alice', { roles: ['admin'] }), NOW))).toBe('not_approver_role');
    expect(code(checkApprover(base, person('alice', { ancestors: ['Airlock::Group::"finance-approvers"'] }), NOW))).toBe('not_in_approvers');
    expect(code(checkApprover(base, person('alice', { active: false }), NOW))).toBe('approver_inactive');
  });

  it('the approvers entity may name a person directly', () => {
    const direct = { ...base, approvers: 'Airlock::Human::"alice"' };
    expect(code(checkApprover(direct, person('alice', { ancestors: [] }), NOW))).toBe('ok');
    expect(code(checkApprover(direct, person('bob', { ancestors: [] }), NOW))).toBe('not_in_approvers');
  });

  it('the requester cannot approve, in any case or Unicode spelling', () => {
    const asHuman = { ...base, requester: 'Airlock::Human::"alice"' };
    expect(code(checkApprover(asHuman, person('alice'), NOW))).toBe('sod_requester');
    expect(code(checkApprover(asHuman, person('ALICE'), NOW))).toBe('sod_requester');
    expect(code(checkApprover(asHuman, person('\uff41lice'), NOW))).toBe('sod_requester'); // full-width a
  });

  it('approver group membership follows Cedar: exact, case-sensitive uids (no folding grants membership)', () => {
    const upper = { ...base, approvers: 'Airlock::Group::"SRE-approvers"' };
    expect(code(checkApprover(upper, person('alice'), NOW))).toBe('not_in_approvers');
    const fullWidth = { ...base, approvers: 'Airlock::Group::"\uff53re-approvers"' };
    expect(code(checkApprover(fullWidth, person('alice'), NOW))).toBe('not_in_approvers');
    expect(code(checkApprover({ ...base, approvers: 'Airlock::Human::"Alice"' }, person('alice', { ancestors: [] }), NOW))).toBe('not_in_approvers');
    // The type is part of the uid: a Human named like the group is not the group.
    expect(code(checkApprover(base, person('alice', { ancestors: ['Airlock::Human::"sre-approvers"'] }), NOW))).toBe('not_in_approvers');
  });

  it('a second account of the requester cannot approve (aliases)', () => {
    expect(code(checkApprover(base, person('mallory', { aliases: ['Airlock::Agent::"deploy-bot"'] }), NOW))).toBe('sod_requester');
  });

  it('the initiator cannot approve', () => {
    expect(code(checkApprover(base, person('erin'), NOW))).toBe('sod_initiator');
  });

  it('no identity on the delegation chain can approve', () => {
    expect(code(checkApprover(base, person('frank'), NOW))).toBe('sod_delegation_chain');
  });

  it('the owner cannot approve when the policy says @sod("owner"), and can otherwise', () => {
    expect(code(checkApprover(base, person('olga'), NOW))).toBe('sod_owner');
    expect(code(checkApprover({ ...base, sod: [] }, person('olga'), NOW))).toBe('ok');
  });

  it('an expired, decided or confirmation request accepts no approval', () => {
    expect(code(checkApprover(base, person('alice'), Date.parse(base.expiresAt)))).toBe('expired');
    expect(code(checkApprover({ ...base, status: 'approved' }, person('alice'), NOW))).toBe('not_pending');
    expect(code(checkApprover({ ...base, kind: 'confirmation' }, person('alice'), NOW))).toBe('wrong_kind');
  });
});

describe('votes and quorum (threats.md P6)', () => {
  const vote = (who: string, decision: 'approve' | 'deny' = 'approve') => ({
    approver: `Airlock::Human::"${who}"`,
    decision,
    reason: 'ok',
    channel: 'api' as const,
    at: '2026-11-23T12:01:00.000Z',
  });

  it('quorum 2 needs two different people; the same person cannot vote twice', () => {
    const one = applyVote(base, vote('alice'));
    expect(one.status).toBe('pending');
    expect(code(checkApprover(one, person('alice'), NOW))).toBe('already_voted');
    expect(code(checkApprover(one, person('Alice'), NOW))).toBe('already_voted');
    const two = applyVote(one, vote('bob'));
    expect(two.status).toBe('approved');
    expect(two.decidedAt).toBe('2026-11-23T12:01:00.000Z');
  });

  it('any deny ends the request as denied, even after an approval', () => {
    const denied = applyVote(applyVote(base, vote('alice')), vote('bob', 'deny'));
    expect(denied.status).toBe('denied');
    expect(code(checkApprover(denied, person('carol'), NOW))).toBe('not_pending');
  });

  it('a pending or approved request past its expiry reads as expired', () => {
    expect(effectiveStatus(base, Date.parse(base.expiresAt) + 1)).toBe('expired');
    expect(effectiveStatus({ ...base, status: 'approved' }, Date.parse(base.expiresAt) + 1)).toBe('expired');
    expect(effectiveStatus({ ...base, status: 'consumed' }, Date.parse(base.expiresAt) + 1)).toBe('consumed');
  });
});

describe('who may confirm (threats.md §3.13: a confirmation relayed by a pep that did not relay the request)', () => {
  const cnf: ApprovalRequest = {
    ...base,
    kind: 'confirmation',
    quorum: 1,
    requester: 'Airlock::Agent::"release-bot"',
    caller: { type: 'Workload', id: 'shell-pep', via: 'http' },
    initiator: 'Airlock::Human::"erin"',
  };
  const pep = (id: string, over: Partial<ConfirmerFacts> = {}): ConfirmerFacts => ({ uid: `Airlock::Workload::"${id}"`, isHuman: false, isPep: true, caller: { type: 'Workload', id }, listsSubject: true, ...over });
  const human = (id: string): ConfirmerFacts => ({ uid: `Airlock::Human::"${id}"`, isHuman: true, isPep: false, caller: { type: 'Human', id }, listsSubject: false });
  const c = (r: ReturnType<typeof checkConfirmer>) => (r.ok ? `ok:${r.person}` : r.code);

  it('the initiator confirms; anyone else, any case variant of the initiator, and an approver are refused', () => {
    expect(c(checkConfirmer(cnf, human('erin'), NOW))).toBe('ok:Airlock::Human::"erin"');
    expect(c(checkConfirmer(cnf, human('Erin'), NOW))).toBe('sod_initiator');
    expect(c(checkConfirmer(cnf, human('alice'), NOW))).toBe('sod_initiator');
  });

  it('the pep that relayed the request and lists its subject confirms on the initiator\'s behalf', () => {
    expect(c(checkConfirmer(cnf, pep('shell-pep'), NOW))).toBe('ok:Airlock::Human::"erin"');
    expect(c(checkConfirmer(cnf, pep('shell-pep', { onBehalfOf: 'Airlock::Human::"erin"' }), NOW))).toBe('ok:Airlock::Human::"erin"');
    expect(c(checkConfirmer(cnf, pep('shell-pep', { onBehalfOf: 'Airlock::Human::"mallory"' }), NOW))).toBe('sod_initiator');
  });

  it('another pep, a pep of another type with the same id, or a pep that no longer lists the subject is refused', () => {
    expect(c(checkConfirmer(cnf, pep('support-pep'), NOW))).toBe('pep_not_relay');
    expect(c(checkConfirmer(cnf, pep('shell-pep', { caller: { type: 'Agent', id: 'shell-pep' } }), NOW))).toBe('pep_not_relay');
    expect(c(checkConfirmer(cnf, pep('shell-pep', { listsSubject: false }), NOW))).toBe('pep_subject_not_listed');
  });

  it('an NHI never confirms, least of all its own request; without an initiator no person may confirm but the relaying pep', () => {
    const self = { ...cnf, caller: { type: 'Agent', id: 'release-bot', via: 'http' } };
    expect(c(checkConfirmer(self, { ...pep('x'), uid: 'Airlock::Agent::"release-bot"', caller: { type: 'Agent', id: 'release-bot' } }, NOW))).toBe('sod_requester');
    expect(c(checkConfirmer(cnf, { ...pep('other-bot'), isPep: false }, NOW))).toBe('nhi_confirms');
    const { initiator: _i, ...anonymous } = cnf;
    expect(c(checkConfirmer(anonymous, human('erin'), NOW))).toBe('sod_initiator');
    expect(c(checkConfirmer(anonymous, pep('support-pep'), NOW))).toBe('pep_not_relay');
    expect(c(checkConfirmer(anonymous, pep('shell-pep'), NOW))).toBe('ok:Airlock::Workload::"shell-pep"');
  });

  it('a Human requester with no other initiator confirms their own request; an expired or approval request cannot be confirmed', () => {
    const own = { ...cnf, requester: 'Airlock::Human::"erin"' };
    delete (own as Partial<ApprovalRequest>).initiator;
    expect(c(checkConfirmer(own, human('erin'), NOW))).toBe('ok:Airlock::Human::"erin"');
    expect(c(checkConfirmer(cnf, human('erin'), Date.parse(cnf.expiresAt)))).toBe('expired');
    expect(c(checkConfirmer({ ...cnf, kind: 'approval' }, human('erin'), NOW))).toBe('wrong_kind');
  });
});
