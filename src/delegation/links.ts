import { createHash } from 'node:crypto';
import { canonicalize } from '../core/canonical-json.js';
import type { DelegationLink, DelegationRepo } from './repo.js';

/** Version tag inside the hashed content, so the hash input can evolve without ambiguity. */
const LINK_HASH_VERSION = 1;

/** The fields a link's content hash commits to (revocation state is not content). */
export type LinkContent = Omit<DelegationLink, 'contentHash' | 'revokedAt' | 'revokedBy' | 'revokedReason'>;

/**
 * `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of the link's content and its parent's
 * hash. Each link commits to its parent, so the leaf's hash commits to the whole path: a link
 * copied from another chain (a splice) cannot match.
 */
export function hashLink(link: LinkContent, parentHash: string | undefined): string {
  const content = {
    v: LINK_HASH_VERSION,
    id: link.id,
    parentId: link.parentId ?? null,
    parentHash: parentHash ?? null,
    rootPrincipal: link.rootPrincipal,
    delegator: link.delegator,
    delegate: link.delegate,
    scope: link.scope,
    purpose: link.purpose,
    depth: link.depth,
    issuedAt: link.issuedAt,
    expiresAt: link.expiresAt,
  };
  return 'sha256:' + createHash('sha256').update(canonicalize(content)).digest('hex');
}

export const isoSeconds = (s: number): string => new Date(s * 1000).toISOString();
export const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export type LinkStatus = 'active' | 'revoked' | 'expired';

export function linkStatus(link: DelegationLink, nowMs: number): LinkStatus {
  if (link.revokedAt !== undefined) return 'revoked';
  return Date.parse(link.expiresAt) <= nowMs ? 'expired' : 'active';
}

/** One row of `GET /v1/delegations/{id}/path`. */
export interface PathEntry {
  id: string;
  depth: number;
  delegator: string;
  delegate: string;
  scope: string;
  purpose: string;
  issuedAt: string;
  expiresAt: string;
  ttlSeconds: number;
  status: LinkStatus;
  revokedAt?: string;
  revokedBy?: string;
  revokedReason?: string;
}

/** The path root → leaf of a link, for display; undefined when the link is unknown. */
export async function describePath(repo: DelegationRepo, id: string, nowMs: number): Promise<PathEntry[] | undefined> {
  const path = await repo.path(id);
  if (path.length === 0) return undefined;
  return path.map((l) => {
    const e: PathEntry = {
      id: l.id,
      depth: l.depth,
      delegator: l.delegator,
      delegate: l.delegate,
      scope: l.scope,
      purpose: l.purpose,
      issuedAt: l.issuedAt,
      expiresAt: l.expiresAt,
      ttlSeconds: epochSeconds(l.expiresAt) - epochSeconds(l.issuedAt),
      status: linkStatus(l, nowMs),
    };
    if (l.revokedAt !== undefined) e.revokedAt = l.revokedAt;
    if (l.revokedBy !== undefined) e.revokedBy = l.revokedBy;
    if (l.revokedReason !== undefined) e.revokedReason = l.revokedReason;
    return e;
  });
}

export interface RevokeInput {
  /** ms since epoch (the gateway's clock). */
  now: number;
  /** Who revokes (uid text). */
  by: string;
  reason: string;
}

/** `POST /v1/delegations/{id}/revoke`: the link and everything below it. Returns the revoked ids. */
export async function revokeDelegation(repo: DelegationRepo, id: string, input: RevokeInput): Promise<string[]> {
  return repo.revokeCascade(id, new Date(input.now).toISOString(), input.by, input.reason);
}

/**
 * Identity suspended or retired: revoke every link where it is delegator or delegate, with their
 * descendants. Returns every revoked id (no duplicates).
 */
export async function revokeDelegationsOfActor(repo: DelegationRepo, uid: string, input: RevokeInput): Promise<string[]> {
  const at = new Date(input.now).toISOString();
  const out: string[] = [];
  for (const link of await repo.linksWhereActor(uid)) out.push(...(await repo.revokeCascade(link.id, at, input.by, input.reason)));
  return [...new Set(out)];
}
