import { decisionCodes } from '../../core/decision-codes.js';
import type { AuthorizationRequest, Decision } from '../../core/types.js';
import type { CompiledBundle } from '../../policy/bundle.js';
import { unknownName } from '../../policy/known-names.js';
import { decideOutcome } from '../../policy/outcome.js';
import { refusedEntityClaim, toPolicyRequest } from '../../policy/request-mapping.js';
import type { CedarEntity, CedarUid, PolicyOutcome } from '../../policy/types.js';
import { type EntitySource } from '../entities.js';
import { qualifyType } from '../../core/entity-uid.js';
import { uidKey } from '../../core/entity-uid.js';
import { inSpan } from '../../core/tracing.js';
import { NEXT, type PolicyEvaluator, type StepFactory } from '../pipeline.js';

/** DESIGN §2 step 5: map the request to Cedar, evaluate the bundle, read the annotations. */
export async function evaluatePolicy(
  bundle: CompiledBundle,
  req: AuthorizationRequest,
  source?: EntitySource,
  prefetched?: ReadonlyMap<string, CedarEntity>,
  evaluator?: PolicyEvaluator,
): Promise<PolicyOutcome> {
  const unknown = unknownName(bundle, req);
  if (unknown) return { outcome: 'deny', reasons: [{ code: unknown.code, message: `${decisionCodes[unknown.code]}: ${unknown.detail}` }], requirements: [], determining: [] };
  let fetched: ReadonlyMap<string, CedarEntity> | undefined = prefetched;
  if (source && !prefetched) {
    const uids: CedarUid[] = [
      { type: qualifyType(req.subject.type, bundle.namespace), id: req.subject.id },
      { type: qualifyType(req.resource.type, bundle.namespace), id: req.resource.id },
    ];
    fetched = await source.lookup(uids);
  }
  const statics = bundle.staticEntities;
  const resolve = (uid: CedarUid): CedarEntity | undefined => {
    const k = uidKey(uid);
    return fetched?.get(k) ?? statics.get(k);
  };
  // DESIGN §2 "What a caller may claim": a refused property ends the request here, named.
  const refused = refusedEntityClaim(req, resolve, bundle.namespace, bundle.claims);
  if (refused !== undefined) return { outcome: 'deny', reasons: [{ code: 'property_refused', message: `${decisionCodes.property_refused}: ${refused}` }], requirements: [], determining: [] };
  const policyRequest = toPolicyRequest(req, resolve, bundle.namespace, bundle.attributeUse, bundle.claims);
  return decideOutcome(evaluator ? await evaluator(bundle, policyRequest) : bundle.evaluate(policyRequest), bundle);
}

/**
 * Step 5: policy. Its answer becomes the decision, which the record-phase steps (approvals, grant)
 * may still change; a policy deny goes on too, so the decision keeps its requirements and command.
 */
export const policyStep: StepFactory = (deps) => ({
  name: 'policy',
  phase: 'decide',
  async run(s) {
    const result = await inSpan(s.span, 'airlock.policy', async (span) => {
      const r = await evaluatePolicy(s.bundle, s.policyRequest, deps.entities, s.prefetched, deps.evaluator);
      span.set({ 'airlock.policy.version': s.bundle.version, 'airlock.policy.outcome': r.outcome });
      return r;
    });
    const d: Decision = { outcome: result.outcome, reasons: result.reasons, actionHash: s.actionHash, policyVersion: s.bundle.version, requestId: s.requestId, decidedAt: s.decidedAt };
    if (result.requirements.length > 0) d.requirements = result.requirements;
    if (s.command) d.command = s.command;
    s.decision = d;
    s.requirements = result.requirements;
    return NEXT;
  },
});
