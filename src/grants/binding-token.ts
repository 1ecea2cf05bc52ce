import { signJwt, verifyJwt, type JwsSigningKey, type KeyLookup } from './jws.js';

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

/** The claims in the order the format has always had: `{ahash, rid, apr, iss, exp}`. */
export async function signBinding(claims: BindingClaims, issuer: string, key: JwsSigningKey): Promise<string> {
  return signJwt(BINDING_TYP, { ahash: claims.ahash, rid: claims.rid, apr: claims.apr, iss: issuer, exp: claims.exp }, key);
}

/** Verifies signature (EdDSA, exact kid, typ pinned), issuer and expiry; returns the claims or undefined. */
export async function verifyBinding(token: string, opts: { issuer: string; nowS: number; keyFor: KeyLookup }): Promise<BindingClaims | undefined> {
  const v = await verifyJwt(token, { typ: BINDING_TYP, issuer: opts.issuer, nowS: opts.nowS, keyFor: opts.keyFor });
  if (!v.ok) return undefined;
  const p = v.payload as unknown as BindingClaims;
  return typeof p.ahash === 'string' && typeof p.rid === 'string' && typeof p.apr === 'string' ? p : undefined;
}
