import type { CryptoKey } from 'jose';
import { JWT_LEEWAY_S, signJwt, timeProblem, verifyJwt, type JwsSigningKey, type JwtProblem, type KeyLookup } from '../grants/jws.js';

/** Explicit type per token kind, so a grant is never taken for a delegation token (RFC 8725 §3.11). */
export const DELEGATION_TYP = 'airlock-delegation+jwt';
/** Clock skew tolerated on exp/nbf/iat, seconds: the one rule of grants/jws.ts (threats.md T2: ≤ 60 s). */
export const DELEGATION_LEEWAY_S = JWT_LEEWAY_S;
/** Hard ceiling on `dpth`, whatever maxDepth is configured: bounds the work a token can cause. */
export const DELEGATION_HARD_MAX_DEPTH = 16;

/**
 * RFC 8693 §4.1 actor claim: "the outermost act claim represents the current actor while nested
 * act claims represent prior actors". Only `sub` is carried: identity claims only.
 */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

export interface DelegationClaims {
  iss: string;
  /** The root principal on whose behalf the work is done (uid text). */
  sub: string;
  aud: string;
  act: ActClaim;
  /** Normalized scope (delegation/scope.ts), RFC 8693 §4.2: space-separated. */
  scope: string;
  /** This link's id. */
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  /** Purpose, fixed by the root delegation. */
  purp: string;
  /** Depth: the root link is 1. */
  dpth: number;
  /** Link ids root → leaf; the last is `jti`. */
  chn: string[];
  /** Content hash of the parent link (absent at depth 1): a link commits to its parent. */
  phash?: string;
}

/** Builds the nested `act` from the actors root → leaf (the leaf becomes the outermost). */
export function nestActors(actorsRootToLeaf: readonly string[]): ActClaim {
  let act: ActClaim | undefined;
  for (const sub of actorsRootToLeaf) act = act ? { sub, act } : { sub };
  if (!act) throw new TypeError('nestActors: at least one actor is required');
  return act;
}

/** Actors root → leaf from a nested `act`; undefined if malformed or deeper than `max`. */
export function unnestActors(act: unknown, max: number): string[] | undefined {
  const out: string[] = [];
  let cur: unknown = act;
  while (cur !== undefined) {
    if (out.length >= max || typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    const o = cur as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'sub' && k !== 'act') return undefined;
    if (typeof o['sub'] !== 'string' || o['sub'].length === 0) return undefined;
    out.push(o['sub']);
    cur = o['act'];
  }
  return out.reverse();
}

/**
 * Signs a delegation token: Ed25519, `typ` pinned, `kid` of the signing key (grants/jws.ts). The
 * registered claims follow the others, in the order the format has always had.
 */
export async function signDelegationToken(claims: DelegationClaims, key: JwsSigningKey): Promise<string> {
  const { iss, sub, aud, jti, iat, nbf, exp, ...rest } = claims;
  return signJwt(DELEGATION_TYP, { ...rest, iss, sub, aud, jti, iat, nbf, exp }, key);
}

export const tokenRefusals = {
  token_malformed: 'the token is not a well-formed Airlock delegation token',
  token_unknown_key: 'the token was signed by a key this gateway does not know',
  token_signature: 'the token signature does not verify',
  token_expired: 'the token has expired',
  token_not_yet_valid: 'the token is not valid yet',
  token_wrong_issuer: 'the token was issued by someone else',
  token_wrong_audience: 'the token is meant for another audience',
} as const;
export type TokenRefusal = keyof typeof tokenRefusals;

export type TokenCheck = { ok: true; claims: DelegationClaims } | { ok: false; reason: TokenRefusal; message: string };

export interface VerifyTokenOptions {
  issuer: string;
  audience: string;
  nowS: number;
  /** Public key by exact kid, from our own ring only. */
  keyFor: KeyLookup;
  /** Optional cache of signatures already verified (see `createTokenCache`). */
  cache?: TokenCache;
}

interface CachedToken {
  kid: string;
  key: CryptoKey;
  issuer: string;
  audience: string;
  claims: DelegationClaims;
}

/**
 * Remembers tokens whose signature and shape verified, so an agent reusing its token does not pay
 * an Ed25519 verification on every request. Only the signature is cached: a hit still requires
 * `keyFor(kid)` to return the very same key object (a dropped or replaced key is a miss), and
 * exp/nbf/iat are re-judged at every call. Revocation and the stored path are never cached
 * (verify-chain.ts reads them per request). Bounded, least recently used out first.
 */
export interface TokenCache {
  get(token: string): CachedToken | undefined;
  set(token: string, entry: CachedToken): void;
  readonly size: number;
}

export function createTokenCache(maxEntries = 4096): TokenCache {
  const map = new Map<string, CachedToken>();
  return {
    get(token) {
      const e = map.get(token);
      if (e) {
        map.delete(token);
        map.set(token, e);
      }
      return e;
    },
    set(token, entry) {
      map.delete(token);
      map.set(token, entry);
      if (map.size > maxEntries) map.delete(map.keys().next().value!);
    },
    get size() {
      return map.size;
    },
  };
}

const TOKEN_PROBLEMS: Record<JwtProblem, TokenRefusal> = {
  malformed: 'token_malformed',
  unknown_key: 'token_unknown_key',
  signature: 'token_signature',
  expired: 'token_expired',
  not_yet_valid: 'token_not_yet_valid',
  wrong_issuer: 'token_wrong_issuer',
  wrong_audience: 'token_wrong_audience',
};

const MAX_TOKEN_LENGTH = 16_384;
const REQUIRED = ['iss', 'sub', 'aud', 'jti', 'iat', 'nbf', 'exp', 'act', 'scope', 'purp', 'dpth', 'chn'];

/**
 * Verifies signature and claims of one delegation token, offline. EdDSA only (RFC 8725 §3.1: never
 * `none`, never an HMAC keyed with a public key), `typ` pinned (§3.11), the key found by exact `kid`
 * and never taken from `jwk`/`jku`/`x5u`/`x5c` headers, exp/nbf/iat with bounded leeway, and a
 * strict claim shape (dpth = |chn| = |act chain|, chn ends in jti, phash iff dpth > 1).
 */
export async function verifyDelegationToken(token: string, opts: VerifyTokenOptions): Promise<TokenCheck> {
  const fail = (reason: TokenRefusal): TokenCheck => ({ ok: false, reason, message: tokenRefusals[reason] });
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return fail('token_malformed');
  const hit = opts.cache?.get(token);
  if (hit && hit.issuer === opts.issuer && hit.audience === opts.audience && (await opts.keyFor(hit.kid)) === hit.key) {
    const late = timeProblem(hit.claims, opts.nowS);
    return late ? fail(TOKEN_PROBLEMS[late]) : { ok: true, claims: hit.claims };
  }
  const v = await verifyJwt(token, { typ: DELEGATION_TYP, issuer: opts.issuer, audience: opts.audience, nowS: opts.nowS, keyFor: opts.keyFor, requiredClaims: REQUIRED });
  if (!v.ok) return fail(TOKEN_PROBLEMS[v.problem]);
  const claims = shapeOf(v.payload);
  if (!claims) return fail('token_malformed');
  opts.cache?.set(token, { kid: v.kid, key: v.key, issuer: opts.issuer, audience: opts.audience, claims });
  return { ok: true, claims };
}

function shapeOf(p: Record<string, unknown>): DelegationClaims | undefined {
  const { sub, aud, jti, scope, purp, dpth, chn, phash, act, iat, nbf, exp } = p;
  if (typeof sub !== 'string' || typeof aud !== 'string' || typeof jti !== 'string' || typeof scope !== 'string' || typeof purp !== 'string') return undefined;
  if (typeof iat !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number') return undefined;
  if (typeof dpth !== 'number' || !Number.isSafeInteger(dpth) || dpth < 1 || dpth > DELEGATION_HARD_MAX_DEPTH) return undefined;
  if (!Array.isArray(chn) || chn.length !== dpth || !chn.every((x) => typeof x === 'string' && x.length > 0) || chn[dpth - 1] !== jti) return undefined;
  if (new Set(chn).size !== chn.length) return undefined;
  if (dpth === 1 ? phash !== undefined : typeof phash !== 'string') return undefined;
  const actors = unnestActors(act, DELEGATION_HARD_MAX_DEPTH);
  if (!actors || actors.length !== dpth) return undefined;
  return p as unknown as DelegationClaims;
}
