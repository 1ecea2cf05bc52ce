/**
 * Stable codes of the delegation domain. Two families:
 *
 * - `delegationCodes`: decision reason codes for per-request revalidation (DESIGN §2 step 3). A
 *   failure is a deny whose reason carries one of these; the gateway merges this table into
 *   `decisionCodes` (core/decision-codes.ts) and pins it.
 * - `issueRefusalCodes`: why a delegation was not issued. Each maps to exactly one RFC 6749 §5.2 /
 *   RFC 8693 §2.2.2 `error` value (`oauthErrorOf`), so the wire answer is standard and the Airlock
 *   code stays machine-readable next to it.
 */
export const delegationCodes = {
  delegation_invalid: 'the delegation token or its chain is malformed, forged, spliced or does not verify',
  delegation_expired: 'the delegation token or a link of its chain has expired',
  delegation_revoked: 'a link of the delegation chain has been revoked',
  delegation_actor_mismatch: 'the caller is not the current actor of the delegation token',
  delegation_actor_inactive: 'an identity on the delegation path is no longer active and owned',
  delegation_scope: 'the requested action or resource is outside the delegated scope',
  delegation_required: 'the subject acts only under delegation and presented no delegation token',
} as const;
export type DelegationCode = keyof typeof delegationCodes;

/** RFC 6749 §5.2 error codes (plus RFC 8693 §2.2.2 `invalid_target`) that the token endpoint emits. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target';

export const issueRefusalCodes = {
  request_malformed: { error: 'invalid_request', message: 'the token exchange request is malformed' },
  grant_type_unsupported: { error: 'unsupported_grant_type', message: 'only urn:ietf:params:oauth:grant-type:token-exchange is supported' },
  token_type_unsupported: { error: 'invalid_request', message: 'the token type is not supported' },
  subject_token_invalid: { error: 'invalid_request', message: 'the subject_token is invalid, expired, revoked or not held by the caller' },
  subject_not_caller: { error: 'invalid_request', message: 'a root delegation is made by the authenticated caller for itself' },
  actor_token_invalid: { error: 'invalid_request', message: 'the actor_token does not name an identity' },
  delegate_not_eligible: { error: 'invalid_request', message: 'the delegate is not an active NHI with an active owner' },
  delegation_cycle: { error: 'invalid_request', message: 'the delegate is already on the delegation path' },
  depth_exceeded: { error: 'invalid_request', message: 'the delegation would exceed the maximum depth' },
  ttl_invalid: { error: 'invalid_request', message: 'ttl must be a positive duration' },
  ttl_exceeds_max: { error: 'invalid_request', message: 'ttl exceeds the maximum delegation lifetime' },
  ttl_exceeds_parent: { error: 'invalid_request', message: 'ttl would outlive the parent delegation' },
  purpose_invalid: { error: 'invalid_request', message: 'purpose is missing, too long or contains control characters' },
  purpose_mismatch: { error: 'invalid_request', message: 'the purpose is set by the root delegation and cannot be changed' },
  scope_invalid: { error: 'invalid_scope', message: 'the scope is not well formed' },
  scope_widening: { error: 'invalid_scope', message: 'the requested scope is not provably inside the parent scope' },
  delegation_forbidden: { error: 'unauthorized_client', message: 'policy does not allow this delegator to delegate this scope to this delegate' },
  audience_invalid: { error: 'invalid_target', message: 'the requested audience is not this gateway' },
  resource_unsupported: { error: 'invalid_target', message: 'resource indicators are not supported; name resources in scope' },
} as const satisfies Record<string, { error: OAuthErrorCode; message: string }>;
export type IssueRefusalCode = keyof typeof issueRefusalCodes;

/**
 * An RFC 6749 §5.2 error body, plus `airlock_code` (an extension member: the stable Airlock reason,
 * so clients never parse `error_description`).
 */
export interface OAuthError {
  error: OAuthErrorCode;
  error_description: string;
  airlock_code: IssueRefusalCode;
  /** For `subject_token_invalid`: the delegation code the subject token failed with. */
  airlock_detail?: DelegationCode;
}

/**
 * RFC 6749 §5.2: "Values for the "error_description" parameter MUST NOT include characters outside
 * the set %x20-21 / %x23-5B / %x5D-7E." Uid texts carry `"`, so they are rewritten to `'`.
 */
export function safeDescription(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += "'";
    else if (ch === '\\') out += '/';
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += '?';
  }
  return out.length > 300 ? out.slice(0, 297) + '...' : out;
}

export function refusal(code: IssueRefusalCode, detail?: string, delegationCode?: DelegationCode): OAuthError {
  const e: OAuthError = {
    error: issueRefusalCodes[code].error,
    error_description: safeDescription(detail ? `${issueRefusalCodes[code].message}: ${detail}` : issueRefusalCodes[code].message),
    airlock_code: code,
  };
  if (delegationCode) e.airlock_detail = delegationCode;
  return e;
}

/** HTTP status of a token endpoint error: RFC 6749 §5.2 says 400 unless `invalid_client` (401). */
export function oauthErrorStatus(error: OAuthErrorCode): 400 | 401 {
  return error === 'invalid_client' ? 401 : 400;
}
