import { parseDuration } from '../core/duration.js';
import { refusal, type OAuthError } from './codes.js';

/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: a JWT. Delegation tokens are passed and issued with this type. */
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/**
 * Airlock's subject token type for a ROOT delegation: "the authenticated caller itself". The
 * `subject_token` value is the caller's own uid text (e.g. `Airlock::Human::"alice"`) and must
 * equal the identity the request authenticated as; it carries no secret (the caller's credential
 * stays in `Authorization`).
 */
export const TOKEN_TYPE_CALLER = 'urn:airlock:token-type:caller';
/** Airlock's actor token type: the `actor_token` names the delegate by uid text (it proves nothing). */
export const TOKEN_TYPE_IDENTITY = 'urn:airlock:token-type:identity';

export type SubjectTokenType = typeof TOKEN_TYPE_JWT | typeof TOKEN_TYPE_CALLER;

export interface TokenExchangeRequest {
  subjectToken: string;
  subjectTokenType: SubjectTokenType;
  /** The delegate, uid text. */
  actorToken: string;
  scope?: string;
  audience: string[];
  ttlMs?: number;
  purpose?: string;
}

export type TokenExchangeParse = { ok: true; request: TokenExchangeRequest } | { ok: false; error: OAuthError };

/** RFC 6749 §3.2: parameters other than these MUST NOT repeat. RFC 8693 §2.1 lets these repeat. */
const REPEATABLE = new Set(['audience', 'resource']);
const KNOWN = ['grant_type', 'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'scope', 'audience', 'resource', 'requested_token_type', 'ttl', 'purpose'];
const MAX_PARAM_LENGTH = 16_384;

/** `ttl`: Airlock's extension parameter, `"30m"`, `"PT30M"` or whole seconds `"1800"`. */
export function parseTtl(text: string): number | undefined {
  if (/^[0-9]{1,9}$/.test(text)) return Number(text) * 1000;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` token exchange body (RFC 8693 §2.1) into a typed
 * request, or an RFC 6749 §5.2 error. Unrecognised parameters are ignored (RFC 6749 §3.2 "MUST
 * ignore"); a parameter sent without a value counts as omitted (RFC 6749 §3.1).
 */
export function parseTokenExchangeForm(body: string | URLSearchParams): TokenExchangeParse {
  const form = typeof body === 'string' ? new URLSearchParams(body) : body;
  const fail = (...a: Parameters<typeof refusal>): TokenExchangeParse => ({ ok: false, error: refusal(...a) });
  const one: Record<string, string | undefined> = {};
  for (const name of KNOWN) {
    const values = form.getAll(name).filter((v) => v !== '');
    if (values.some((v) => v.length > MAX_PARAM_LENGTH)) return fail('request_malformed', `${name} is too long`);
    if (!REPEATABLE.has(name)) {
      if (values.length > 1) return fail('request_malformed', `${name} must not be repeated`);
      one[name] = values[0];
    }
  }
  const grantType = one['grant_type'];
  if (grantType === undefined) return fail('request_malformed', 'grant_type is required');
  if (grantType !== TOKEN_EXCHANGE_GRANT) return fail('grant_type_unsupported');
  const subjectToken = one['subject_token'];
  const subjectTokenType = one['subject_token_type'];
  if (subjectToken === undefined || subjectTokenType === undefined) return fail('request_malformed', 'subject_token and subject_token_type are required');
  if (subjectTokenType !== TOKEN_TYPE_JWT && subjectTokenType !== TOKEN_TYPE_CALLER) return fail('token_type_unsupported', `subject_token_type ${subjectTokenType}`);
  const actorToken = one['actor_token'];
  const actorTokenType = one['actor_token_type'];
  // RFC 8693 §2.1: actor_token_type "is REQUIRED when the actor_token parameter is present in the
  // request but MUST NOT be included otherwise."
  if ((actorToken === undefined) !== (actorTokenType === undefined)) return fail('request_malformed', 'actor_token and actor_token_type go together');
  // Without an actor the result would be impersonation (RFC 8693 §1.1); Airlock only delegates.
  if (actorToken === undefined) return fail('request_malformed', 'actor_token naming the delegate is required (impersonation is not supported)');
  if (actorTokenType !== TOKEN_TYPE_IDENTITY) return fail('token_type_unsupported', `actor_token_type ${actorTokenType}`);
  const rtt = one['requested_token_type'];
  if (rtt !== undefined && rtt !== TOKEN_TYPE_JWT) return fail('token_type_unsupported', `requested_token_type ${rtt}`);
  if (form.getAll('resource').some((v) => v !== '')) return fail('resource_unsupported');
  const request: TokenExchangeRequest = {
    subjectToken,
    subjectTokenType,
    actorToken,
    audience: form.getAll('audience').filter((v) => v !== ''),
  };
  if (one['scope'] !== undefined) request.scope = one['scope'];
  if (one['purpose'] !== undefined) request.purpose = one['purpose'];
  if (one['ttl'] !== undefined) {
    const ttlMs = parseTtl(one['ttl']);
    if (ttlMs === undefined) return fail('ttl_invalid', 'use e.g. 30m, PT30M or seconds');
    request.ttlMs = ttlMs;
  }
  return { ok: true, request };
}

/** RFC 8693 §2.2.1 success body. */
export interface TokenExchangeResponse {
  access_token: string;
  issued_token_type: typeof TOKEN_TYPE_JWT;
  /** "N_A": the delegation token is not an OAuth access token for a resource server. */
  token_type: 'N_A';
  expires_in: number;
  scope: string;
}

export function tokenExchangeResponse(issued: { token: string; expiresIn: number; scope: string }): TokenExchangeResponse {
  return { access_token: issued.token, issued_token_type: TOKEN_TYPE_JWT, token_type: 'N_A', expires_in: issued.expiresIn, scope: issued.scope };
}

/** RFC 6749 §5.1: responses with tokens (and their errors) "MUST" not be cached. */
export const TOKEN_RESPONSE_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;
