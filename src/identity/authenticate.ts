import type { CredentialRepo, IdentityRepo } from '../store/port.js';
import { parseApiKey, secretMatches } from './api-key.js';
import { isExpired } from './subject.js';
import type { ApiKeyRecord, Identity } from './types.js';

/**
 * Why an authentication failed. For metrics and the server log only: every failure answers the
 * client with the same 401 body (no oracle).
 */
export type AuthFailure = 'missing' | 'malformed' | 'unknown_key' | 'mismatch' | 'key_revoked' | 'key_expired' | 'identity_missing' | 'identity_inactive';

export type AuthResult = { ok: true; identity: Identity; key: ApiKeyRecord } | { ok: false; reason: AuthFailure };

/**
 * Extracts the key from an `Authorization` header: `Bearer <key>` (RFC 6750 §2.1; the scheme is
 * case-insensitive), or the bare key, which the AuthZEN interop runner sends as `Authorization: <key>`.
 */
export function keyFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (v.length === 0) return undefined;
  const m = /^bearer\s+(\S+)$/i.exec(v);
  return m ? m[1] : v;
}

/**
 * Authenticates a presented API key: look up by key id, compare SHA-256 digests in constant time,
 * then key state (revoked, expired) and identity state (exists, active, not expired). Reads the
 * store each time, so a suspension or revocation applies to the very next request.
 */
export async function authenticateKey(repos: { identities: IdentityRepo; credentials: CredentialRepo }, token: string | undefined, nowMs: number): Promise<AuthResult> {
  if (token === undefined) return { ok: false, reason: 'missing' };
  const parsed = parseApiKey(token);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const key = await repos.credentials.get(parsed.keyId);
  // The comparison runs for unknown key ids too (against a dummy digest), so both paths do the same work.
  if (!secretMatches(parsed.secret, key?.hash)) return { ok: false, reason: key ? 'mismatch' : 'unknown_key' };
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (key.revokedAt !== undefined) return { ok: false, reason: 'key_revoked' };
  if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= nowMs) return { ok: false, reason: 'key_expired' };
  const identity = await repos.identities.get(key.identityId);
  if (!identity) return { ok: false, reason: 'identity_missing' };
  if (identity.status !== 'active' || isExpired(identity, nowMs)) return { ok: false, reason: 'identity_inactive' };
  return { ok: true, identity, key };
}
