import type { AuthorizationRequest, Caller } from '../../core/types.js';
import { decisionCodes } from '../../core/decision-codes.js';
import type { DelegationCode } from '../../delegation/codes.js';
import { parseUid } from '../../delegation/uid.js';
import { scopeAllows } from '../../delegation/scope.js';
import { pathIdentities, verifyChain, type DelegationContext } from '../../delegation/verify-chain.js';
import { matchesUid, registryTypeOf } from '../../identity/entity.js';
import { checkRegistrySubject } from '../../identity/subject.js';
import type { IdentityRepo } from '../../store/port.js';
import { uidKey } from '../../core/entity-uid.js';
import { inSpan } from '../../core/tracing.js';
import { endWith, NEXT, reason, type DelegationStepDeps, type StepFactory } from '../pipeline.js';

/** Where a request carries its delegation token (AuthZEN callers; the HTTP edge copies `X-Airlock-Delegation` here). */
export const DELEGATION_TOKEN_KEY = 'delegationToken';
/** What policy sees; set by this step only. */
export const DELEGATION_CONTEXT_KEY = 'delegation';

export type DelegationStep =
  | { kind: 'none' }
  | { kind: 'verified'; context: DelegationContext; policyRequest: AuthorizationRequest; expiresAtS: number }
  /** `context` is set when the path itself verified (a scope or subject refusal): the audit record names its links. */
  | { kind: 'refused'; code: DelegationCode; message: string; detail?: string; context?: DelegationContext };

/** The request without its delegation token (what approvals keep; the token is proof material, not the action). */
export function withoutDelegationToken(req: AuthorizationRequest): AuthorizationRequest {
  if (!req.context || !Object.hasOwn(req.context, DELEGATION_TOKEN_KEY)) return req;
  const { [DELEGATION_TOKEN_KEY]: _t, ...context } = req.context;
  return { ...req, context };
}

/** Is `uid` a registry identity that is active, unexpired and (NHI) owned by an active human, now? */
async function isActiveOwned(registry: IdentityRepo | undefined, uid: string, namespace: string, nowMs: number): Promise<boolean> {
  const parsed = parseUid(uid, namespace)?.uid;
  if (!parsed || !registry || !registryTypeOf(parsed.type, namespace)) return false;
  const found = await registry.get(parsed.id);
  if (!found || !matchesUid(found, parsed, namespace)) return false;
  const owner = found.class === 'nhi' ? await registry.get(found.owner) : undefined;
  return checkRegistrySubject(found, owner, nowMs).ok;
}

function refuse(code: DelegationCode, detail?: string, context?: DelegationContext): DelegationStep {
  const r: DelegationStep = { kind: 'refused', code, message: detail ? `${decisionCodes[code]}: ${detail}` : decisionCodes[code] };
  if (detail !== undefined) r.detail = detail;
  if (context !== undefined) r.context = context;
  return r;
}

/**
 * DESIGN §2 step 3. Without a token nothing happens (unless the subject is registered
 * `delegatedOnly`: then deny `delegation_required`) — but a request may never bring its own
 * `context.delegation` (only a verified token sets it). With one: `verifyDelegation` checks the
 * signature against Airlock's keys only, the whole stored path, every identity on it, and that the
 * action and resource fall inside the leaf scope; then the caller (proof of possession) and the
 * request's subject must both be the token's current actor. On success policy sees
 * `context.delegation = {depth, root, actors, purpose, linkIds}`, overwriting nothing a caller can
 * set. Every failure is a refusal the gateway answers as deny (fail closed, DESIGN §6).
 */
export async function checkDelegation(
  req: AuthorizationRequest,
  at: { caller: Caller; requester: string; namespace: string; nowMs: number; delegatedOnly?: boolean },
  deps: DelegationStepDeps | undefined,
  registry: IdentityRepo | undefined,
): Promise<DelegationStep> {
  const ctx = req.context ?? {};
  const token = ctx[DELEGATION_TOKEN_KEY];
  if (token === undefined) {
    if (Object.hasOwn(ctx, DELEGATION_CONTEXT_KEY)) return refuse('delegation_invalid', 'context.delegation is set by the gateway from a verified delegation token, never by the caller');
    // Delegation is not opt-in for an NHI registered as acting only under it (threats.md §3.13).
    if (at.delegatedOnly === true) return refuse('delegation_required', `${at.requester} acts only under delegation; present its delegation token`);
    return { kind: 'none' };
  }
  if (typeof token !== 'string' || token.length === 0) return refuse('delegation_invalid', 'context.delegationToken must be a token string');
  if (!deps) return refuse('delegation_invalid', 'delegation is not configured on this gateway');
  const ns = at.namespace;
  const caller = parseUid(uidKey(at.caller), ns)?.text;
  if (caller === undefined) return refuse('delegation_actor_mismatch');
  // verifyDelegation = verifyChain + leaf scope; done in two steps so that a refusal on a path that
  // did verify still names its links in the audit record.
  const v = await verifyChain(token, {
    caller,
    now: at.nowMs,
    issuer: deps.issuer,
    audience: deps.audience,
    namespace: ns,
    keyFor: (kid) => deps.keys.publicKey(kid),
    repo: deps.repo,
    isActiveOwned: (uid) => isActiveOwned(registry, uid, ns, at.nowMs),
    ...(deps.maxDepth !== undefined ? { maxDepth: deps.maxDepth } : {}),
    ...(deps.tokenCache ? { tokenCache: deps.tokenCache } : {}),
  });
  if (!v.ok) return refuse(v.code, typeof v.detail === 'string' ? v.detail : undefined);
  if (!scopeAllows(v.chain.scope, { action: { name: req.action.name }, resource: { type: req.resource.type, id: req.resource.id } }, ns)) {
    return refuse('delegation_scope', undefined, v.context);
  }
  // The work is done by the current actor, for itself: the subject must be that actor too.
  if (v.context.actors.at(-1) !== at.requester) return refuse('delegation_actor_mismatch', 'the request subject must be the current actor of the delegation token', v.context);
  const { [DELEGATION_TOKEN_KEY]: _t, [DELEGATION_CONTEXT_KEY]: _d, ...rest } = ctx;
  return { kind: 'verified', context: v.context, policyRequest: { ...req, context: { ...rest, [DELEGATION_CONTEXT_KEY]: { ...v.context } } }, expiresAtS: v.chain.claims.exp };
}

/** Step 3: a delegation token revalidates its whole path; policy sees context.delegation. */
export const delegationStep: StepFactory = (deps) => ({
  name: 'delegation',
  phase: 'decide',
  async run(s) {
    const dlg = await inSpan(s.span, 'airlock.delegation', async (span) => {
      const r = await checkDelegation(s.request, { caller: s.caller, requester: s.requester, namespace: s.bundle.namespace, nowMs: deps.clock.now(), delegatedOnly: s.delegatedOnly }, deps.delegation, deps.registry);
      span.set({ 'airlock.delegation.result': r.kind });
      return r;
    });
    if (dlg.kind === 'refused') {
      s.audit['delegation'] = { refused: dlg.code, ...(dlg.detail !== undefined ? { detail: dlg.detail } : {}), ...(dlg.context ? { ...dlg.context, path: pathIdentities(dlg.context) } : {}) };
      return endWith('deny', [reason(dlg.code, dlg.message)]);
    }
    if (dlg.kind === 'verified') {
      s.policyRequest = dlg.policyRequest;
      s.delegationEndS = dlg.expiresAtS;
      s.delegationChain = pathIdentities(dlg.context);
      s.audit['delegation'] = { ...dlg.context, path: s.delegationChain };
    }
    return NEXT;
  },
});
