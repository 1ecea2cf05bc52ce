/**
 * One link of a delegation path: `delegator` handed `scope` to `delegate` until `expiresAt`. The
 * token of a link is not stored; the record is what every request revalidates against.
 * Times are ISO-8601 UTC strings with whole seconds (JWT NumericDate precision).
 */
export interface DelegationLink {
  id: string;
  /** Absent for a root link. */
  parentId?: string;
  /** The principal at the root of the path (uid text). */
  rootPrincipal: string;
  delegator: string;
  delegate: string;
  /** Normalized scope text. */
  scope: string;
  purpose: string;
  /** Root link = 1. */
  depth: number;
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** Who revoked it (uid text), or `cascade:<id>` style provenance chosen by the caller. */
  revokedBy?: string;
  revokedReason?: string;
  /** `sha256:` hash over the link's canonical content and its parent's contentHash (links.ts). */
  contentHash: string;
}

export interface DelegationFilter {
  /** Links whose root principal is this uid. */
  root?: string;
  /** Links where this uid is delegator or delegate. */
  actor?: string;
  /** Include revoked links (default false). */
  includeRevoked?: boolean;
  limit?: number;
}

/**
 * Storage port for delegation links. Async so SQLite/PostgreSQL adapters fit; it will move into
 * store/port.ts beside the other repos. Every method returns copies, never references into storage.
 */
export interface DelegationRepo {
  /**
   * Stores a new link. Throws if the id exists or the parent does not. Need not check that the
   * parent is unrevoked: a child inserted under a link being revoked is still refused at every
   * request, because verification reads the whole path.
   */
  insert(link: DelegationLink): Promise<void>;
  get(id: string): Promise<DelegationLink | undefined>;
  /** Direct children, oldest first. */
  children(id: string): Promise<DelegationLink[]>;
  /** The path root → `id` (inclusive); [] when `id` is unknown or a parent is missing. */
  path(id: string): Promise<DelegationLink[]>;
  /**
   * Revokes `id` and every descendant not yet revoked, in one atomic step; returns the ids it
   * revoked (root of the cascade first). An already revoked link keeps its first revocation.
   * Unknown id → [].
   */
  revokeCascade(id: string, at: string, by: string, reason: string): Promise<string[]>;
  /** Unrevoked links where `uid` is the delegator or the delegate (identity suspension/retirement). */
  linksWhereActor(uid: string): Promise<DelegationLink[]>;
  /** Ordered by issuedAt, then id. */
  list(filter: DelegationFilter): Promise<DelegationLink[]>;
}
