import type { Outcome, Reason } from '../core/types.js';
import type { CompiledBundle } from './bundle.js';
import { unknownName } from './known-names.js';
import { decideOutcome } from './outcome.js';
import { refusedEntityClaim, toPolicyRequest, type EntityResolver } from './request-mapping.js';

import type { CedarEntity } from './types.js';
import { uidKey } from '../core/entity-uid.js';

export interface PolicyTestResult {
  file: string;
  name: string;
  line?: number;
  expected: Outcome;
  actual: Outcome;
  passed: boolean;
  reasons: Reason[];
}

/**
 * Runs the bundle's `tests/*.yaml` cases. Entities come from the case's own `entities`, then the
 * bundle's static entities, then `resolveExtra` (e.g. the identity registry).
 */
export function runPolicyTests(bundle: CompiledBundle, resolveExtra?: EntityResolver): PolicyTestResult[] {
  return bundle.tests.map((c) => {
    const own = new Map<string, CedarEntity>((c.entities ?? []).map((e) => [uidKey(e.uid), e]));
    const resolve: EntityResolver = (uid) => {
      const key = uidKey(uid);
      return own.get(key) ?? bundle.staticEntities.get(key) ?? resolveExtra?.(uid);
    };
    let actual: Outcome;
    let reasons: Reason[];
    try {
      // The same entity-claim rule as the gateway: a refused property is a deny, never a fact.
      const unknown = unknownName(bundle, c.request);
      const refused = refusedEntityClaim(c.request, resolve, bundle.namespace, bundle.claims);
      if (unknown) {
        actual = 'deny';
        reasons = [{ code: unknown.code, message: unknown.detail }];
      } else if (refused !== undefined) {
        actual = 'deny';
        reasons = [{ code: 'property_refused', message: refused }];
      } else {
        const out = decideOutcome(bundle.evaluate(toPolicyRequest(c.request, resolve, bundle.namespace, undefined, bundle.claims)), bundle);
        actual = out.outcome;
        reasons = out.reasons;
      }
    } catch (e) {
      // fail closed, exactly as the gateway does with a throw on the decision path
      actual = 'deny';
      reasons = [{ code: 'internal_error', message: e instanceof Error ? e.message : String(e) }];
    }
    return {
      file: c.file,
      name: c.name,
      ...(c.line !== undefined ? { line: c.line } : {}),
      expected: c.expect,
      actual,
      passed: actual === c.expect,
      reasons,
    };
  });
}
