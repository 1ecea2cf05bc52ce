import { describe, expect, it } from 'vitest';
import { compileBundle } from './bundle.js';
import { toPolicyRequest } from './request-mapping.js';

import { generateBundle, generateRequests } from './testing/generate-bundle.js';
import type { CedarEntity } from './types.js';
import { uidKey } from '../core/entity-uid.js';

describe('sliced evaluation (issue: cost must not grow with the whole bundle)', () => {
  it('the generator is deterministic', () => {
    expect(generateBundle({ policies: 50, actions: 5, seed: 3 })).toEqual(generateBundle({ policies: 50, actions: 5, seed: 3 }));
    expect(generateBundle({ policies: 50, actions: 5, seed: 3 })).not.toEqual(generateBundle({ policies: 50, actions: 5, seed: 4 }));
  });

  it('agrees with unsliced evaluation on 2,000+ requests over the 1,000-policy / 50-action bundle', { timeout: 120_000 }, () => {
    const r = compileBundle(generateBundle({ policies: 1000, actions: 50, seed: 1 }));
    if (!r.ok) throw new Error(JSON.stringify(r.problems.slice(0, 5)));
    const bundle = r.bundle;
    expect(bundle.policies.size).toBe(1000);
    const world = generateRequests({ count: 2500, actions: 50, seed: 11 });
    const table = new Map<string, CedarEntity>(world.entities.map((e) => [uidKey(e.uid), e]));
    const counts = { allow: 0, deny: 0, errors: 0, emptySlice: 0 };
    for (const request of world.requests) {
      const req = toPolicyRequest(request, (u) => table.get(uidKey(u)), bundle.namespace);
      const sliced = bundle.evaluate(req);
      const full = bundle.evaluateUnsliced(req);
      const norm = (e: typeof sliced) => ({
        decision: e.decision,
        determining: [...e.determining].sort(),
        errors: e.errors.map((x) => x.policyId).sort(),
      });
      expect(norm(sliced), JSON.stringify(request)).toEqual(norm(full));
      counts[sliced.decision]++;
      if (sliced.errors.length > 0) counts.errors++;
      if (sliced.decision === 'deny' && sliced.determining.length === 0 && sliced.errors.length === 0) counts.emptySlice++;
    }
    // the sample must exercise every path, or the agreement proves little
    expect(counts.allow).toBeGreaterThan(100);
    expect(counts.deny).toBeGreaterThan(100);
    expect(counts.errors).toBeGreaterThan(10);
    // a slice never holds more than its action's policies: far fewer than the bundle
    expect(bundle.sliceCount).toBeGreaterThan(50);
    bundle.dispose();
  });
});
