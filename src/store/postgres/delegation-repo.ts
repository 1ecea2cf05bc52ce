import type { DelegationFilter, DelegationLink, DelegationRepo } from '../../delegation/repo.js';
import type { Db } from './db.js';

interface LinkRow {
  id: string;
  parent_id: string | null;
  root_principal: string;
  delegator: string;
  delegate: string;
  scope: string;
  purpose: string;
  depth: number;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  content_hash: string;
}

function toLink(r: LinkRow): DelegationLink {
  const l: DelegationLink = {
    id: r.id,
    rootPrincipal: r.root_principal,
    delegator: r.delegator,
    delegate: r.delegate,
    scope: r.scope,
    purpose: r.purpose,
    depth: r.depth,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    contentHash: r.content_hash,
  };
  if (r.parent_id !== null) l.parentId = r.parent_id;
  if (r.revoked_at !== null) l.revokedAt = r.revoked_at;
  if (r.revoked_by !== null) l.revokedBy = r.revoked_by;
  if (r.revoked_reason !== null) l.revokedReason = r.revoked_reason;
  return l;
}

/** Deepest path walked; tokens are capped far lower, this only bounds a bad row. */
const MAX_PATH = 64;

/**
 * Delegation links in PostgreSQL. The path and the revocation cascade are each one recursive
 * statement; the cascade's UPDATE re-checks `revoked_at IS NULL` on the latest row version, so two
 * cascades racing on one subtree each revoke a link at most once and the first revocation stays.
 */
export function createPgDelegationRepo(db: Db): DelegationRepo {
  return {
    async insert(link) {
      // The foreign key refuses an unknown parent; the primary key a duplicate id.
      await db.query(
        `INSERT INTO delegation_links (id, parent_id, root_principal, delegator, delegate, scope, purpose, depth, issued_at, expires_at, revoked_at, revoked_by, revoked_reason, content_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          link.id,
          link.parentId ?? null,
          link.rootPrincipal,
          link.delegator,
          link.delegate,
          link.scope,
          link.purpose,
          link.depth,
          link.issuedAt,
          link.expiresAt,
          link.revokedAt ?? null,
          link.revokedBy ?? null,
          link.revokedReason ?? null,
          link.contentHash,
        ],
      );
    },
    async get(id) {
      const [r] = await db.query<LinkRow>('SELECT * FROM delegation_links WHERE id = $1', [id]);
      return r ? toLink(r) : undefined;
    },
    async children(id) {
      return (await db.query<LinkRow>('SELECT * FROM delegation_links WHERE parent_id = $1 ORDER BY issued_at, id', [id])).map(toLink);
    },
    async path(id) {
      const rows = await db.query<LinkRow & { n: number }>(
        `WITH RECURSIVE up(id, n) AS (
           SELECT id, 0 FROM delegation_links WHERE id = $1
           UNION ALL
           SELECT l.parent_id, up.n + 1 FROM delegation_links l JOIN up ON l.id = up.id WHERE l.parent_id IS NOT NULL AND up.n < $2
         )
         SELECT l.*, up.n AS n FROM up JOIN delegation_links l ON l.id = up.id ORDER BY up.n DESC`,
        [id, MAX_PATH],
      );
      // A path must end at a root link; a missing parent (or a walk cut at MAX_PATH) is no path.
      if (rows.length === 0 || rows[0]!.parent_id !== null) return [];
      return rows.map(({ n: _n, ...r }) => toLink(r));
    },
    async revokeCascade(id, at, by, reason) {
      const rows = await db.query<{ id: string }>(
        `WITH RECURSIVE down(id, n) AS (
           SELECT id, 0 FROM delegation_links WHERE id = $1
           UNION ALL
           SELECT l.id, down.n + 1 FROM delegation_links l JOIN down ON l.parent_id = down.id
         ),
         upd AS (
           UPDATE delegation_links l SET revoked_at = $2, revoked_by = $3, revoked_reason = $4
             FROM down WHERE l.id = down.id AND l.revoked_at IS NULL
             RETURNING l.id, down.n, l.issued_at
         )
         SELECT id FROM upd ORDER BY n, issued_at, id`,
        [id, at, by, reason],
      );
      return rows.map((r) => r.id);
    },
    async linksWhereActor(uid) {
      return (
        await db.query<LinkRow>(
          `SELECT * FROM delegation_links WHERE revoked_at IS NULL AND delegator = $1
           UNION
           SELECT * FROM delegation_links WHERE revoked_at IS NULL AND delegate = $1
           ORDER BY issued_at, id`,
          [uid],
        )
      ).map(toLink);
    },
    async list(filter: DelegationFilter) {
      const rows = await db.query<LinkRow>(
        `SELECT * FROM delegation_links
          WHERE ($1::boolean OR revoked_at IS NULL)
            AND ($2::text IS NULL OR root_principal = $2)
            AND ($3::text IS NULL OR delegator = $3 OR delegate = $3)
          ORDER BY issued_at, id LIMIT $4`,
        [filter.includeRevoked === true, filter.root ?? null, filter.actor ?? null, filter.limit !== undefined ? Math.max(0, Math.floor(filter.limit)) : null],
      );
      return rows.map(toLink);
    },
  };
}
