import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';
import type { AuthorizationRequest } from './types.js';

/**
 * Context keys that carry transport or proof material about *this attempt* rather than describing
 * the action. They are left out of the action hash so that a retry carrying an approval or a
 * delegation token hashes like the original request. It is an allowlist: every other key changes
 * the hash (threats.md §3.2, "volatile-field laundering").
 */
export const TRANSPORT_ONLY_CONTEXT_KEYS: readonly string[] = Object.freeze(['approval', 'delegationToken', 'confirmation']);

/** The value that the action hash commits to. */
export function hashableAction(req: AuthorizationRequest): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.context ?? {})) {
    if (!TRANSPORT_ONLY_CONTEXT_KEYS.includes(k)) context[k] = v;
  }
  return { subject: req.subject, action: req.action, resource: req.resource, context };
}

/** `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of {subject, action, resource, context}. */
export function hashAction(req: AuthorizationRequest): string {
  return 'sha256:' + createHash('sha256').update(canonicalize(hashableAction(req))).digest('hex');
}
