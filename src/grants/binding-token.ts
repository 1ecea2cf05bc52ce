import { SignJWT, decodeProtectedHeader, jwtVerify, type CryptoKey } from 'jose';

/**
 * The AuthZEN access-request profile's `binding_token`: a JWS by this PDP that ties a requestable
 * denial to one evaluation and one action hash, so a PEP cannot turn a denial for action A into an
 * access request for action B.
 */
export const BINDING_TYP = 'airlock-binding+jwt';

export interface BindingClaims {
  /** The action hash of the denied evaluation. */
  ahash: string;
  /** The evaluation (request) id. */
  rid: string;
  /** The approval request opened for it. */
  apr: string;
  exp: number;
}

export async function signBinding(claims: BindingClaims, issuer: string, key: { kid: string; privateKey: CryptoKey }): Promise<string> {
  return new SignJWT({ ahash: claims.ahash, rid: claims.rid, apr: claims.apr })
    .setProtectedHeader({ alg: 'EdDSA', typ: BINDING_TYP, kid: key.kid })
    .setIssuer(issuer)
    .setExpirationTime(claims.exp)
    .sign(key.privateKey);
}

/** Verifies signature (EdDSA, exact kid, typ pinned), issuer and expiry; returns the claims or undefined. */
export async function verifyBinding(token: string, opts: { issuer: string; nowS: number; keyFor: (kid: string) => Promise<CryptoKey | undefined> }): Promise<BindingClaims | undefined> {
  try {
    const h = decodeProtectedHeader(token);
    if (h.alg !== 'EdDSA' || h.typ !== BINDING_TYP || typeof h.kid !== 'string' || 'jwk' in h || 'jku' in h) return undefined;
    const key = await opts.keyFor(h.kid);
    if (!key) return undefined;
    const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], typ: BINDING_TYP, issuer: opts.issuer, currentDate: new Date(opts.nowS * 1000), clockTolerance: 30 });
    const p = payload as unknown as BindingClaims;
    return typeof p.ahash === 'string' && typeof p.rid === 'string' && typeof p.apr === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}
