import { checkParseSchema, schemaToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem, CedarEntity, CedarUid } from './types.js';
import { detailedProblems } from './diagnostics.js';
import { uidKey } from '../core/entity-uid.js';

/** What the rest of the bundle needs to know about the schema. */
export interface SchemaInfo {
  namespace: string;
  /** Fully qualified entity type names, e.g. `Airlock::Agent`. */
  entityTypes: Set<string>;
  /** Action names (ids of `<ns>::Action` entities), sorted. */
  actions: string[];
  /** Action uid → its direct parents (action groups), from `in [...]` in the schema. */
  actionParents: Map<string, CedarUid[]>;
  /** What a caller may say about entities of each type (schema annotations, see {@link EntityClaimRule}). */
  claims: ReadonlyMap<string, EntityClaimRule>;
}

/**
 * What a request may say about an entity of one type, declared in the schema (docs/policies.md
 * "What a caller may claim"). An attribute annotated `@caller_supplied` may come from
 * `properties` for an entity that neither the registry nor the bundle knows; an attribute
 * annotated `@from_id` (a String) always equals the entity's id (a File's path). Every other
 * attribute comes only from the registry or the bundle.
 */
export interface EntityClaimRule {
  callerSupplied: ReadonlySet<string>;
  fromId?: string;
}

export const CALLER_SUPPLIED_ANNOTATION = 'caller_supplied';
export const FROM_ID_ANNOTATION = 'from_id';

type SchemaAttr = { type?: string; name?: string; annotations?: Record<string, string> };

/** Reads `@caller_supplied` / `@from_id` off each entity type's attributes. */
function readClaims(namespace: string, entityTypes: Record<string, unknown>): { claims: Map<string, EntityClaimRule>; problems: BundleProblem[] } {
  const claims = new Map<string, EntityClaimRule>();
  const problems: BundleProblem[] = [];
  for (const [name, def] of Object.entries(entityTypes)) {
    const attrs = ((def as { shape?: { attributes?: Record<string, SchemaAttr> } }).shape?.attributes ?? {}) as Record<string, SchemaAttr>;
    const callerSupplied = new Set<string>();
    let fromId: string | undefined;
    for (const [attr, t] of Object.entries(attrs)) {
      const ann = t.annotations ?? {};
      const isString = t.type === 'String' || (t.type === 'EntityOrCommon' && t.name === 'String');
      if (Object.hasOwn(ann, FROM_ID_ANNOTATION)) {
        if (!isString) problems.push({ file: SCHEMA_FILE, message: `${name}.${attr}: @${FROM_ID_ANNOTATION} needs a String attribute (it is the entity id)` });
        else if (fromId !== undefined) problems.push({ file: SCHEMA_FILE, message: `${name}: only one attribute may be @${FROM_ID_ANNOTATION} (${fromId} and ${attr})` });
        else fromId = attr;
        if (Object.hasOwn(ann, CALLER_SUPPLIED_ANNOTATION)) problems.push({ file: SCHEMA_FILE, message: `${name}.${attr}: an attribute is either @${FROM_ID_ANNOTATION} or @${CALLER_SUPPLIED_ANNOTATION}, not both` });
      } else if (Object.hasOwn(ann, CALLER_SUPPLIED_ANNOTATION)) callerSupplied.add(attr);
    }
    if (callerSupplied.size > 0 || fromId !== undefined) claims.set(`${namespace}::${name}`, fromId !== undefined ? { callerSupplied, fromId } : { callerSupplied });
  }
  return { claims, problems };
}

export const SCHEMA_FILE = 'schema.cedarschema';

export function readSchema(text: string): { ok: true; info: SchemaInfo } | { ok: false; problems: BundleProblem[] } {
  // One parse when the schema is good (start-up time). schemaToJson checks as much as
  // checkParseSchema but locates some errors at offset 0, so a refused schema is parsed once more
  // for the located errors.
  const json = schemaToJson(text);
  if (json.type === 'failure') {
    const parsed = checkParseSchema(text);
    return { ok: false, problems: detailedProblems(SCHEMA_FILE, text, parsed.type === 'failure' ? parsed.errors : json.errors) };
  }
  const namespaces = Object.keys(json.json).filter((ns) => ns !== '');
  if (namespaces.length !== 1 || Object.keys(json.json).length !== 1) {
    return {
      ok: false,
      problems: [{ file: SCHEMA_FILE, line: 1, message: `the schema must declare exactly one namespace (e.g. "namespace Airlock { … }"), found ${namespaces.length}` }],
    };
  }
  const namespace = namespaces[0]!;
  const def = json.json[namespace]!;
  const actionType = `${namespace}::Action`;
  const actionParents = new Map<string, CedarUid[]>();
  for (const [name, action] of Object.entries(def.actions)) {
    const parents = (action.memberOf ?? []).map((p) => ({
      type: p.type === undefined || p.type === 'Action' ? actionType : p.type.includes('::') ? p.type : `${namespace}::${p.type}`,
      id: p.id,
    }));
    actionParents.set(uidKey({ type: actionType, id: name }), parents);
  }
  const claims = readClaims(namespace, def.entityTypes as Record<string, unknown>);
  if (claims.problems.length > 0) return { ok: false, problems: claims.problems };
  return {
    ok: true,
    info: {
      namespace,
      entityTypes: new Set(Object.keys(def.entityTypes).map((t) => `${namespace}::${t}`)),
      actions: Object.keys(def.actions).sort(),
      actionParents,
      claims: claims.claims,
    },
  };
}

/** The action entity and all its ancestor groups, or `[]` when the action belongs to no group. */
export function actionAncestry(info: SchemaInfo, action: CedarUid): CedarEntity[] {
  const seen = new Map<string, CedarEntity>();
  const walk = (uid: CedarUid): void => {
    const key = uidKey(uid);
    if (seen.has(key)) return;
    const parents = info.actionParents.get(key) ?? [];
    seen.set(key, { uid, attrs: {}, parents });
    for (const p of parents) walk(p);
  };
  walk(action);
  const all = [...seen.values()];
  return all.length === 1 && all[0]!.parents.length === 0 ? [] : all;
}

/** Every action uid key that is `group` or a descendant of it. */
export function actionsUnder(info: SchemaInfo, group: CedarUid): string[] {
  const target = uidKey(group);
  const out: string[] = [];
  for (const key of info.actionParents.keys()) {
    const stack = [key];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (k === target) {
        out.push(key);
        break;
      }
      if (seen.has(k)) continue;
      seen.add(k);
      for (const p of info.actionParents.get(k) ?? []) stack.push(uidKey(p));
    }
  }
  if (!out.includes(target)) out.push(target);
  return out;
}
