import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { actionsUnder, type SchemaInfo } from './schema-info.js';
import type { CedarUid } from './types.js';
import { uidKey } from '../core/entity-uid.js';

/**
 * Slicing (issue: "a decision's cost must not grow with the size of the whole bundle"). Cedar
 * evaluates every policy of a set, so at load the bundle is cut into sets that hold only the policies
 * whose scope can match: per action, then per principal type and resource type where a scope names
 * one. Scope evaluation never errors, so leaving out a policy whose scope cannot match changes
 * neither the decision nor the diagnostics.
 */

/** Stands for "a type no policy of this action names". Not a valid Cedar type name. */
export const ANY_TYPE = '*';
/** Above this many (principal × resource) slices for one action, slice that action by action only. */
export const MAX_SLICES_PER_ACTION = 256;

export interface ScopeSummary {
  id: string;
  /** Action uid keys the policy can apply to, or `all`. */
  actions: 'all' | Set<string>;
  /** The principal type the scope pins (`is T`, `== T::"x"`), if any. */
  principalType?: string;
  resourceType?: string;
}

export interface ActionSlices {
  principalTypes: ReadonlySet<string>;
  resourceTypes: ReadonlySet<string>;
  /** `${principalType}\0${resourceType}` → index into `SlicePlan.sets`; absent = no policy applies. */
  sets: ReadonlyMap<string, number>;
}

export interface SlicePlan {
  /** Each set is a sorted list of policy ids; identical slices share one set. */
  sets: string[][];
  /** Keyed by action uid key (`Airlock::Action::"deploy"`). */
  byAction: ReadonlyMap<string, ActionSlices>;
  /** For actions the schema does not declare: only policies with an unconstrained action scope. */
  unknownAction: ActionSlices;
}

type Scope = PolicyJson['principal'];

function pinnedType(scope: Scope): string | undefined {
  if (scope.op === 'is') return scope.entity_type;
  if (scope.op === '==' && 'entity' in scope) return entityType(scope.entity);
  return undefined; // All, or `in` a group: members of any type may match
}

function entityType(uid: CedarUid | { __entity: CedarUid }): string {
  return '__entity' in uid ? uid.__entity.type : uid.type;
}

function plainUid(uid: CedarUid | { __entity: CedarUid }): CedarUid {
  return '__entity' in uid ? uid.__entity : uid;
}

export function summarizeScope(id: string, json: PolicyJson, schema: SchemaInfo): ScopeSummary {
  let actions: ScopeSummary['actions'];
  const a = json.action;
  if (a.op === 'All') actions = 'all';
  else if (a.op === '==') actions = new Set('entity' in a ? [uidKey(plainUid(a.entity))] : []);
  else {
    const groups = 'entity' in a ? [a.entity] : a.entities;
    actions = new Set(groups.flatMap((g) => actionsUnder(schema, plainUid(g))));
  }
  const principalType = pinnedType(json.principal);
  const resourceType = pinnedType(json.resource);
  return {
    id,
    actions,
    ...(principalType !== undefined ? { principalType } : {}),
    ...(resourceType !== undefined ? { resourceType } : {}),
  };
}

/**
 * Each policy in a slice is parsed again at load (about 0.2 ms each in cedar-wasm), and policies that
 * pin no type land in every type slice of their action. So per action the finest slicing is chosen
 * whose total size stays within this factor of the action's policy count; a coarser slicing only
 * makes a decision somewhat slower, never wrong.
 */
export const SLICE_PARSE_BUDGET = 4;

interface Candidate {
  pTypes: Set<string>;
  rTypes: Set<string>;
  lists: Map<string, string[]>;
  total: number;
  mean: number;
}

function sliceBy(candidates: readonly ScopeSummary[], byPrincipal: boolean, byResource: boolean): Candidate {
  const pTypes = new Set(byPrincipal ? candidates.flatMap((s) => (s.principalType !== undefined ? [s.principalType] : [])) : []);
  const rTypes = new Set(byResource ? candidates.flatMap((s) => (s.resourceType !== undefined ? [s.resourceType] : [])) : []);
  const lists = new Map<string, string[]>();
  let total = 0;
  let combos = 0;
  for (const pt of [...pTypes, ANY_TYPE]) {
    for (const rt of [...rTypes, ANY_TYPE]) {
      combos++;
      const ids = candidates
        .filter(
          (s) =>
            (!byPrincipal || s.principalType === undefined || s.principalType === pt) &&
            (!byResource || s.resourceType === undefined || s.resourceType === rt),
        )
        .map((s) => s.id);
      total += ids.length;
      if (ids.length > 0) lists.set(`${pt}\0${rt}`, ids);
    }
  }
  return { pTypes, rTypes, lists, total, mean: total / combos };
}

export function planSlices(scopes: readonly ScopeSummary[], actionKeys: readonly string[]): SlicePlan {
  const sets: string[][] = [];
  const setIndex = new Map<string, number>();
  const intern = (ids: string[]): number => {
    const sorted = [...ids].sort();
    const key = sorted.join('\0');
    let i = setIndex.get(key);
    if (i === undefined) {
      i = sets.length;
      sets.push(sorted);
      setIndex.set(key, i);
    }
    return i;
  };
  const sliceAction = (candidates: ScopeSummary[]): ActionSlices => {
    const budget = Math.max(SLICE_PARSE_BUDGET * candidates.length, candidates.length + 16);
    const options = [sliceBy(candidates, true, true), sliceBy(candidates, true, false), sliceBy(candidates, false, true)].filter(
      (c) => c.total <= budget && (c.pTypes.size + 1) * (c.rTypes.size + 1) <= MAX_SLICES_PER_ACTION,
    );
    let best = sliceBy(candidates, false, false);
    for (const c of options) if (c.mean < best.mean) best = c;
    const map = new Map<string, number>();
    for (const [key, ids] of best.lists) map.set(key, intern(ids));
    return { principalTypes: best.pTypes, resourceTypes: best.rTypes, sets: map };
  };
  const byAction = new Map<string, ActionSlices>();
  for (const key of actionKeys) {
    byAction.set(key, sliceAction(scopes.filter((s) => s.actions === 'all' || s.actions.has(key))));
  }
  return { sets, byAction, unknownAction: sliceAction(scopes.filter((s) => s.actions === 'all')) };
}

/** Finds the set for a request, or `undefined` when no policy can apply (default deny). */
export function sliceFor(plan: SlicePlan, principal: CedarUid, action: CedarUid, resource: CedarUid): number | undefined {
  const slices = plan.byAction.get(uidKey(action)) ?? plan.unknownAction;
  const pt = slices.principalTypes.has(principal.type) ? principal.type : ANY_TYPE;
  const rt = slices.resourceTypes.has(resource.type) ? resource.type : ANY_TYPE;
  return slices.sets.get(`${pt}\0${rt}`);
}
