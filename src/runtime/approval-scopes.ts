import type { ApprovalScope } from '../identity/report.js';
import { readPolicies } from '../policy/policy-sources.js';
import type { CompiledBundle } from '../policy/bundle.js';
import type { CedarUid } from '../policy/types.js';
import { qualifyType } from '../core/entity-uid.js';

type Uidish = { __entity: CedarUid } | CedarUid;
const uid = (e: Uidish): CedarUid => ('__entity' in e ? e.__entity : e);

/**
 * Principal and action scopes of the bundle's permit policies that carry `@requires("approval")`,
 * read from the bundle's own files (the ones the bundle in force was compiled from). Conditions and
 * resource scopes are left out on purpose: see ApprovalScope.
 */
export function approvalScopes(bundle: CompiledBundle, files: Readonly<Record<string, string>>): ApprovalScope[] {
  const needsApproval = new Set([...bundle.policies.values()].filter((p) => p.effect === 'permit' && p.requirement?.kind === 'approval').map((p) => p.id));
  if (needsApproval.size === 0) return [];
  const cedar = Object.entries(files).filter(([p]) => p.endsWith('.cedar') && !p.includes('/')).sort(([a], [b]) => (a < b ? -1 : 1));
  const { policies } = readPolicies(cedar, undefined);
  const ns = bundle.namespace;
  const out: ApprovalScope[] = [];
  for (const p of policies) {
    if (!needsApproval.has(p.info.id)) continue;
    const pr = p.json.principal;
    let principal: ApprovalScope['principal'];
    if (pr.op === 'All') principal = { op: 'all' };
    else if (pr.op === '==' && 'entity' in pr) principal = { op: 'eq', uid: uid(pr.entity) };
    else if (pr.op === 'in' && 'entity' in pr) principal = { op: 'in', uid: uid(pr.entity) };
    else if (pr.op === 'is') {
      const inner = 'in' in pr && pr.in && 'entity' in pr.in ? uid(pr.in.entity as Uidish) : undefined;
      principal = inner ? { op: 'is', type: qualifyType(pr.entity_type, ns), in: inner } : { op: 'is', type: qualifyType(pr.entity_type, ns) };
    } else continue; // template slots are refused at load
    const ac = p.json.action;
    const actions: string[] | 'all' =
      ac.op === 'All' ? 'all' : ac.op === '==' && 'entity' in ac ? [uid(ac.entity).id] : 'entities' in ac ? ac.entities.map((e) => uid(e).id) : 'entity' in ac ? [uid(ac.entity).id] : 'all';
    out.push({ policyId: p.info.id, actions, principal });
  }
  return out;
}
