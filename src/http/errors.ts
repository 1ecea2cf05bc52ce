import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError, errorCodes, isAirlockError, type ErrorCode } from '../core/errors.js';

/** Fastify's own error codes, mapped onto ours so every rejection has one stable code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_REQUEST_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_BODY_EMPTY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_JSON_MALFORMED',
  FST_ERR_BAD_URL: 'ERR_REQUEST_INVALID',
};

export interface WireError {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown>; requestId?: string };
}

export function toAirlockError(err: unknown): AirlockError {
  if (isAirlockError(err)) return err;
  const fe = err as FastifyError;
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new AirlockError(mapped, errorCodes[mapped].message);
  if (fe?.statusCode === 413) return new AirlockError('ERR_BODY_TOO_LARGE');
  if (fe?.statusCode === 415) return new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE');
  return new AirlockError('ERR_INTERNAL', undefined, undefined, { cause: err });
}

/**
 * Server faults whose messages may carry a cause (an SQLite code, a file path): the caller gets the
 * table's fixed message and the request id; the cause goes to the log (DESIGN §6).
 */
const SERVER_FAULTS: ReadonlySet<ErrorCode> = new Set(['ERR_INTERNAL', 'ERR_AUDIT_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE', 'ERR_AUDIT_CORRUPT', 'ERR_KEYS_UNAVAILABLE', 'ERR_CONFIG_INVALID']);

/** One error body for every failure: `{"error": {"code", "message"}}`. Internal faults hide their cause. */
export function sendError(reply: FastifyReply, req: FastifyRequest, err: unknown, onRejected?: (code: string) => void): FastifyReply {
  const e = toAirlockError(err);
  const fault = SERVER_FAULTS.has(e.code);
  const body: WireError = { error: { code: e.code, message: fault ? errorCodes[e.code].message : e.message } };
  if (e.details && !fault) body.error.details = e.details;
  if (fault) {
    body.error.requestId = req.id;
    req.log.error({ err, code: e.code }, 'internal error');
  }
  onRejected?.(e.code);
  // AuthZEN 1.0 §10.1: a PDP answers 400 for a wrong content type on its endpoints; elsewhere 415.
  const status = e.code === 'ERR_UNSUPPORTED_MEDIA_TYPE' && req.url.startsWith('/access/') ? 400 : e.status;
  return reply.code(status).type('application/json').send(body);
}
