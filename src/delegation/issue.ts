import type { JwsSigningKey } from '../grants/jws.js';
import { uuidv7 } from '../core/ids.js';
import { refusal, type OAuthError } from './codes.js';
import { DELEGATION_DEFAULTS } from './defaults.js';
import { hashLink, isoSeconds } from './links.js';
import type { DelegationLink, DelegationRepo } from './repo.js';
import { parseScope, scopeCovers } from './scope.js';
import { DELEGATION_HARD_MAX_DEPTH, nestActors, signDelegationToken, type DelegationClaims } from './token.js';
import { parseUid } from './uid.js';
import type { VerifiedChain } from './verify-chain.js';


/** What the gateway decides for issuance; both may consult the registry and Cedar. */
export interface DelegationChecks {
  /** Is `uid` a registered NHI, active, with an active owner? (a Human is never a delegate) */
  delegateIsActiveOwnedNhi(uid: string): Promise<boolean> | boolean;
  /**
   * May `delegator` hand `scope` to `delegate`? The gateway evaluates Cedar action `delegate`
   * (principal = delegator, resource = delegate, context = the rest), so policy decides who may
   * delegate what to whom, and may forbid by depth or root.
   */
  mayDelegate(request: MayDelegateRequest): Promise<boolean> | boolean;
}

export interface MayDelegateRequest {
  delegator: string;
  delegate: string;
  /** Normalized requested scope text. */
  scope: string;
  /** Depth the new link would have. */
  depth: number;
  root: string;
  purpose: string;
  parentLinkId?: string;
}

export interface IssueDelegationInput {
  /** The verified subject delegation (from `verifyChain` with caller = delegator); absent for a root delegation. */
  parent?: VerifiedChain;
  /** Who delegates (uid text): the authenticated caller. */
  delegator: string;
  /** To whom (uid text or `Type::"id"`, qualified with `namespace`). */
  delegate: string;
  /** Requested scope; omitted for a child = the parent's whole scope. Required at the root. */
  scope?: string;
  /** Requested lifetime; omitted = `defaultTtlMs` clamped to the parent's expiry. */
  ttlMs?: number;
  /** Required at the root; a child inherits it and may only repeat it. */
  purpose?: string;
  /** ms since epoch, from the gateway's clock. */
  now: number;
  namespace: string;
  issuer: string;
  audience: string;
  /** Signs the token (grants/jws.ts). */
  key: JwsSigningKey;
  repo: DelegationRepo;
  checks: DelegationChecks;
  maxDepth?: number;
  maxTtlMs?: number;
  defaultTtlMs?: number;
  /** Link id factory. @defaultValue uuidv7 */
  newId?: (nowMs: number) => string;
}

export type IssueResult =
  | { ok: true; token: string; link: DelegationLink; claims: DelegationClaims; expiresIn: number }
  | { ok: false; error: OAuthError };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Issues one delegation link and its token. Checks, in order: input shape, link to the parent (the
 * delegator must be the parent's current actor), scope only narrows, lifetime only narrows (an
 * explicit ttl past the parent's exp is refused, never clamped), depth ≤ maxDepth, no cycle, delegate
 * is an active owned NHI, and policy lets the delegator delegate. The link is stored, then returned;
 * the caller writes the audit record.
 *
 * @example
 * const r = await issueDelegation({ delegator: 'Airlock::Human::"alice"', delegate: 'Agent::"a"',
 *   scope: 'tool.call:Tool::gh/*', ttlMs: 1_800_000, purpose: 'triage', now, namespace: 'Airlock',
 *   issuer, audience, key, repo, checks });
 */
export async function issueDelegation(input: IssueDelegationInput): Promise<IssueResult> {
  const { parent, namespace } = input;
  const fail = (...a: Parameters<typeof refusal>): IssueResult => ({ ok: false, error: refusal(...a) });
  const maxDepth = Math.min(input.maxDepth ?? DELEGATION_DEFAULTS.maxDepth, DELEGATION_HARD_MAX_DEPTH);
  const maxTtlMs = input.maxTtlMs ?? DELEGATION_DEFAULTS.maxTtlMs;

  const delegator = parseUid(input.delegator, namespace)?.text;
  if (!delegator) return fail('request_malformed', 'delegator is not an entity uid');
  const delegate = parseUid(input.delegate, namespace)?.text;
  if (!delegate) return fail('actor_token_invalid');

  // Purpose: the root sets the intent; a hop cannot re-label it (that would widen what policy sees).
  let purpose: string;
  if (parent) {
    purpose = parent.claims.purp;
    if (input.purpose !== undefined && input.purpose !== purpose) return fail('purpose_mismatch');
  } else {
    if (input.purpose === undefined || input.purpose.trim().length === 0) return fail('purpose_invalid', 'a root delegation needs a purpose');
    purpose = input.purpose;
  }
  if (purpose.length > DELEGATION_DEFAULTS.maxPurposeLength || CONTROL.test(purpose)) return fail('purpose_invalid');

  // The delegator must hold the parent: it is the parent's current actor (RFC 8693 §4.1).
  const parentLink = parent?.links.at(-1);
  if (parent && (!parentLink || parentLink.delegate !== delegator)) return fail('subject_token_invalid', 'the caller is not the current actor of the subject token', 'delegation_actor_mismatch');

  // Scope only narrows (DESIGN §6).
  const scopeText = input.scope ?? parent?.claims.scope;
  if (scopeText === undefined) return fail('scope_invalid', 'a root delegation needs a scope');
  const parsed = parseScope(scopeText, namespace);
  if (!parsed.ok) return fail('scope_invalid', parsed.message);
  if (parent && !scopeCovers(parent.scope, parsed.scope)) return fail('scope_widening');

  // Lifetime only narrows (DESIGN §6): refuse an explicit ttl that would outlive the parent.
  const iat = Math.floor(input.now / 1000);
  let exp: number;
  if (input.ttlMs !== undefined) {
    if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 1000) return fail('ttl_invalid', 'at least 1 s');
    if (input.ttlMs > maxTtlMs) return fail('ttl_exceeds_max', `at most ${Math.floor(maxTtlMs / 1000)} s`);
    exp = iat + Math.ceil(input.ttlMs / 1000);
    if (parent && exp > parent.claims.exp) return fail('ttl_exceeds_parent', `the parent expires in ${Math.max(0, parent.claims.exp - iat)} s`);
  } else {
    exp = iat + Math.ceil(Math.min(input.defaultTtlMs ?? DELEGATION_DEFAULTS.defaultTtlMs, maxTtlMs) / 1000);
    if (parent) exp = Math.min(exp, parent.claims.exp);
  }
  if (exp <= iat) return fail('ttl_exceeds_parent', 'the parent has no lifetime left');

  const depth = (parent?.claims.dpth ?? 0) + 1;
  if (depth > maxDepth) return fail('depth_exceeded', `depth ${depth} > ${maxDepth}`);

  const root = parent ? parent.claims.sub : delegator;
  const onPath = parent ? [root, ...parent.links.map((l) => l.delegate)] : [root];
  if (onPath.includes(delegate)) return fail('delegation_cycle');

  if (!(await input.checks.delegateIsActiveOwnedNhi(delegate))) return fail('delegate_not_eligible');
  const ask: MayDelegateRequest = { delegator, delegate, scope: parsed.scope.text, depth, root, purpose };
  if (parentLink) ask.parentLinkId = parentLink.id;
  if (!(await input.checks.mayDelegate(ask))) return fail('delegation_forbidden');

  const id = (input.newId ?? uuidv7)(input.now);
  const content = {
    id,
    ...(parentLink ? { parentId: parentLink.id } : {}),
    rootPrincipal: root,
    delegator,
    delegate,
    scope: parsed.scope.text,
    purpose,
    depth,
    issuedAt: isoSeconds(iat),
    expiresAt: isoSeconds(exp),
  };
  const link: DelegationLink = { ...content, contentHash: hashLink(content, parentLink?.contentHash) };
  const claims: DelegationClaims = {
    iss: input.issuer,
    sub: root,
    aud: input.audience,
    act: nestActors([...onPath.slice(1), delegate]),
    scope: parsed.scope.text,
    jti: id,
    iat,
    nbf: iat,
    exp,
    purp: purpose,
    dpth: depth,
    chn: [...(parent?.claims.chn ?? []), id],
  };
  if (parentLink) claims.phash = parentLink.contentHash;
  // Sign first: if the insert then fails, no token was handed out and none can verify.
  const token = await signDelegationToken(claims, input.key);
  await input.repo.insert(link);
  return { ok: true, token, link, claims, expiresIn: exp - iat };
}
