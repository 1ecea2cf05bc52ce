import { decisionCodes } from '../core/decision-codes.js';
import { outcomeRank, type Outcome, type Reason, type Requirement } from '../core/types.js';
import { readAnnotations } from './annotations.js';
import type { PolicyEvaluation, PolicyInfo, PolicyOutcome } from './types.js';

/** The part of a bundle `decideOutcome` reads. */
export interface PolicyTable {
  readonly policies: ReadonlyMap<string, PolicyInfo>;
}

function requirementOf(info: PolicyInfo): Requirement | undefined {
  if (info.requirement) return info.requirement;
  if (info.annotations['requires'] === undefined) return undefined;
  return readAnnotations(info.id, info.effect, info.annotations).requirement;
}

/**
 * DESIGN §3: deny wins; on allow, the annotations of EVERY determining permit add requirements and
 * the strictest wins (deny > approval_required > confirmation_required > allow).
 */
export function decideOutcome(evaluation: PolicyEvaluation, bundle: PolicyTable): PolicyOutcome {
  if (evaluation.errors.length > 0) {
    // Cedar skips a policy that errors, so an erroring forbid beside a matching permit would allow
    // (threats.md "one trap"): any evaluation error is a deny.
    const reasons: Reason[] = evaluation.errors.map((e) => ({ code: 'evaluation_error', policyId: e.policyId, message: e.message }));
    const determining = evaluation.errors.map((e) => e.policyId);
    if (evaluation.decision === 'deny') {
      for (const id of evaluation.determining) {
        reasons.push(forbidReason(id, bundle));
        determining.push(id);
      }
    }
    return { outcome: 'deny', reasons, requirements: [], determining };
  }
  if (evaluation.decision === 'deny') {
    if (evaluation.determining.length === 0) {
      return { outcome: 'deny', reasons: [{ code: 'default_deny', message: decisionCodes.default_deny }], requirements: [], determining: [] };
    }
    return {
      outcome: 'deny',
      reasons: evaluation.determining.map((id) => forbidReason(id, bundle)),
      requirements: [],
      determining: [...evaluation.determining],
    };
  }
  let outcome: Outcome = 'allow';
  const reasons: Reason[] = [];
  const requirements: Requirement[] = [];
  for (const id of evaluation.determining) {
    const info = bundle.policies.get(id);
    const req = info ? requirementOf(info) : undefined;
    if (!req) {
      reasons.push({ code: 'policy_permit', policyId: id, message: info?.reason ?? decisionCodes.policy_permit });
      continue;
    }
    const kindOutcome: Outcome = req.kind === 'approval' ? 'approval_required' : 'confirmation_required';
    if (outcomeRank[kindOutcome] > outcomeRank[outcome]) outcome = kindOutcome;
    requirements.push(req);
    reasons.push({ code: kindOutcome, policyId: id, message: info?.reason ?? decisionCodes[kindOutcome] });
  }
  // Strictest first; stable for equal kinds (Cedar's order).
  requirements.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'approval' ? -1 : 1));
  reasons.sort((a, b) => rankOfCode(b.code) - rankOfCode(a.code));
  return { outcome, reasons, requirements, determining: [...evaluation.determining] };
}

function rankOfCode(code: string): number {
  return code === 'approval_required' ? 2 : code === 'confirmation_required' ? 1 : 0;
}

function forbidReason(id: string, bundle: PolicyTable): Reason {
  const info = bundle.policies.get(id);
  return { code: 'policy_forbid', policyId: id, message: info?.reason ?? `${decisionCodes.policy_forbid}: ${id}` };
}
