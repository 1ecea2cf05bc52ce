import { AirlockError } from '../../core/errors.js';
import type { AuthorizationRequest, AuthorizeOptions } from '../../core/types.js';

/**
 * Context keys only the gateway sets (DESIGN §2 "What a caller may claim"). A caller that sends one
 * is refused with ERR_CONTEXT_RESERVED before anything is decided: two sources for one fact would
 * let a claim make a policy condition true.
 */
export const GATEWAY_CONTEXT_KEYS: Readonly<Record<string, string>> = Object.freeze({
  delegation: 'is set from a verified delegation token (send the token as X-Airlock-Delegation or context.delegationToken)',
  reverses: 'is set by the reversal paths (POST /v1/evidence/{id}/reverse, the chat reversal)',
  actionProperties: 'is set from action.properties',
  initiator: 'is set from verified chat provenance, or by an enforcement point the registry trusts to assert initiators (pep.assertsInitiator) relaying for another subject',
});

/** The action whose context the delegation desk fills with the link it would issue. */
export const DELEGATE_ACTION = 'delegate';
/** The desk's context keys for {@link DELEGATE_ACTION}: what policy reads about the link (never a caller's word). */
export const DELEGATE_CONTEXT_KEYS: readonly string[] = Object.freeze(['scope', 'depth', 'root', 'purpose', 'parentLinkId']);

/** `context.command` as a caller sends it: the text, and optionally which shell. Anything else is analysis. */
const COMMAND_INPUT_KEYS: readonly string[] = ['text', 'shell'];
/** `context.approval` as the AuthZEN access-request profile returns it (`result.approval`); only `id` is used. */
const APPROVAL_REFERENCE_KEYS: readonly string[] = ['id', 'approved_at', 'approved_until', 'state'];

function reserved(path: string, why: string): never {
  throw new AirlockError('ERR_CONTEXT_RESERVED', `context.${path.replace(/\//g, '.')} ${why}; a caller may not send it`, { path: `/context/${path}` });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Refuses caller-sent context that only the gateway sets: the keys of {@link GATEWAY_CONTEXT_KEYS}
 * (`initiator` is accepted from a trusted pep only), a `context.command` carrying analysis fields
 * (`risk`, `programs`, …) instead of `{text, shell}`, a `context.approval` carrying anything but the
 * access-request reference, and the desk's link facts on `delegate`.
 * @throws AirlockError ERR_CONTEXT_RESERVED
 */
export function checkCallerContext(req: AuthorizationRequest, options: Pick<AuthorizeOptions, 'assertsInitiator'>): void {
  const ctx = req.context;
  if (!ctx) return;
  for (const [key, why] of Object.entries(GATEWAY_CONTEXT_KEYS)) {
    if (!Object.hasOwn(ctx, key)) continue;
    if (key === 'initiator' && options.assertsInitiator === true) continue;
    reserved(key, why);
  }
  const command = ctx['command'];
  if (isRecord(command)) {
    const analysis = Object.keys(command).filter((k) => !COMMAND_INPUT_KEYS.includes(k));
    if (analysis.length > 0) reserved(`command/${analysis[0]}`, 'is command analysis, which the gateway computes from the command text');
  }
  const approval = ctx['approval'];
  if (isRecord(approval)) {
    const extra = Object.keys(approval).filter((k) => !APPROVAL_REFERENCE_KEYS.includes(k));
    if (extra.length > 0) reserved(`approval/${extra[0]}`, 'is approval state, which the gateway reads from its own store (send {id} as returned by the access request)');
  }
  if (req.action.name === DELEGATE_ACTION) {
    for (const key of DELEGATE_CONTEXT_KEYS) if (Object.hasOwn(ctx, key)) reserved(key, `describes the delegation link the gateway would issue (only the delegation desk sets it on "${DELEGATE_ACTION}")`);
  }
}

/**
 * The request as the pipeline decides it: the caller's context checked, then the context the
 * gateway's own paths add (`options.gatewayContext`) merged over it.
 * @throws AirlockError ERR_CONTEXT_RESERVED
 */
export function withGatewayContext(req: AuthorizationRequest, options: AuthorizeOptions): AuthorizationRequest {
  checkCallerContext(req, options);
  if (!options.gatewayContext || Object.keys(options.gatewayContext).length === 0) return req;
  return { ...req, context: { ...req.context, ...options.gatewayContext } };
}
