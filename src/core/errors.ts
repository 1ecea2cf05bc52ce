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
  ERR_JSON_UNSAFE_INTEGER: { status: 400, exit: 2, message: 'number is not exactly representable (integer outside ±2^53-1, or not finite)' },
  ERR_JSON_TOO_DEEP: { status: 400, exit: 2, message: 'JSON nesting exceeds the limit' },
  ERR_JSON_TOO_LARGE: { status: 400, exit: 2, message: 'JSON value exceeds a size limit (keys, items or string length)' },
  ERR_BODY_EMPTY: { status: 400, exit: 2, message: 'request body is empty' },
  ERR_BODY_TOO_LARGE: { status: 413, exit: 2, message: 'request body exceeds the size limit' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2, message: 'content type must be application/json' },
  ERR_REQUEST_INVALID: { status: 400, exit: 2, message: 'request does not match the expected shape' },
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
