import { uidKey, qualifyType } from '../../core/entity-uid.js';
import { uuidv7 } from '../../core/ids.js';
import { signGrant, type GrantClaims } from '../../grants/grant.js';
import { NEXT, type StepFactory } from '../pipeline.js';

/**
 * Step 8 on allow: an execution grant bound to the action hash, signed before step 7 so the record
 * holds its claims. It never outlives the approval it used nor the delegation it ran under. When the
 * record phase runs in a unit of work, the key is read before the unit opens (the unit may use only
 * its own repos).
 */
export const grantStep: StepFactory = (deps) => {
  const grants = deps.grants;
  return {
    name: 'grant',
    phase: 'record',
    async beforeUnit(s) {
      if (grants) s.signingKey = await grants.keys.current();
    },
    async run(s) {
      const d = s.decision;
      if (!grants || !d || d.outcome !== 'allow') return NEXT;
      const nowS = Math.floor(deps.clock.now() / 1000);
      const approvalEnd = Math.min(s.consumed ? Math.floor(Date.parse(s.consumed.expiresAt) / 1000) : Infinity, s.delegationEndS);
      const claims: GrantClaims = {
        iss: grants.issuer,
        sub: s.requester,
        aud: uidKey({ type: qualifyType(s.request.resource.type, s.bundle.namespace), id: s.request.resource.id }),
        jti: uuidv7(deps.clock.now()),
        iat: nowS,
        exp: Math.max(nowS + 1, Math.min(nowS + Math.ceil(grants.ttlMs / 1000), approvalEnd)),
        ahash: d.actionHash,
        rid: d.requestId,
      };
      d.grant = signGrant(claims, s.signingKey ?? (await grants.keys.current()));
      s.grantClaims = claims;
      s.audit['grant'] = claims;
      return NEXT;
    },
  };
};
