import type { AuthorizationRequest } from './types.js';

/** One fact of an action, as a person must see it before deciding: where it is, and its JSON value. */
export interface ActionField {
  /** `resource.properties.iban`, `context.amount`, `context.args[0]`, `context["odd key"]`. */
  path: string;
  /** JSON text of the value (strings quoted and escaped, so control characters are visible). */
  value: string;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const MAX_DEPTH = 32;

const step = (path: string, key: string): string => (PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

function flatten(path: string, v: unknown, out: ActionField[], depth: number): void {
  if (typeof v === 'object' && v !== null && depth < MAX_DEPTH) {
    const entries = Array.isArray(v) ? v.map((x, i) => [`${path}[${i}]`, x] as const) : Object.keys(v).sort().map((k) => [step(path, k), (v as Record<string, unknown>)[k]] as const);
    if (entries.length === 0) out.push({ path, value: Array.isArray(v) ? '[]' : '{}' });
    for (const [p, x] of entries) flatten(p, x, out, depth + 1);
    return;
  }
  out.push({ path, value: JSON.stringify(v) ?? String(v) });
}

/**
 * Every fact of the action, none left out: subject, action, resource with their properties, and
 * every context key (nested values by path, keys sorted). What a surface shows an approver is
 * derived from this list, so adding a context key can never make it invisible. `omit` drops paths
 * that the surface shows in another form (it must then show them).
 */
export function actionFields(req: AuthorizationRequest, omit: readonly string[] = []): ActionField[] {
  const out: ActionField[] = [];
  flatten('subject', req.subject, out, 0);
  flatten('action', req.action, out, 0);
  flatten('resource', req.resource, out, 0);
  if (req.context !== undefined) flatten('context', req.context, out, 0);
  return out.filter((f) => !omit.some((o) => f.path === o || f.path.startsWith(`${o}.`) || f.path.startsWith(`${o}[`)));
}

/** The fields as lines of text, `path = value`. */
export function actionText(req: AuthorizationRequest, omit: readonly string[] = []): string {
  return actionFields(req, omit)
    .map((f) => `${f.path} = ${f.value}`)
    .join('\n');
}
