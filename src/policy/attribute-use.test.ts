import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { collectAttributeUse, pickKeys } from './attribute-use.js';

const json = (text: string): PolicyJson => {
  const r = policyToJson(text);
  if (r.type !== 'success') throw new Error('parse');
  return r.json;
};

describe('attribute use (what the engine is sent)', () => {
  it('collects attribute names from `.` and `has`, including every step of a path', () => {
    const use = collectAttributeUse([
      json('permit (principal, action, resource) when { principal.owner.team == "x" && resource has readOnly && context has a.b };'),
      json('forbid (principal, action, resource) when { context.environment == "production" };'),
    ]);
    expect([...use.entityAttrs].sort()).toEqual(['a', 'b', 'environment', 'owner', 'readOnly', 'team']);
    expect(use.contextKeys).not.toBe('all');
    expect([...(use.contextKeys as Set<string>)].sort()).toEqual(['a', 'environment']);
  });

  it('keeps the whole context when a policy uses it as a value', () => {
    const use = collectAttributeUse([json('permit (principal, action, resource) when { context == {} };')]);
    expect(use.contextKeys).toBe('all');
  });

  it('a policy set without conditions needs no attributes at all', () => {
    const use = collectAttributeUse([json('permit (principal, action, resource);')]);
    expect(use.entityAttrs.size).toBe(0);
    expect(use.contextKeys).toEqual(new Set());
  });

  it('pickKeys returns the same object when nothing is dropped, a smaller copy otherwise', () => {
    const rec = { a: 1, b: 2 };
    expect(pickKeys(rec, new Set(['a', 'b', 'c']))).toBe(rec);
    expect(pickKeys(rec, new Set(['a']))).toEqual({ a: 1 });
    expect(rec).toEqual({ a: 1, b: 2 });
  });
});
