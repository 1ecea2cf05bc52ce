import type { CryptoKey } from 'jose';
import type { JwsSigningKey } from '../grants/jws.js';
import { refusal, type OAuthError } from './codes.js';
import { issueDelegation, type DelegationChecks, type IssueResult } from './issue.js';
import type { DelegationRepo } from './repo.js';
import { TOKEN_TYPE_CALLER, tokenExchangeResponse, type TokenExchangeRequest, type TokenExchangeResponse } from './token-exchange.js';
import { parseUid } from './uid.js';
import { verifyChain } from './verify-chain.js';

export interface ExchangeDeps {
  /** The authenticated caller (uid text): the delegator. */
  caller: string;
  now: number;
  namespace: string;
  issuer: string;
  audience: string;
  /** Signs the token (grants/jws.ts). */
  key: JwsSigningKey;
  keyFor: (kid: string) => Promise<CryptoKey | undefined>;
  repo: DelegationRepo;
  checks: DelegationChecks;
  isActiveOwned: (uid: string) => Promise<boolean> | boolean;
  maxDepth?: number;
  maxTtlMs?: number;
  defaultTtlMs?: number;
}

export type ExchangeResult =
  | { ok: true; response: TokenExchangeResponse; issued: Extract<IssueResult, { ok: true }> }
  | { ok: false; error: OAuthError };

/**
 * `POST /oauth/token` after parsing: turns a token exchange request into a new delegation link.
 * Root delegation: `subject_token_type=urn:airlock:token-type:caller`, `subject_token` = the
 * caller's own uid. Further hop: `subject_token_type=urn:ietf:params:oauth:token-type:jwt` with a
 * delegation token whose current actor is the caller. Per RFC 8693 §2.2.2, an invalid or
 * unacceptable subject/actor token is `invalid_request` ("The value of the error parameter MUST be
 * the invalid_request error code"); `airlock_detail` says why.
 */
export async function exchangeToken(req: TokenExchangeRequest, deps: ExchangeDeps): Promise<ExchangeResult> {
  const fail = (...a: Parameters<typeof refusal>): ExchangeResult => ({ ok: false, error: refusal(...a) });
  if (req.audience.some((a) => a !== deps.audience)) return fail('audience_invalid');
  const caller = parseUid(deps.caller, deps.namespace)?.text;
  if (!caller) return fail('request_malformed', 'caller is not an entity uid');

  let parent;
  if (req.subjectTokenType === TOKEN_TYPE_CALLER) {
    if (parseUid(req.subjectToken, deps.namespace)?.text !== caller) return fail('subject_not_caller');
  } else {
    const v = await verifyChain(req.subjectToken, { ...deps, caller });
    if (!v.ok) return fail('subject_token_invalid', v.code, v.code);
    parent = v.chain;
  }
  const issued = await issueDelegation({
    ...deps,
    ...(parent ? { parent } : {}),
    delegator: caller,
    delegate: req.actorToken,
    ...(req.scope !== undefined ? { scope: req.scope } : {}),
    ...(req.ttlMs !== undefined ? { ttlMs: req.ttlMs } : {}),
    ...(req.purpose !== undefined ? { purpose: req.purpose } : {}),
  });
  if (!issued.ok) return issued;
  return { ok: true, response: tokenExchangeResponse({ token: issued.token, expiresIn: issued.expiresIn, scope: issued.claims.scope }), issued };
}
