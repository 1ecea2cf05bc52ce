import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Which attribute names the bundle's policies can observe. Converting entities and context into
 * the wasm engine costs roughly 10 µs per attribute, and an attribute no policy names (`.x`,
 * `has x`) cannot change any decision — so the engine is sent only the names that appear here.
 * Conservative: entity attributes are pruned by the union of names used on any expression; the
 * context is pruned by its top-level keys only when every use of `context` is an attribute access.
 */
export interface AttributeUse {
  entityAttrs: ReadonlySet<string>;
  /** Top-level context keys policies read, or `all` when some policy uses the context as a whole. */
  contextKeys: ReadonlySet<string> | 'all';
}

export function collectAttributeUse(policies: readonly PolicyJson[]): AttributeUse {
  const entityAttrs = new Set<string>();
  const contextKeys = new Set<string>();
  let wholeContext = false;

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const obj = node as Record<string, unknown>;
    for (const [op, arg] of Object.entries(obj)) {
      if ((op === '.' || op === 'has') && typeof arg === 'object' && arg !== null) {
        const { left, attr } = arg as { left: unknown; attr: string | string[] };
        const names = Array.isArray(attr) ? attr : [attr];
        const isContext = typeof left === 'object' && left !== null && (left as { Var?: string }).Var === 'context';
        if (isContext && names[0] !== undefined) contextKeys.add(names[0]);
        // Every name on the path may be an entity attribute (`principal.owner.team` reads `team` on Human).
        for (const n of names) entityAttrs.add(n);
        if (!isContext) visit(left);
        continue;
      }
      if (op === 'Var') {
        if (arg === 'context') wholeContext = true;
        continue;
      }
      visit(arg);
    }
  };
  for (const p of policies) for (const c of p.conditions) visit(c.body);
  return { entityAttrs, contextKeys: wholeContext ? 'all' : contextKeys };
}

/** Keeps only the named keys of a record; returns the same object when nothing is dropped. */
export function pickKeys(rec: Record<string, unknown>, keep: ReadonlySet<string>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(rec)) {
    if (!keep.has(k)) {
      out ??= {};
      continue;
    }
  }
  if (!out) return rec;
  for (const k of Object.keys(rec)) if (keep.has(k)) out[k] = rec[k];
  return out;
}
