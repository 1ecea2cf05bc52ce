import { KeyObject, sign } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, jwtVerify, errors as joseErrors, type CryptoKey } from 'jose';

/**
 * The one place Airlock signs and verifies its compact JWS tokens: execution grants, binding
 * tokens, delegation tokens (JWTs) and audit checkpoints (a signed JSON payload). The rules live
 * here once: Ed25519 only (RFC 8725 §3.1: never `none`, never an HMAC keyed with a public key),
 * an explicit `typ` per kind so one kind is never accepted as another (§3.11), the key chosen by
 * exact `kid` from our own ring and never from `jwk`/`jku`/`x5u`/`x5c` headers, and one clock-skew
 * rule for exp/nbf/iat.
 */
export const JWS_ALG = 'EdDSA';

/** Clock skew tolerated on exp/nbf/iat, seconds (RFC 7519 §4.1.4 "a few minutes" at most; threats.md T2: ≤ 60 s). */
export const JWT_LEEWAY_S = 30;

export interface JwsSigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/** Public key by exact kid, from our own ring only. */
export type KeyLookup = (kid: string) => Promise<CryptoKey | undefined>;

/** The protected header we write; the caller's key order is kept, so issued formats stay byte-identical. */
export interface JwsHeader {
  alg: typeof JWS_ALG;
  typ: string;
  kid: string;
}

/** The node:crypto face of each signing key, made once per key. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/**
 * A JWS compact serialization (RFC 7515 §7.1) of `payload` (already JSON text), signed with
 * node:crypto's one-shot Ed25519 `sign` on the key's KeyObject: synchronous, so a token costs one
 * signature on the event loop rather than a WebCrypto job queued on the thread pool (where the audit
 * fsyncs run). Ed25519 is deterministic: the bytes equal what jose's signers produce for the same
 * header and payload. Verified by jose like any other.
 */
export function signJws(header: JwsHeader, payload: string, key: JwsSigningKey): string {
  if (header.alg !== JWS_ALG || header.kid !== key.kid) throw new Error('a JWS header must name EdDSA and the signing key');
  let k = keyObjects.get(key.privateKey);
  if (!k) keyObjects.set(key.privateKey, (k = KeyObject.from(key.privateKey)));
  if (k.asymmetricKeyType !== 'ed25519') throw new Error('signing key is not Ed25519');
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), k).toString('base64url')}`;
}

/** A JWT: header `{alg, typ, kid}`, the claims serialized in their own key order. */
export function signJwt(typ: string, claims: object, key: JwsSigningKey): string {
  for (const c of ['iat', 'nbf', 'exp'] as const) {
    const v = (claims as Record<string, unknown>)[c];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new TypeError(`"${c}" claim must be a finite number`);
  }
  return signJws({ alg: JWS_ALG, typ, kid: key.kid }, JSON.stringify(claims), key);
}

/** Why a token was not accepted; each kind maps these to its own refusal codes. */
export type JwtProblem = 'malformed' | 'unknown_key' | 'signature' | 'expired' | 'not_yet_valid' | 'wrong_issuer' | 'wrong_audience';

/**
 * The header rule, the same for every kind: alg EdDSA, `typ` exactly the kind's, a non-empty
 * `kid`, and nothing that would choose a key or change processing (`jwk`, `jku`, `x5u`, `x5c`, `crit`).
 */
function kidOf(token: string, typ: string): string | undefined {
  try {
    const h = decodeProtectedHeader(token);
    if (h.alg !== JWS_ALG || h.typ !== typ || 'jwk' in h || 'jku' in h || 'x5u' in h || 'x5c' in h || 'crit' in h) return undefined;
    return typeof h.kid === 'string' && h.kid.length > 0 ? h.kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The time rule: expired once `exp` ≤ now − leeway; not yet valid while `nbf` or `iat` > now +
 * leeway (RFC 7519 §4.1.6 does not forbid a future iat; we do, past the leeway, threats.md T2).
 * Also applied on its own to claims whose signature a cache already verified.
 */
export function timeProblem(claims: { exp?: unknown; nbf?: unknown; iat?: unknown }, nowS: number): 'expired' | 'not_yet_valid' | undefined {
  if (typeof claims.exp === 'number' && claims.exp <= nowS - JWT_LEEWAY_S) return 'expired';
  if ((typeof claims.nbf === 'number' && claims.nbf > nowS + JWT_LEEWAY_S) || (typeof claims.iat === 'number' && claims.iat > nowS + JWT_LEEWAY_S)) return 'not_yet_valid';
  return undefined;
}

export interface JwtExpectations {
  typ: string;
  issuer: string;
  /** Checked when given. */
  audience?: string;
  nowS: number;
  keyFor: KeyLookup;
  /** Claims that must be present (beyond `iss`, always checked). */
  requiredClaims?: string[];
}

export type JwtCheck = { ok: true; payload: Record<string, unknown>; kid: string; key: CryptoKey } | { ok: false; problem: JwtProblem };

/** Verifies a JWT of one kind offline: the header rule, signature (jose), issuer, audience, required claims and the time rule. */
export async function verifyJwt(token: string, x: JwtExpectations): Promise<JwtCheck> {
  const fail = (problem: JwtProblem): JwtCheck => ({ ok: false, problem });
  const kid = kidOf(token, x.typ);
  if (kid === undefined) return fail('malformed');
  const key = await x.keyFor(kid);
  if (!key) return fail('unknown_key');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [JWS_ALG],
      typ: x.typ,
      issuer: x.issuer,
      ...(x.audience !== undefined ? { audience: x.audience } : {}),
      clockTolerance: JWT_LEEWAY_S,
      currentDate: new Date(x.nowS * 1000),
      ...(x.requiredClaims ? { requiredClaims: x.requiredClaims } : {}),
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return fail('expired');
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return fail('signature');
    if (e instanceof joseErrors.JWTClaimValidationFailed) {
      if (e.claim === 'iss') return fail('wrong_issuer');
      if (e.claim === 'aud') return fail('wrong_audience');
      if (e.claim === 'nbf' || e.claim === 'iat') return fail('not_yet_valid');
    }
    return fail('malformed');
  }
  // jose has judged exp and nbf by the same rule; a future iat is ours to refuse.
  const late = timeProblem(payload, x.nowS);
  if (late) return fail(late);
  return { ok: true, payload, kid, key };
}

export type JwsCheck = { ok: true; payload: unknown; kid: string } | { ok: false; problem: 'malformed' | 'unknown_key' | 'signature'; kid?: string };

/** Signature and `typ` only, no claims or time rules: the signed JSON payload, parsed. */
export async function verifyJws(token: string, typ: string, keyFor: KeyLookup): Promise<JwsCheck> {
  const kid = kidOf(token, typ);
  if (kid === undefined) return { ok: false, problem: 'malformed' };
  const key = await keyFor(kid);
  if (!key) return { ok: false, problem: 'unknown_key', kid };
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(token, key, { algorithms: [JWS_ALG] }));
  } catch (e) {
    return { ok: false, problem: e instanceof joseErrors.JWSSignatureVerificationFailed ? 'signature' : 'malformed' };
  }
  try {
    return { ok: true, payload: JSON.parse(new TextDecoder().decode(bytes)) as unknown, kid };
  } catch {
    return { ok: false, problem: 'malformed' };
  }
}
