import type { CryptoKey } from 'jose';
import { JWT_LEEWAY_S, signJwt, verifyJws, verifyJwt, type JwsSigningKey, type JwtProblem, type KeyLookup } from './jws.js';

/** Explicit token type per kind, so a grant is never accepted as another token (RFC 8725 §3.11). */
export const GRANT_TYP = 'airlock-grant+jwt';
/** Clock skew tolerated on exp/nbf/iat, seconds: the one rule of grants/jws.ts. */
export const GRANT_LEEWAY_S = JWT_LEEWAY_S;

export interface GrantClaims {
  iss: string;
  /** The subject of the decision, as uid text. */
  sub: string;
  /** The resource, as uid text. */
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  /** The action hash the grant is bound to. */
  ahash: string;
  /** The decision's request id. */
  rid: string;
}

/**
 * Signs an execution grant: Ed25519, `typ` pinned, `kid` from the key ring, synchronously
 * (grants/jws.ts), so a grant costs one signature on the event loop.
 */
export function signGrant(claims: GrantClaims, key: JwsSigningKey): string {
  return signJwt(GRANT_TYP, claims, key);
}

export const grantRefusals = {
  grant_malformed: 'the grant is not a well-formed Airlock grant',
  grant_unknown_key: 'the grant was signed by a key this gateway does not know',
  grant_signature: 'the grant signature does not verify',
  grant_expired: 'the grant has expired',
  grant_not_yet_valid: 'the grant is not valid yet',
  grant_wrong_issuer: 'the grant was issued by someone else',
  grant_hash_mismatch: 'the grant is bound to a different action',
} as const;
export type GrantRefusal = keyof typeof grantRefusals;

export type GrantCheck = { ok: true; claims: GrantClaims } | { ok: false; code: GrantRefusal; message: string };

/**
 * Verifies a grant offline: EdDSA only (never `none`, never an HMAC with a public key), `typ`
 * pinned, key chosen by exact `kid` from our own ring (never from `jwk`/`jku`/`x5u` headers),
 * issuer, expiry with bounded leeway, and the action hash it is bound to.
 */
export async function verifyGrant(token: string, opts: { issuer: string; actionHash?: string; nowS: number; keyFor: KeyLookup }): Promise<GrantCheck> {
  const fail = (code: GrantRefusal): GrantCheck => ({ ok: false, code, message: grantRefusals[code] });
  const v = await verifyJwt(token, { typ: GRANT_TYP, issuer: opts.issuer, nowS: opts.nowS, keyFor: opts.keyFor, requiredClaims: ['iss', 'sub', 'aud', 'jti', 'iat', 'exp', 'ahash', 'rid'] });
  if (!v.ok) return fail(GRANT_PROBLEMS[v.problem]);
  const claims = v.payload as unknown as GrantClaims;
  if (typeof claims.ahash !== 'string' || typeof claims.rid !== 'string' || typeof claims.aud !== 'string') return fail('grant_malformed');
  if (opts.actionHash !== undefined && claims.ahash !== opts.actionHash) return fail('grant_hash_mismatch');
  return { ok: true, claims };
}

/** A grant has no audience check of its own (`aud` is the resource): a bad one is a malformed grant. */
const GRANT_PROBLEMS: Record<JwtProblem, GrantRefusal> = {
  malformed: 'grant_malformed',
  unknown_key: 'grant_unknown_key',
  signature: 'grant_signature',
  expired: 'grant_expired',
  not_yet_valid: 'grant_not_yet_valid',
  wrong_issuer: 'grant_wrong_issuer',
  wrong_audience: 'grant_malformed',
};

/**
 * Signature and type only, no time checks: for reporting the execution of an action whose grant
 * has since expired (the grant still proves which decision it belongs to).
 */
export async function grantClaimsIfSigned(token: string, keyFor: (kid: string) => Promise<CryptoKey | undefined>): Promise<GrantClaims | undefined> {
  const v = await verifyJws(token, GRANT_TYP, keyFor);
  if (!v.ok || typeof v.payload !== 'object' || v.payload === null) return undefined;
  const claims = v.payload as GrantClaims;
  return typeof claims.rid === 'string' && typeof claims.ahash === 'string' ? claims : undefined;
}
