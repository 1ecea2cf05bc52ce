import { describe, expect, it } from 'vitest';
import { readAnnotations } from './annotations.js';

const types = new Set(['Airlock::Group', 'Airlock::Human']);

describe('readAnnotations (DESIGN §3 annotation language)', () => {
  it('@requires("approval") with approvers, quorum, ttl, sod, reason', () => {
    const r = readAnnotations(
      'p',
      'permit',
      {
        requires: 'approval',
        approvers: 'Airlock::Group::"finance-approvers"',
        quorum: '2',
        approval_ttl: 'PT30M',
        sod: 'owner',
        reason: 'two approvers',
        notify: 'slack, email',
      },
      types,
    );
    expect(r.problems).toEqual([]);
    expect(r.requirement).toEqual({
      kind: 'approval',
      policyId: 'p',
      approvers: 'Airlock::Group::"finance-approvers"',
      quorum: 2,
      approvalTtlMs: 30 * 60_000,
      sod: ['owner'],
      reason: 'two approvers',
    });
    expect(r.notify).toEqual(['slack', 'email']);
  });

  it('quorum defaults to 1 and the 15m duration form is accepted', () => {
    const r = readAnnotations('p', 'permit', { requires: 'approval', approval_ttl: '15m' });
    expect(r.requirement).toMatchObject({ kind: 'approval', quorum: 1, approvalTtlMs: 900_000 });
  });

  it('@requires("confirmation")', () => {
    const r = readAnnotations('p', 'permit', { requires: 'confirmation', reason: 'be sure' });
    expect(r.problems).toEqual([]);
    expect(r.requirement).toEqual({ kind: 'confirmation', policyId: 'p', reason: 'be sure' });
  });

  it('an unknown @requires value is a problem (fail closed)', () => {
    const r = readAnnotations('p', 'permit', { requires: 'aproval' });
    expect(r.requirement).toBeUndefined();
    expect(r.problems.map((p) => p.key)).toEqual(['requires']);
  });

  it.each([
    [{ requires: 'approval', approvers: 'finance-approvers' }, 'approvers'],
    [{ requires: 'approval', approvers: 'Airlock::Team::"x"' }, 'approvers'],
    [{ requires: 'approval', quorum: '0' }, 'quorum'],
    [{ requires: 'approval', quorum: 'two' }, 'quorum'],
    [{ requires: 'approval', quorum: '1000' }, 'quorum'],
    [{ requires: 'approval', approval_ttl: 'soon' }, 'approval_ttl'],
    [{ requires: 'approval', approval_ttl: '0m' }, 'approval_ttl'],
    [{ requires: 'approval', sod: 'owner,manager' }, 'sod'],
    [{ quorum: '2' }, 'quorum'],
    [{ approvers: 'Airlock::Group::"a"' }, 'approvers'],
    [{ approval_ttl: '15m' }, 'approval_ttl'],
    [{ requires: 'confirmation', quorum: '2' }, 'quorum'],
    [{ require: 'approval' }, 'require'],
  ])('%j is a problem on %s', (annotations, key) => {
    const r = readAnnotations('p', 'permit', annotations as Record<string, string>, types);
    expect(r.problems.map((p) => p.key)).toContain(key);
  });

  it('requirement annotations on a forbid are problems; @reason and @notify are fine', () => {
    const r = readAnnotations('f', 'forbid', { requires: 'approval', quorum: '2', reason: 'no', notify: 'slack' });
    expect(r.problems.map((p) => p.key).sort()).toEqual(['quorum', 'requires']);
    expect(r.reason).toBe('no');
    expect(readAnnotations('f', 'forbid', { reason: 'no', notify: 'slack' }).problems).toEqual([]);
  });

  it('x_ annotations are free', () => {
    expect(readAnnotations('p', 'permit', { x_owner: 'team-a', description: 'd' }).problems).toEqual([]);
  });
});
