import { describe, expect, it } from 'vitest';
import { compileBundle, type CompiledBundle } from './bundle.js';
import { decideOutcome } from './outcome.js';
import { toPolicyRequest } from './request-mapping.js';

import { smallBundle } from './testing/small-bundle.js';
import type { CedarEntity } from './types.js';
import { uidKey } from '../core/entity-uid.js';

function compile(policies: string): CompiledBundle {
  const r = compileBundle(smallBundle(policies));
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  return r.bundle;
}

function decide(bundle: CompiledBundle, context: Record<string, unknown> = {}, entities: CedarEntity[] = []) {
  const table = new Map(entities.map((e) => [uidKey(e.uid), e]));
  const req = toPolicyRequest(
    { subject: { type: 'Agent', id: 'bot' }, action: { name: 'deploy' }, resource: { type: 'Tool', id: 't' }, context },
    (u) => table.get(uidKey(u)),
    'Airlock',
  );
  return decideOutcome(bundle.evaluate(req), bundle);
}

const approval = `@id("needs-approval")
@requires("approval")
@approvers("Airlock::Group::\\"sre\\"")
@quorum("2")
@approval_ttl("PT10M")
@sod("owner")
@reason("two SREs")
permit (principal, action == Airlock::Action::"deploy", resource);
`;
const confirmation = `@id("needs-confirmation")
@requires("confirmation")
@reason("are you sure")
permit (principal, action == Airlock::Action::"deploy", resource);
`;
const plain = `@id("plain")
@reason("deploys are fine")
permit (principal, action == Airlock::Action::"deploy", resource);
`;

describe('decideOutcome (DESIGN §3)', () => {
  it('a plain permit allows with policy_permit and its @reason', () => {
    const out = decide(compile(plain));
    expect(out).toEqual({
      outcome: 'allow',
      reasons: [{ code: 'policy_permit', policyId: 'plain', message: 'deploys are fine' }],
      requirements: [],
      determining: ['plain'],
    });
  });

  it('no matching permit is default_deny', () => {
    const out = decide(compile('permit (principal, action == Airlock::Action::"other", resource);'));
    expect(out.outcome).toBe('deny');
    expect(out.reasons.map((r) => r.code)).toEqual(['default_deny']);
  });

  it('@requires("approval") yields approval_required with the requirement', () => {
    const out = decide(compile(approval));
    expect(out.outcome).toBe('approval_required');
    expect(out.requirements).toEqual([
      {
        kind: 'approval',
        policyId: 'needs-approval',
        approvers: 'Airlock::Group::"sre"',
        quorum: 2,
        approvalTtlMs: 600_000,
        sod: ['owner'],
        reason: 'two SREs',
      },
    ]);
    expect(out.reasons).toEqual([{ code: 'approval_required', policyId: 'needs-approval', message: 'two SREs' }]);
  });

  it('@requires("confirmation") yields confirmation_required', () => {
    const out = decide(compile(confirmation));
    expect(out.outcome).toBe('confirmation_required');
    expect(out.requirements).toEqual([{ kind: 'confirmation', policyId: 'needs-confirmation', reason: 'are you sure' }]);
  });

  it('strictest wins across every determining permit; requirements strictest first', () => {
    const out = decide(compile(plain + confirmation + approval));
    expect(out.outcome).toBe('approval_required');
    expect(out.determining).toEqual(['needs-approval', 'needs-confirmation', 'plain']);
    expect(out.requirements.map((r) => r.kind)).toEqual(['approval', 'confirmation']);
    expect(out.reasons.map((r) => r.code)).toEqual(['approval_required', 'confirmation_required', 'policy_permit']);
    expect(decide(compile(plain + confirmation)).outcome).toBe('confirmation_required');
  });

  it('forbid wins over permit (also over approval permits) and reports the forbid', () => {
    const forbid = `@id("no-prod")
@reason("not in production")
forbid (principal, action, resource) when { context has environment && context.environment == "production" };
`;
    const b = compile(plain + approval + forbid);
    const out = decide(b, { environment: 'production' });
    expect(out.outcome).toBe('deny');
    expect(out.reasons).toEqual([{ code: 'policy_forbid', policyId: 'no-prod', message: 'not in production' }]);
    expect(out.requirements).toEqual([]);
    expect(decide(b, { environment: 'staging' }).outcome).toBe('approval_required');
  });

  it('an erroring forbid next to a matching permit denies with evaluation_error (missing entity)', () => {
    const b = compile(
      plain +
        `@id("suspended-manager")
forbid (principal, action, resource) when { principal has manager && principal.manager.suspended };
`,
    );
    // The manager entity is not sent (only principal, resource and ancestors are), so the forbid errors.
    const out = decide(b, {}, [{ uid: { type: 'Airlock::Agent', id: 'bot' }, attrs: { manager: { __entity: { type: 'Airlock::Human', id: 'm' } } }, parents: [] }]);
    expect(b.evaluate(toPolicyRequest({ subject: { type: 'Agent', id: 'x' }, action: { name: 'deploy' }, resource: { type: 'Tool', id: 't' } }, () => undefined, 'Airlock')).decision).toBe('allow');
    expect(out.outcome).toBe('deny');
    expect(out.reasons).toHaveLength(1);
    expect(out.reasons[0]).toMatchObject({ code: 'evaluation_error', policyId: 'suspended-manager' });
  });

  it('an erroring forbid (arithmetic overflow) next to a matching permit denies', () => {
    const b = compile(
      plain +
        `@id("overflow")
forbid (principal, action, resource) when { context has amount && context.amount + 9223372036854775000 > 0 };
`,
    );
    const out = decide(b, { amount: 9_007_199_254_740_991 });
    expect(out.outcome).toBe('deny');
    expect(out.reasons.map((r) => [r.code, r.policyId])).toEqual([['evaluation_error', 'overflow']]);
    expect(decide(b, { amount: 1 }).outcome).toBe('deny'); // 1 + big > 0: the forbid matches
    expect(decide(b, {}).outcome).toBe('allow');
  });

  it('an erroring permit denies too (Cedar would skip it and may allow through another)', () => {
    const b = compile(
      plain +
        `@id("level-gate")
@requires("approval")
permit (principal, action, resource) when { principal has level && principal.level + 9223372036854775000 > 0 };
`,
    );
    const out = decide(b, {}, [{ uid: { type: 'Airlock::Agent', id: 'bot' }, attrs: { level: 10_000 }, parents: [] }]);
    expect(out.outcome).toBe('deny');
    expect(out.reasons[0]).toMatchObject({ code: 'evaluation_error', policyId: 'level-gate' });
  });
});
