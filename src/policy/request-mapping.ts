import { pickKeys, type AttributeUse } from './attribute-use.js';
import { TRANSPORT_ONLY_CONTEXT_KEYS } from '../core/action-hash.js';
import { AirlockError } from '../core/errors.js';
import type { AuthorizationRequest, EntityRef } from '../core/types.js';
import { type EntityClaimRule } from './schema-info.js';
import type { CedarEntity, CedarUid, PolicyRequest } from './types.js';
import { qualifyType, uidKey } from '../core/entity-uid.js';

/** Looks up what the registry or the bundle's static entities know about an entity. */
export type EntityResolver = (uid: CedarUid) => CedarEntity | undefined;

function uidOf(ref: { type: string; id: string }, namespace: string, field: string): CedarUid {
  if (typeof ref.type !== 'string' || ref.type.length === 0 || typeof ref.id !== 'string' || ref.id.length === 0) {
    throw new AirlockError('ERR_REQUEST_INVALID', `${field} needs a non-empty type and id`, { field });
  }
  return { type: qualifyType(ref.type, namespace), id: ref.id };
}

/** Cedar decimals take at most four fractional digits. */
const DECIMAL = /^-?\d+\.\d{1,4}$/;

/**
 * JSON → Cedar JSON value. Objects become records, arrays sets, `{"__entity"…}` / `{"__extn"…}` pass
 * through. Cedar has no null: a null member or element is left out (absent, so `has` is false).
 * Integers must be safe; other numbers with up to four decimals become `decimal(…)`.
 * @throws AirlockError ERR_REQUEST_INVALID for a number Cedar cannot represent
 */
export function toCedarValue(value: unknown, path: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      if (Number.isSafeInteger(value)) return value;
      const text = Number.isFinite(value) ? String(value) : '';
      if (DECIMAL.test(text)) return { __extn: { fn: 'decimal', arg: text } };
      throw new AirlockError('ERR_REQUEST_INVALID', `${path}: number ${text || String(value)} cannot be represented in Cedar`, { path });
    }
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        value.forEach((v, i) => {
          const c = toCedarValue(v, `${path}[${i}]`);
          if (c !== undefined) out.push(c);
        });
        return out;
      }
      const obj = value as Record<string, unknown>;
      if ('__entity' in obj || '__extn' in obj) return obj;
      return toCedarRecord(obj, path);
    }
    default:
      throw new AirlockError('ERR_REQUEST_INVALID', `${path}: ${typeof value} is not a JSON value`, { path });
  }
}

export function toCedarRecord(obj: Readonly<Record<string, unknown>>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const c = toCedarValue(obj[key], `${path}.${key}`);
    if (c !== undefined) out[key] = c;
  }
  return out;
}

/** Per qualified entity type, what a caller may say about it (from the schema; see schema-info.ts). */
export type ClaimRules = ReadonlyMap<string, EntityClaimRule>;

const NO_RULE: EntityClaimRule = { callerSupplied: new Set() };

/**
 * Why a request's `properties` on `ref` are refused, or undefined when they may stand
 * (DESIGN §2 "What a caller may claim"): the properties of an entity the registry or the bundle
 * knows are ignored (its attributes come only from there); a request-only entity takes the
 * attributes its type marks `@caller_supplied`; an `@from_id` attribute may be sent only with the
 * id's own value. Anything else is refused.
 */
function refusedClaim(uid: CedarUid, ref: EntityRef, known: CedarEntity | undefined, rule: EntityClaimRule, field: string): string | undefined {
  const keys = ref.properties ? Object.keys(ref.properties) : [];
  // A known entity's properties are never used (see entityFor), so they cannot claim anything: the
  // AuthZEN certification scenario sends them alongside known entities and expects a decision.
  if (keys.length === 0 || known) return undefined;
  for (const k of keys) {
    if (k === rule.fromId) {
      if (ref.properties![k] !== uid.id) return `${field}.properties.${k}: follows from the id and must equal it`;
      continue;
    }
    if (!rule.callerSupplied.has(k)) return `${field}.properties.${k}: ${uid.type} does not declare ${k} @caller_supplied`;
  }
  return undefined;
}

/**
 * The first refused claim of a request about its subject or resource, or undefined. The gateway
 * denies such a request with `property_refused`; {@link toPolicyRequest} never lets a refused
 * property reach Cedar either way.
 */
export function refusedEntityClaim(req: AuthorizationRequest, resolve: EntityResolver, namespace: string, rules: ClaimRules): string | undefined {
  for (const [ref, field] of [[req.subject, 'subject'], [req.resource, 'resource']] as const) {
    if (!ref.properties) continue;
    const uid = uidOf(ref, namespace, field);
    const refused = refusedClaim(uid, ref, resolve(uid), rules.get(uid.type) ?? NO_RULE, field);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

function entityFor(uid: CedarUid, ref: EntityRef, resolve: EntityResolver, rules: ClaimRules, field: string, use?: AttributeUse): CedarEntity {
  const known = resolve(uid);
  const rule = rules.get(uid.type) ?? NO_RULE;
  let attrs: Record<string, unknown>;
  if (known) {
    // Registry and bundle facts only: a caller adds nothing to an entity someone knows.
    attrs = known.attrs;
  } else {
    const allowed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ref.properties ?? {})) if (rule.callerSupplied.has(k)) allowed[k] = v;
    attrs = toCedarRecord(use ? pickKeys(allowed, use.entityAttrs) : allowed, `${field}.properties`);
  }
  // An attribute that follows from the id is the id, whatever anyone said.
  if (rule.fromId !== undefined && attrs[rule.fromId] !== uid.id) attrs = { ...attrs, [rule.fromId]: uid.id };
  const entity: CedarEntity = { uid, attrs, parents: known ? known.parents : [] };
  if (known?.tags) entity.tags = known.tags;
  return entity;
}

/**
 * Maps an AuthZEN request onto a Cedar request. Entities sent: the principal, the resource and all
 * their ancestors (found through `resolve`, cycle-safe), nothing else (cost grows with each entity).
 * Cedar actions carry no per-request attributes, so AuthZEN `action.properties` are handed to
 * policies as `context.actionProperties` (a request that also sets that context key itself is
 * refused: two sources for one fact would be ambiguous).
 * @throws AirlockError ERR_REQUEST_INVALID when a type or id is empty or a value is not representable
 * @example
 * toPolicyRequest({ subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'deploy' },
 *   resource: { type: 'Environment', id: 'prod' } }, (u) => bundle.staticEntities.get(uidKey(u)), 'Airlock');
 */
/** The context key under which `action.properties` reach Cedar. */
export const ACTION_PROPERTIES_KEY = 'actionProperties';

export function toPolicyRequest(req: AuthorizationRequest, resolve: EntityResolver, namespace: string, use?: AttributeUse, rules: ClaimRules = new Map()): PolicyRequest {
  const principal = uidOf(req.subject, namespace, 'subject');
  const resource = uidOf(req.resource, namespace, 'resource');
  if (typeof req.action?.name !== 'string' || req.action.name.length === 0) {
    throw new AirlockError('ERR_REQUEST_INVALID', 'action needs a non-empty name', { field: 'action' });
  }
  const action: CedarUid = { type: `${namespace}::Action`, id: req.action.name };
  const p = entityFor(principal, req.subject, resolve, rules, 'subject', use);
  const entities: CedarEntity[] = [p];
  const seen = new Set<string>([uidKey(principal)]);
  const rKey = uidKey(resource);
  let r: CedarEntity | undefined;
  if (!seen.has(rKey)) {
    r = entityFor(resource, req.resource, resolve, rules, 'resource', use);
    entities.push(r);
    seen.add(rKey);
  }
  // Ancestors, breadth first; `seen` keeps a cycle in the data from looping.
  for (let i = 0; i < entities.length; i++) {
    for (const parent of entities[i]!.parents) {
      const key = uidKey(parent);
      if (seen.has(key)) continue;
      seen.add(key);
      const e = resolve(parent);
      if (e) entities.push(e);
    }
  }
  // Keys no policy reads are dropped before conversion, so e.g. a float tool argument that Cedar
  // cannot represent only matters when a policy actually looks at it.
  let ctxIn = req.context && use && use.contextKeys !== 'all' ? pickKeys(req.context, use.contextKeys) : req.context;
  // Proof material about this attempt (an approval reference, a delegation token) is checked by the
  // gateway itself and never reaches policy: an approval's state is never a caller's word.
  if (ctxIn && TRANSPORT_ONLY_CONTEXT_KEYS.some((k) => Object.hasOwn(ctxIn!, k))) {
    ctxIn = Object.fromEntries(Object.entries(ctxIn).filter(([k]) => !TRANSPORT_ONLY_CONTEXT_KEYS.includes(k)));
  }
  const context = ctxIn ? toCedarRecord(ctxIn, 'context') : {};
  if (req.action.properties !== undefined && (!use || use.contextKeys === 'all' || use.contextKeys.has(ACTION_PROPERTIES_KEY))) {
    if (Object.hasOwn(context, ACTION_PROPERTIES_KEY)) {
      throw new AirlockError('ERR_REQUEST_INVALID', `context.${ACTION_PROPERTIES_KEY} is set by action.properties; send one of them`, { field: 'context' });
    }
    context[ACTION_PROPERTIES_KEY] = toCedarRecord(req.action.properties, 'action.properties');
  }
  return { principal, action, resource, context, entities };
}
