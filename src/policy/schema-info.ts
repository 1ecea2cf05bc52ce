import { checkParseSchema, schemaToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem, CedarEntity, CedarUid } from './types.js';
import { detailedProblems } from './diagnostics.js';

/** What the rest of the bundle needs to know about the schema. */
export interface SchemaInfo {
  namespace: string;
  /** Fully qualified entity type names, e.g. `Airlock::Agent`. */
  entityTypes: Set<string>;
  /** Action names (ids of `<ns>::Action` entities), sorted. */
  actions: string[];
  /** Action uid → its direct parents (action groups), from `in [...]` in the schema. */
  actionParents: Map<string, CedarUid[]>;
}

export const SCHEMA_FILE = 'schema.cedarschema';

/** Stable key of an entity uid, in Cedar's text form: `Airlock::Group::"sre"`. */
export function uidKey(uid: CedarUid): string {
  return `${uid.type}::${JSON.stringify(uid.id)}`;
}

export function readSchema(text: string): { ok: true; info: SchemaInfo } | { ok: false; problems: BundleProblem[] } {
  const parsed = checkParseSchema(text);
  if (parsed.type === 'failure') return { ok: false, problems: detailedProblems(SCHEMA_FILE, text, parsed.errors) };
  const json = schemaToJson(text);
  if (json.type === 'failure') return { ok: false, problems: detailedProblems(SCHEMA_FILE, text, json.errors) };
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
  return {
    ok: true,
    info: {
      namespace,
      entityTypes: new Set(Object.keys(def.entityTypes).map((t) => `${namespace}::${t}`)),
      actions: Object.keys(def.actions).sort(),
      actionParents,
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
