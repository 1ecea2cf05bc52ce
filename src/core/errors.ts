/**
 * Stable error codes. A code is part of the public contract: HTTP status, CLI exit code and
 * docs/api.md are derived from this one table and pinned by test/pins/error-codes.test.ts.
 * Decisions are not errors: a deny is a `Decision` whose reasons carry decision codes
 * (see `decisionCodes` in decision-codes.ts).
 */
export const errorCodes = {
  ERR_JSON_MALFORMED: { status: 400, exit: 2, message: 'request body is not valid JSON' },
  ERR_JSON_DUPLICATE_KEY: { status: 400, exit: 2, message: 'JSON object has a duplicate key' },
  ERR_JSON_FORBIDDEN_KEY: { status: 400, exit: 2, message: 'JSON key __proto__, constructor or prototype is not accepted' },
  ERR_JSON_UNSAFE_INTEGER: { status: 400, exit: 2, message: 'number is not exactly representable (integer outside ±2^53-1, not finite, or more digits than a double keeps)' },
  ERR_JSON_TOO_DEEP: { status: 400, exit: 2, message: 'JSON nesting exceeds the limit' },
  ERR_JSON_TOO_LARGE: { status: 400, exit: 2, message: 'JSON value exceeds a size limit (keys, items or string length)' },
  ERR_BODY_EMPTY: { status: 400, exit: 2, message: 'request body is empty' },
  ERR_BODY_TOO_LARGE: { status: 413, exit: 2, message: 'request body exceeds the size limit' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2, message: 'content type must be application/json' },
  ERR_REQUEST_INVALID: { status: 400, exit: 2, message: 'request does not match the expected shape' },
  ERR_CONTEXT_RESERVED: { status: 400, exit: 2, message: 'the request context carries a key only the gateway sets (details.path names it)' },
  ERR_NOT_FOUND: { status: 404, exit: 2, message: 'no such resource' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, exit: 2, message: 'method not allowed on this resource' },
  ERR_BUNDLE_INVALID: { status: 422, exit: 2, message: 'policy bundle is invalid' },
  ERR_BUNDLE_UNREADABLE: { status: 422, exit: 2, message: 'policy bundle could not be read' },
  ERR_CONFIG_INVALID: { status: 500, exit: 2, message: 'configuration is invalid' },
  ERR_STORE_UNAVAILABLE: { status: 503, exit: 2, message: 'store is unavailable' },
  ERR_AUDIT_UNAVAILABLE: { status: 503, exit: 2, message: 'audit log could not be written' },
  ERR_AUDIT_CORRUPT: { status: 500, exit: 1, message: 'audit log failed verification' },
  ERR_CHECKPOINT_INVALID: { status: 400, exit: 1, message: 'signed checkpoint is invalid' },
  ERR_NOT_READY: { status: 503, exit: 2, message: 'gateway is not ready' },
  ERR_INTERNAL: { status: 500, exit: 2, message: 'internal error' },
  ERR_OVERLOADED: { status: 503, exit: 2, message: 'the gateway is at its load limit; retry after the Retry-After delay' },
  ERR_DATA_DIR_LOCKED: { status: 409, exit: 2, message: 'another airlock serve is already running on this data directory' },
  ERR_KEYS_UNAVAILABLE: { status: 500, exit: 2, message: 'the signing keys could not be loaded' },
  ERR_UNAUTHENTICATED: { status: 401, exit: 3, message: 'a valid API key is required (Authorization: Bearer ak_…)' },
  ERR_FORBIDDEN: { status: 403, exit: 3, message: 'the caller lacks the role this endpoint needs' },
  ERR_SUBJECT_FORBIDDEN: { status: 403, exit: 3, message: 'the caller may not ask for decisions about this subject' },
  ERR_AUTH_RATE_LIMITED: { status: 429, exit: 3, message: 'too many failed authentication attempts from this address with this key id; retry later' },
  ERR_IDENTITY_INVALID: { status: 400, exit: 2, message: 'identity or key input is invalid' },
  ERR_IDENTITY_EXISTS: { status: 409, exit: 2, message: 'an identity with this id already exists' },
  ERR_IDENTITY_RETIRED: { status: 409, exit: 2, message: 'the identity is retired; retirement is final' },
  ERR_OWNER_UNKNOWN: { status: 422, exit: 2, message: 'owner is not an existing, non-retired human' },
  ERR_GROUP_UNKNOWN: { status: 422, exit: 2, message: 'group is not defined in the policy bundle' },
  ERR_SERVER_UNREACHABLE: { status: 503, exit: 2, message: 'the Airlock server could not be reached' },
  ERR_APPROVAL_NOT_FOUND: { status: 404, exit: 2, message: 'no such approval or confirmation request (or not visible to this caller)' },
  ERR_APPROVAL_REFUSED: { status: 403, exit: 3, message: 'the approval rules refuse this decision by this person (details.rule says which)' },
  ERR_APPROVAL_CONFLICT: { status: 409, exit: 1, message: 'the request was already resolved, expired or cancelled' },
  ERR_GRANT_INVALID: { status: 400, exit: 1, message: 'the execution grant does not verify (details.rule says why)' },
  ERR_GRANT_USED: { status: 409, exit: 1, message: 'the execution grant was already redeemed' },
  ERR_DELEGATION_REFUSED: { status: 400, exit: 1, message: 'the delegation was not issued (details.reason is the stable refusal code)' },
  ERR_ELEVATION_DENIED: { status: 403, exit: 1, message: 'policy denied the elevation (details.reasons, details.requestId)' },
  ERR_ELEVATION_INACTIVE: { status: 409, exit: 1, message: 'the elevation already ended (revoked or expired)' },
  ERR_REVERSAL_UNAVAILABLE: { status: 409, exit: 1, message: 'no reversal was recorded for this execution' },
  ERR_EXPORT_UNDELIVERED: { status: 502, exit: 1, message: 'the receiving end did not accept the exported audit events' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AirlockError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message ?? errorCodes[code].message, options);
    this.name = 'AirlockError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }

  get exitCode(): number {
    return errorCodes[this.code].exit;
  }
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}
