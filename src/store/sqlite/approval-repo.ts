import type Database from 'better-sqlite3';
import type { ApprovalFilter, ApprovalRepo } from '../../approval/repo.js';
import type { ApprovalRequest } from '../../approval/types.js';

/** Schema of the approvals table (appended to the SQLite migrations). */
export const APPROVALS_MIGRATION = `
  CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    requester TEXT NOT NULL,
    action_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX approvals_binding ON approvals (kind, requester, action_hash, status);
  CREATE INDEX approvals_status ON approvals (status, created_at);
`;

/**
 * Approvals in SQLite. Each state change is one conditional UPDATE (or one IMMEDIATE transaction),
 * so of any number of concurrent consumers exactly one sees the row change (DESIGN §6).
 */
export function createSqliteApprovalRepo(db: Database.Database): ApprovalRepo {
  const parse = (row: { doc: string } | undefined): ApprovalRequest | undefined => (row ? (JSON.parse(row.doc) as ApprovalRequest) : undefined);
  const findLive = db.prepare<[string, string, string, string], { doc: string }>(
    `SELECT doc FROM approvals WHERE kind = ? AND requester = ? AND action_hash = ? AND status IN ('pending', 'approved') AND expires_at > ? ORDER BY created_at LIMIT 1`,
  );
  const insert = db.prepare('INSERT INTO approvals (id, kind, requester, action_hash, status, created_at, expires_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare<[string], { doc: string }>('SELECT doc FROM approvals WHERE id = ?');
  const write = db.prepare('UPDATE approvals SET status = ?, doc = ? WHERE id = ?');

  const openTx = db.transaction((req: ApprovalRequest, nowIso: string) => {
    const existing = parse(findLive.get(req.kind, req.requester, req.actionHash, nowIso));
    if (existing) return { request: existing, created: false };
    insert.run(req.id, req.kind, req.requester, req.actionHash, req.status, req.createdAt, req.expiresAt, JSON.stringify(req));
    return { request: req, created: true };
  });

  const pendingById = db.prepare<[string, string], { doc: string }>(`SELECT doc FROM approvals WHERE id = ? AND status = 'pending' AND expires_at > ?`);
  const consumable = db.prepare<[string, string, string, string], { doc: string }>(
    `SELECT doc FROM approvals WHERE kind = ? AND requester = ? AND action_hash = ? AND status = 'approved' AND expires_at > ? ORDER BY created_at LIMIT 1`,
  );
  const voteTx = db.transaction((id: string, vote: ApprovalRequest['votes'][number], next: Pick<ApprovalRequest, 'status' | 'decidedAt'>, nowIso: string, expectVotes: number | undefined) => {
    const cur = parse(pendingById.get(id, nowIso));
    if (!cur) return undefined;
    if (expectVotes !== undefined && cur.votes.length !== expectVotes) return undefined;
    const updated: ApprovalRequest = { ...cur, votes: [...cur.votes, vote], status: next.status };
    if (next.decidedAt !== undefined) updated.decidedAt = next.decidedAt;
    write.run(updated.status, JSON.stringify(updated), id);
    return updated;
  });

  // One statement: pick and flip in the same write, RETURNING the row only to the winner.
  const consumeStmt = db.prepare<[string, string, string, string, string, string], { doc: string }>(
    `UPDATE approvals SET status = 'consumed', doc = json_set(doc, '$.status', 'consumed', '$.consumedAt', ?, '$.consumedBy', ?)
     WHERE id = (SELECT id FROM approvals WHERE kind = ? AND requester = ? AND action_hash = ? AND status = 'approved' AND expires_at > ? ORDER BY created_at LIMIT 1)
       AND status = 'approved'
     RETURNING doc`,
  );
  const consumeByIdStmt = db.prepare<[string, string, string, string, string], { doc: string }>(
    `UPDATE approvals SET status = 'consumed', doc = json_set(doc, '$.status', 'consumed', '$.consumedAt', ?, '$.consumedBy', ?)
     WHERE id = ? AND action_hash = ? AND status = 'approved' AND expires_at > ?
     RETURNING doc`,
  );
  const cancelStmt = db.prepare<[string, string], { doc: string }>(
    `UPDATE approvals SET status = 'cancelled', doc = json_set(doc, '$.status', 'cancelled', '$.decidedAt', ?)
     WHERE id = ? AND status IN ('pending', 'approved') RETURNING doc`,
  );
  const expireStmt = db.prepare<[string]>(
    `UPDATE approvals SET status = 'expired', doc = json_set(doc, '$.status', 'expired') WHERE status IN ('pending', 'approved') AND expires_at <= ?`,
  );

  return {
    async openOrGet(req, nowIso) {
      return openTx.immediate(req, nowIso);
    },
    async get(id) {
      return parse(byId.get(id));
    },
    // Inside a unit of work the IMMEDIATE transaction already holds the database's write lock.
    async getForUpdate(id) {
      return parse(byId.get(id));
    },
    async findConsumable(kind, requester, actionHash, nowIso) {
      return parse(consumable.get(kind, requester, actionHash, nowIso));
    },
    async list(filter: ApprovalFilter) {
      const where: string[] = [];
      const args: string[] = [];
      if (filter.status) where.push('status = ?'), args.push(filter.status);
      if (filter.requester) where.push('requester = ?'), args.push(filter.requester);
      if (filter.kind) where.push('kind = ?'), args.push(filter.kind);
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
      const sql = `SELECT doc FROM approvals ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC LIMIT ${limit}`;
      return db
        .prepare<string[], { doc: string }>(sql)
        .all(...args)
        .map((r) => JSON.parse(r.doc) as ApprovalRequest);
    },
    async recordVote(id, vote, next, nowIso, expectVotes) {
      return voteTx.immediate(id, vote, next, nowIso, expectVotes);
    },
    async consume(kind, requester, actionHash, nowIso, consumedBy) {
      return parse(consumeStmt.get(nowIso, consumedBy, kind, requester, actionHash, nowIso));
    },
    async consumeById(id, actionHash, nowIso, consumedBy) {
      return parse(consumeByIdStmt.get(nowIso, consumedBy, id, actionHash, nowIso));
    },
    async cancel(id, nowIso) {
      return parse(cancelStmt.get(nowIso, id));
    },
    async expire(nowIso) {
      return expireStmt.run(nowIso).changes;
    },
  };
}
