import { KeyObject, sign } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, jwtVerify, errors as joseErrors, type CryptoKey } from 'jose';

/** Explicit token type per kind, so a grant is never accepted as another token (RFC 8725 §3.11). */
export const GRANT_TYP = 'airlock-grant+jwt';
/** Clock skew tolerated on exp/nbf/iat, seconds (RFC 7519 §4.1.4 "a few minutes" at most). */
export const GRANT_LEEWAY_S = 30;

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

/** The node:crypto face of each signing key, made once per key. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/**
 * Signs an execution grant: Ed25519, `typ` pinned, `kid` from the key ring. A JWS compact
 * serialization (RFC 7515 §7.1) signed with node:crypto's one-shot Ed25519 `sign` on the key's
 * KeyObject: synchronous, so a grant costs one signature on the event loop rather than a WebCrypto
 * job queued on the thread pool (where the audit fsyncs run). Verified by jose like any other.
 */
export function signGrant(claims: GrantClaims, key: { kid: string; privateKey: CryptoKey }): string {
  let k = keyObjects.get(key.privateKey);
  if (!k) keyObjects.set(key.privateKey, (k = KeyObject.from(key.privateKey)));
  if (k.asymmetricKeyType !== 'ed25519') throw new Error('grant signing key is not Ed25519');
  const signingInput = `${b64url(JSON.stringify({ alg: 'EdDSA', typ: GRANT_TYP, kid: key.kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), k).toString('base64url')}`;
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
export async function verifyGrant(
  token: string,
  opts: { issuer: string; actionHash?: string; nowS: number; keyFor: (kid: string) => Promise<CryptoKey | undefined> },
): Promise<GrantCheck> {
  const fail = (code: GrantRefusal): GrantCheck => ({ ok: false, code, message: grantRefusals[code] });
  let kid: unknown;
  try {
    const h = decodeProtectedHeader(token);
    if (h.alg !== 'EdDSA' || h.typ !== GRANT_TYP || 'jwk' in h || 'jku' in h || 'x5u' in h || 'x5c' in h) return fail('grant_malformed');
    kid = h.kid;
  } catch {
    return fail('grant_malformed');
  }
  if (typeof kid !== 'string') return fail('grant_malformed');
  const key = await opts.keyFor(kid);
  if (!key) return fail('grant_unknown_key');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      typ: GRANT_TYP,
      issuer: opts.issuer,
      clockTolerance: GRANT_LEEWAY_S,
      currentDate: new Date(opts.nowS * 1000),
      requiredClaims: ['iss', 'sub', 'aud', 'jti', 'iat', 'exp', 'ahash', 'rid'],
    });
    const claims = payload as unknown as GrantClaims;
    if (typeof claims.ahash !== 'string' || typeof claims.rid !== 'string' || typeof claims.aud !== 'string') return fail('grant_malformed');
    if (claims.iat > opts.nowS + GRANT_LEEWAY_S) return fail('grant_not_yet_valid');
    if (opts.actionHash !== undefined && claims.ahash !== opts.actionHash) return fail('grant_hash_mismatch');
    return { ok: true, claims };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return fail('grant_expired');
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return fail('grant_signature');
    if (e instanceof joseErrors.JWTClaimValidationFailed) {
      if (e.claim === 'iss') return fail('grant_wrong_issuer');
      if (e.claim === 'nbf' || e.claim === 'iat') return fail('grant_not_yet_valid');
    }
    return fail('grant_malformed');
  }
}

/**
 * Signature and type only, no time checks: for reporting the execution of an action whose grant
 * has since expired (the grant still proves which decision it belongs to).
 */
export async function grantClaimsIfSigned(token: string, keyFor: (kid: string) => Promise<CryptoKey | undefined>): Promise<GrantClaims | undefined> {
  try {
    const h = decodeProtectedHeader(token);
    if (h.alg !== 'EdDSA' || h.typ !== GRANT_TYP || typeof h.kid !== 'string' || 'jwk' in h || 'jku' in h) return undefined;
    const key = await keyFor(h.kid);
    if (!key) return undefined;
    const { payload } = await compactVerify(token, key, { algorithms: ['EdDSA'] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as GrantClaims;
    return typeof claims.rid === 'string' && typeof claims.ahash === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}
