import type { AuthorizationRequest } from '../../core/types.js';
import type { CompiledBundle } from '../../policy/bundle.js';
import { decideOutcome } from '../../policy/outcome.js';
import { toPolicyRequest } from '../../policy/request-mapping.js';
import type { CedarEntity, CedarUid, PolicyOutcome } from '../../policy/types.js';
import { uidKey, type EntitySource } from '../entities.js';

function qualify(type: string, ns: string): string {
  return type.includes('::') ? type : `${ns}::${type}`;
}

/** DESIGN §2 step 5: map the request to Cedar, evaluate the bundle, read the annotations. */
export async function evaluatePolicy(
  bundle: CompiledBundle,
  req: AuthorizationRequest,
  source?: EntitySource,
  prefetched?: ReadonlyMap<string, CedarEntity>,
): Promise<PolicyOutcome> {
  let fetched: ReadonlyMap<string, CedarEntity> | undefined = prefetched;
  if (source && !prefetched) {
    const uids: CedarUid[] = [
      { type: qualify(req.subject.type, bundle.namespace), id: req.subject.id },
      { type: qualify(req.resource.type, bundle.namespace), id: req.resource.id },
    ];
    fetched = await source.lookup(uids);
  }
  const statics = bundle.staticEntities;
  const resolve = (uid: CedarUid): CedarEntity | undefined => {
    const k = uidKey(uid);
    return fetched?.get(k) ?? statics.get(k);
  };
  const policyRequest = toPolicyRequest(req, resolve, bundle.namespace, bundle.attributeUse);
  return decideOutcome(bundle.evaluate(policyRequest), bundle);
}
