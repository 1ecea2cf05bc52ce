import { redact } from '../commands/redact.js';
import type { AuthorizationRequest } from '../core/types.js';

const MASK = '[REDACTED]';

/** Property names whose string value is a secret whatever it looks like. */
const SECRET_NAME = /(?:pass(?:word|wd|phrase)?$|secret|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|^auth$|token$|^token|bearer|cookie|session[_-]?id)/i;

/** Context keys the gateway itself verified (chat provenance, the initiator): kept as they are. */
const VERIFIED_KEYS = new Set(['chat', 'initiator']);

const MAX_DEPTH = 64;

function walk(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redact(v);
  if (depth >= MAX_DEPTH || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' && SECRET_NAME.test(k) ? MASK : walk(x, depth + 1);
  return out;
}

/**
 * The request as records and people see it (threats.md A3, §3.10): secrets in any string of the
 * context, the resource's and the subject's properties are masked by the command redaction
 * patterns (`AWS_SECRET_ACCESS_KEY=…`, bearer tokens, key formats), and any string under a key
 * named like a secret (`password`, `apiKey`, `token`, …) is masked whole. Ids, the action name and
 * gateway-verified provenance are left alone. The action hash is computed from the real request
 * before this runs, so approvals and grants still bind to what will actually execute.
 */
export function redactRequest(req: AuthorizationRequest): AuthorizationRequest {
  const out: AuthorizationRequest = { ...req };
  if (req.context !== undefined) {
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req.context)) context[k] = VERIFIED_KEYS.has(k) ? v : typeof v === 'string' && SECRET_NAME.test(k) ? MASK : walk(v, 1);
    out.context = context;
  }
  for (const part of ['subject', 'resource'] as const) {
    const e = req[part] as { type: string; id: string; properties?: Record<string, unknown> };
    if (e.properties !== undefined) (out as unknown as Record<string, unknown>)[part] = { ...e, properties: walk(e.properties, 1) };
  }
  return out;
}
