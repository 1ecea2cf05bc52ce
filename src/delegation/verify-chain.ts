import type { CryptoKey } from 'jose';
import { delegationCodes, type DelegationCode } from './codes.js';
import { epochSeconds, hashLink } from './links.js';
import type { DelegationLink, DelegationRepo } from './repo.js';
import { parseScope, scopeAllows, scopeCovers, type Scope, type ScopeRequest } from './scope.js';
import { DELEGATION_HARD_MAX_DEPTH, unnestActors, verifyDelegationToken, type DelegationClaims, type TokenCache, type TokenRefusal } from './token.js';
import { parseUid } from './uid.js';
import { DELEGATION_DEFAULTS } from './defaults.js';

/**
 * What policy sees as `context.delegation` (issue #5): the path that led to this request.
 * `actors` are the delegates root → leaf; the last is the caller. `linkIds` go into the audit record.
 */
export interface DelegationContext {
  depth: number;
  /** Root principal (uid text). */
  root: string;
  actors: string[];
  purpose: string;
  linkIds: string[];
}

/** A token whose signature and whole stored path were checked. */
export interface VerifiedChain {
  claims: DelegationClaims;
  /** Stored links root → leaf. */
  links: DelegationLink[];
  /** Parsed leaf scope. */
  scope: Scope;
  context: DelegationContext;
}

export type ChainVerdict =
  | { ok: true; chain: VerifiedChain; context: DelegationContext }
  | { ok: false; code: DelegationCode; message: string; detail?: TokenRefusal | string };

export interface VerifyDelegationOptions {
  /** The authenticated caller (uid text). Must be the token's current actor. */
  caller: string;
  /** ms since epoch, from the gateway's clock. */
  now: number;
  issuer: string;
  audience: string;
  namespace: string;
  /** Public key by exact kid, from the delegation key ring only. */
  keyFor: (kid: string) => Promise<CryptoKey | undefined>;
  repo: DelegationRepo;
  /** Active (and, for an NHI, owned by an active human)? Called for the root and every actor. */
  isActiveOwned: (uid: string) => Promise<boolean> | boolean;
  /** @defaultValue 4 — a lowered limit also refuses already issued deeper tokens. */
  maxDepth?: number;
  /** Verified-signature cache (token.ts `createTokenCache`); revocation state is never cached. */
  tokenCache?: TokenCache;
}

const deny = (code: DelegationCode, detail?: string): ChainVerdict => {
  const v: ChainVerdict = { ok: false, code, message: delegationCodes[code] };
  if (detail !== undefined) v.detail = detail;
  return v;
};

/**
 * Verifies a delegation token and the whole stored path behind it, without looking at a request
 * (used for a `subject_token` at issuance, and as the first half of `verifyDelegation`).
 * Fails closed: any doubt is a deny with a stable code.
 */
export async function verifyChain(token: string, opts: VerifyDelegationOptions): Promise<ChainVerdict> {
  const nowS = Math.floor(opts.now / 1000);
  const t = await verifyDelegationToken(token, {
    issuer: opts.issuer,
    audience: opts.audience,
    nowS,
    keyFor: opts.keyFor,
    ...(opts.tokenCache ? { cache: opts.tokenCache } : {}),
  });
  if (!t.ok) return deny(t.reason === 'token_expired' ? 'delegation_expired' : 'delegation_invalid', t.reason);
  const c = t.claims;
  const maxDepth = Math.min(opts.maxDepth ?? DELEGATION_DEFAULTS.maxDepth, DELEGATION_HARD_MAX_DEPTH);

  // Proof of possession: a stolen token is useless without the current actor's own credentials.
  const actors = unnestActors(c.act, DELEGATION_HARD_MAX_DEPTH)!;
  const caller = parseUid(opts.caller, opts.namespace)?.text;
  if (caller === undefined || caller !== actors.at(-1)) return deny('delegation_actor_mismatch');
  if (c.dpth > maxDepth) return deny('delegation_invalid', 'depth above the limit');

  const links = await opts.repo.path(c.jti);
  if (links.length !== c.dpth) return deny('delegation_invalid', 'unknown link or path length differs from the token');
  let parentHash: string | undefined;
  let parentScope: Scope | undefined;
  let parentExp = Infinity;
  let leafScope: Scope | undefined;
  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    const prev = links[i - 1];
    // Integrity: the stored path is the token's path, each link is its parent's child, nobody
    // delegates what they do not hold, and each content hash chains to the parent's (no splice).
    if (l.id !== c.chn[i] || l.depth !== i + 1 || l.rootPrincipal !== c.sub || l.purpose !== c.purp) return deny('delegation_invalid', `link ${i + 1} does not match the token`);
    if (l.parentId !== prev?.id || l.delegator !== (prev ? prev.delegate : c.sub) || l.delegate !== actors[i]) return deny('delegation_invalid', `link ${i + 1} is not linked to its parent`);
    if (hashLink(l, parentHash) !== l.contentHash) return deny('delegation_invalid', `link ${i + 1} content hash mismatch`);
    const exp = epochSeconds(l.expiresAt);
    const scope = parseScope(l.scope, opts.namespace);
    if (!scope.ok || scope.scope.text !== l.scope) return deny('delegation_invalid', `link ${i + 1} scope`);
    // Attenuation is rechecked per request (DESIGN §2 step 3), not only trusted from issuance.
    if (exp > parentExp || (parentScope && !scopeCovers(parentScope, scope.scope))) return deny('delegation_invalid', `link ${i + 1} is wider than its parent`);
    if (l.revokedAt !== undefined) return deny('delegation_revoked', `link ${l.id}`);
    if (exp <= nowS) return deny('delegation_expired', `link ${l.id}`);
    parentHash = l.contentHash;
    parentExp = exp;
    parentScope = leafScope = scope.scope;
  }
  const leaf = links.at(-1)!;
  if (c.dpth > 1 && c.phash !== links.at(-2)!.contentHash) return deny('delegation_invalid', 'phash does not match the parent link');
  if (leaf.scope !== c.scope || epochSeconds(leaf.expiresAt) !== c.exp || epochSeconds(leaf.issuedAt) !== c.iat) return deny('delegation_invalid', 'the leaf link does not match the token');
  if (new Set([c.sub, ...actors]).size !== actors.length + 1) return deny('delegation_invalid', 'cycle on the path');

  // Every identity on the path must still be active and owned, checked now, not at issuance.
  const alive = await Promise.all([c.sub, ...actors].map((u) => opts.isActiveOwned(u)));
  const dead = alive.indexOf(false);
  if (dead >= 0) return deny('delegation_actor_inactive', dead === 0 ? 'root' : `actor ${dead}`);

  const context: DelegationContext = { depth: c.dpth, root: c.sub, actors, purpose: c.purp, linkIds: [...c.chn] };
  return { ok: true, chain: { claims: c, links, scope: leafScope!, context }, context };
}

/**
 * Per-request revalidation (DESIGN §2 step 3): `verifyChain`, then the requested action and
 * resource must fall inside the leaf scope. On success `context` becomes `context.delegation`.
 * @example
 * const v = await verifyDelegation(token, { caller: 'Airlock::Agent::"c"', request, now, issuer,
 *   audience, namespace: 'Airlock', keyFor: (k) => ring.publicKey(k), repo, isActiveOwned });
 * if (!v.ok) return deny(v.code);
 */
export async function verifyDelegation(token: string, opts: VerifyDelegationOptions & { request: ScopeRequest }): Promise<ChainVerdict> {
  const v = await verifyChain(token, opts);
  if (!v.ok) return v;
  if (!scopeAllows(v.chain.scope, opts.request, opts.namespace)) return deny('delegation_scope');
  return v;
}

/** Every identity on the path (root first): what approval separation of duties must exclude. */
export function pathIdentities(context: DelegationContext): string[] {
  return [context.root, ...context.actors];
}
