import type Database from 'better-sqlite3';
import type { DelegationFilter, DelegationLink, DelegationRepo } from '../../delegation/repo.js';

/** Schema of the delegation links (appended to the SQLite migrations as migration 4). */
export const DELEGATIONS_MIGRATION = `
  CREATE TABLE delegation_links (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES delegation_links (id),
    root_principal TEXT NOT NULL,
    delegator TEXT NOT NULL,
    delegate TEXT NOT NULL,
    scope TEXT NOT NULL,
    purpose TEXT NOT NULL,
    depth INTEGER NOT NULL CHECK (depth >= 1),
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoked_reason TEXT,
    content_hash TEXT NOT NULL
  );
  CREATE INDEX delegation_links_parent ON delegation_links (parent_id);
  CREATE INDEX delegation_links_root ON delegation_links (root_principal, issued_at);
  CREATE INDEX delegation_links_delegator ON delegation_links (delegator) WHERE revoked_at IS NULL;
  CREATE INDEX delegation_links_delegate ON delegation_links (delegate) WHERE revoked_at IS NULL;
  CREATE INDEX delegation_links_issued ON delegation_links (issued_at, id);
`;

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

/** Deepest path walked; tokens are capped far lower (DELEGATION_HARD_MAX_DEPTH), this only bounds a bad row. */
const MAX_PATH = 64;

/**
 * Delegation links in SQLite. The path and the revocation cascade are recursive CTEs, so each is one
 * statement; the cascade runs in one IMMEDIATE transaction with the read of what it revoked, so a
 * revocation is all-or-nothing and visible to the very next request (issue #5).
 */
export function createSqliteDelegationRepo(db: Database.Database): DelegationRepo {
  const insertStmt = db.prepare(
    `INSERT INTO delegation_links (id, parent_id, root_principal, delegator, delegate, scope, purpose, depth, issued_at, expires_at, revoked_at, revoked_by, revoked_reason, content_hash)
     VALUES (@id, @parentId, @rootPrincipal, @delegator, @delegate, @scope, @purpose, @depth, @issuedAt, @expiresAt, @revokedAt, @revokedBy, @revokedReason, @contentHash)`,
  );
  const parentExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM delegation_links WHERE id = ?');
  const byId = db.prepare<[string], LinkRow>('SELECT * FROM delegation_links WHERE id = ?');
  const childrenStmt = db.prepare<[string], LinkRow>('SELECT * FROM delegation_links WHERE parent_id = ? ORDER BY issued_at, id');
  // Leaf → root, with the number of steps; the caller reverses and checks the path reached a root.
  const pathStmt = db.prepare<[string, number], LinkRow & { n: number }>(
    `WITH RECURSIVE up(id, n) AS (
       SELECT id, 0 FROM delegation_links WHERE id = ?
       UNION ALL
       SELECT l.parent_id, up.n + 1 FROM delegation_links l JOIN up ON l.id = up.id WHERE l.parent_id IS NOT NULL AND up.n < ?
     )
     SELECT l.*, up.n AS n FROM up JOIN delegation_links l ON l.id = up.id ORDER BY up.n DESC`,
  );
  const subtreeStmt = db.prepare<[string], { id: string }>(
    `WITH RECURSIVE down(id, n) AS (
       SELECT id, 0 FROM delegation_links WHERE id = ?
       UNION ALL
       SELECT l.id, down.n + 1 FROM delegation_links l JOIN down ON l.parent_id = down.id
     )
     SELECT d.id FROM down d JOIN delegation_links l ON l.id = d.id WHERE l.revoked_at IS NULL ORDER BY d.n, l.issued_at, l.id`,
  );
  const revokeStmt = db.prepare<[string, string, string, string]>(
    'UPDATE delegation_links SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
  );
  const whereActor = db.prepare<[string, string], LinkRow>(
    `SELECT * FROM delegation_links WHERE revoked_at IS NULL AND delegator = ?
     UNION
     SELECT * FROM delegation_links WHERE revoked_at IS NULL AND delegate = ?
     ORDER BY issued_at, id`,
  );

  const insertTx = db.transaction((link: DelegationLink) => {
    if (link.parentId !== undefined && !parentExists.get(link.parentId)) throw new Error(`unknown parent link ${link.parentId}`);
    insertStmt.run({
      id: link.id,
      parentId: link.parentId ?? null,
      rootPrincipal: link.rootPrincipal,
      delegator: link.delegator,
      delegate: link.delegate,
      scope: link.scope,
      purpose: link.purpose,
      depth: link.depth,
      issuedAt: link.issuedAt,
      expiresAt: link.expiresAt,
      revokedAt: link.revokedAt ?? null,
      revokedBy: link.revokedBy ?? null,
      revokedReason: link.revokedReason ?? null,
      contentHash: link.contentHash,
    });
  });

  const cascadeTx = db.transaction((id: string, at: string, by: string, reason: string): string[] => {
    const ids = subtreeStmt.all(id).map((r) => r.id);
    for (const x of ids) revokeStmt.run(at, by, reason, x);
    return ids;
  });

  return {
    async insert(link) {
      insertTx.immediate(link);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toLink(r) : undefined;
    },
    async children(id) {
      return childrenStmt.all(id).map(toLink);
    },
    async path(id) {
      const rows = pathStmt.all(id, MAX_PATH);
      // A path must end at a root link; a missing parent (or a walk cut at MAX_PATH) is no path.
      if (rows.length === 0 || rows[0]!.parent_id !== null) return [];
      return rows.map(({ n: _n, ...r }) => toLink(r));
    },
    async revokeCascade(id, at, by, reason) {
      return cascadeTx.immediate(id, at, by, reason);
    },
    async linksWhereActor(uid) {
      return whereActor.all(uid, uid).map(toLink);
    },
    async list(filter: DelegationFilter) {
      const where: string[] = [];
      const args: string[] = [];
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      if (filter.root !== undefined) where.push('root_principal = ?'), args.push(filter.root);
      if (filter.actor !== undefined) where.push('(delegator = ? OR delegate = ?)'), args.push(filter.actor, filter.actor);
      const limit = filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
      const sql = `SELECT * FROM delegation_links ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY issued_at, id${limit}`;
      return db.prepare<string[], LinkRow>(sql).all(...args).map(toLink);
    },
  };
}
