import { qualifyType } from '../core/entity-uid.js';

/**
 * The delegation scope grammar (docs/delegation.md §2):
 *
 *     scope   = item *( SP item )                      ; RFC 6749 §3.3 scope-token list
 *     item    = action [ ":" type "::" pattern ]
 *     action  = 1*( ALPHA / DIGIT / "_" / "." / "-" )   ; exact Airlock action name, e.g. tool.call
 *     type    = ident *( "::" ident )                  ; Tool, or qualified Airlock::Tool
 *     pattern = 1*idchar [ "*" ] / "*"                 ; "*" only at the end: a prefix wildcard
 *     idchar  = %x21 / %x23-29 / %x2B-5B / %x5D-7E     ; printable ASCII except " * \
 *
 * The id pattern is everything after the last `::`, so an id pattern cannot contain `::`. There is
 * no wildcard for actions or types, and no action hierarchy: containment is exact and conservative.
 */
export interface ScopeItem {
  action: string;
  /** Qualified resource type (`Airlock::Tool`); absent for a bare action (any resource). */
  type?: string;
  /** Id, or id prefix when `prefix` is true (without the `*`). */
  pattern?: string;
  prefix: boolean;
}

export interface Scope {
  readonly items: readonly ScopeItem[];
  /** Normalized text: items deduplicated and sorted, types in the default namespace unqualified. */
  readonly text: string;
}

export type ScopeParse = { ok: true; scope: Scope } | { ok: false; message: string };

export const SCOPE_LIMITS = { maxLength: 4096, maxItems: 64, maxActionLength: 128 } as const;

const ACTION = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TYPE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*$/;
const ID_PATTERN = /^[\x21\x23-\x29\x2b-\x5b\x5d-\x7e]*\*?$/;

function itemText(item: ScopeItem, namespace: string): string {
  if (item.type === undefined) return item.action;
  const prefix = `${namespace}::`;
  const rest = item.type.startsWith(prefix) ? item.type.slice(prefix.length) : undefined;
  const type = rest !== undefined && !rest.includes('::') ? rest : item.type;
  return `${item.action}:${type}::${item.pattern}${item.prefix ? '*' : ''}`;
}

function parseItem(raw: string, namespace: string): ScopeItem | string {
  const colon = raw.indexOf(':');
  const action = colon < 0 ? raw : raw.slice(0, colon);
  if (action.length > SCOPE_LIMITS.maxActionLength || !ACTION.test(action)) return `bad action in "${raw}"`;
  if (colon < 0) return { action, prefix: false };
  const rest = raw.slice(colon + 1);
  const sep = rest.lastIndexOf('::');
  if (sep <= 0) return `"${raw}" must be <action>:<ResourceType>::<id-pattern>`;
  const type = rest.slice(0, sep);
  const pattern = rest.slice(sep + 2);
  if (!TYPE_PATH.test(type)) return `bad resource type in "${raw}"`;
  if (pattern.length === 0) return `empty id pattern in "${raw}"`;
  if (!ID_PATTERN.test(pattern)) return `bad character or "*" before the end of the id pattern in "${raw}"`;
  const prefix = pattern.endsWith('*');
  return { action, type: qualifyType(type, namespace), pattern: prefix ? pattern.slice(0, -1) : pattern, prefix };
}

/**
 * Parses a scope string. Items are separated by exactly one space (an empty item, a tab or a
 * leading/trailing space is refused); duplicates collapse in the normalized form.
 * @example parseScope('tool.call:Tool::gh/* secret.read:Secret::ci/npm', 'Airlock')
 */
export function parseScope(text: string, namespace: string): ScopeParse {
  if (typeof text !== 'string' || text.length === 0) return { ok: false, message: 'scope is empty' };
  if (text.length > SCOPE_LIMITS.maxLength) return { ok: false, message: `scope is longer than ${SCOPE_LIMITS.maxLength} characters` };
  const raws = text.split(' ');
  if (raws.length > SCOPE_LIMITS.maxItems) return { ok: false, message: `scope has more than ${SCOPE_LIMITS.maxItems} items` };
  const byText = new Map<string, ScopeItem>();
  for (const raw of raws) {
    if (raw.length === 0) return { ok: false, message: 'scope has an empty item (items are separated by exactly one space)' };
    const item = parseItem(raw, namespace);
    if (typeof item === 'string') return { ok: false, message: item };
    byText.set(itemText(item, namespace), item);
  }
  const keys = [...byText.keys()].sort();
  return { ok: true, scope: { items: keys.map((k) => byText.get(k)!), text: keys.join(' ') } };
}

/** Does parent item `p` allow everything child item `c` allows? Conservative: unsure ⇒ false. */
export function itemCovers(p: ScopeItem, c: ScopeItem): boolean {
  if (p.action !== c.action) return false;
  if (p.type === undefined) return true; // a bare action allows any resource of that action
  if (c.type === undefined || p.type !== c.type) return false;
  if (!p.prefix) return !c.prefix && c.pattern === p.pattern;
  // "gh*" covers "gh", "gh/list" and "gh/*", never "g*": the child's fixed part must extend the parent's.
  return c.pattern!.startsWith(p.pattern!);
}

/**
 * DESIGN §6 "Scope ... only narrow[s] along a delegation chain": every child item must be covered
 * by one parent item. (A union of parent items cannot cover a child item that no single one does:
 * ids and types are unbounded, so this per-item test is exact as well as safe.)
 */
export function scopeCovers(parent: Scope, child: Scope): boolean {
  return child.items.every((c) => parent.items.some((p) => itemCovers(p, c)));
}

/** The part of a request a scope constrains. Types may be bare (`Tool`) or qualified (`Airlock::Tool`). */
export interface ScopeRequest {
  action: { name: string };
  resource: { type: string; id: string };
}

/** Per-request check: is this action on this resource inside the (leaf) scope? */
export function scopeAllows(scope: Scope, request: ScopeRequest, namespace: string): boolean {
  const action = request.action.name;
  const type = qualifyType(request.resource.type, namespace);
  const id = request.resource.id;
  return scope.items.some(
    (i) => i.action === action && (i.type === undefined || (i.type === type && (i.prefix ? id.startsWith(i.pattern!) : id === i.pattern))),
  );
}
