import type { ApprovalFilter, ApprovalRepo } from '../../approval/repo.js';
import type { ApprovalKind, ApprovalRequest, ApprovalVote } from '../../approval/types.js';
import type { Db } from './db.js';

interface ApprovalRow {
  id: string;
  status: ApprovalRequest['status'];
  decided_at: string | null;
  consumed_at: string | null;
  consumed_by: string | null;
  doc: string;
  votes: string[] | null;
}

/**
 * The request's immutable part lives in `doc`; what changes (status, votes, decision and
 * consumption) lives in columns and in approval_votes, so every state change is a conditional
 * UPDATE on columns, decided by the row as it is at write time.
 */
function toRequest(r: ApprovalRow): ApprovalRequest {
  const req = JSON.parse(r.doc) as ApprovalRequest;
  req.status = r.status;
  req.votes = (r.votes ?? []).map((v) => JSON.parse(v) as ApprovalVote);
  if (r.decided_at !== null) req.decidedAt = r.decided_at;
  if (r.consumed_at !== null) req.consumedAt = r.consumed_at;
  if (r.consumed_by !== null) req.consumedBy = r.consumed_by;
  return req;
}

function docOf(req: ApprovalRequest): string {
  const { status: _s, votes: _v, decidedAt: _d, consumedAt: _c, consumedBy: _b, ...doc } = req;
  return JSON.stringify(doc);
}

const SELECT = `SELECT a.id, a.status, a.decided_at, a.consumed_at, a.consumed_by, a.doc,
  (SELECT array_agg(v.vote ORDER BY v.n) FROM approval_votes v WHERE v.approval_id = a.id) AS votes
  FROM approvals a`;

/** Advisory lock class of one approval binding ('APPR'): serializes "open unless one is live". */
const OPEN_LOCK = 0x41505052;

const LIVE = `status IN ('pending', 'approved')`;

/** The extra reads a unit of work uses: the row locked until the unit ends. */
export interface PgApprovalRepo extends ApprovalRepo {
  getForUpdate(id: string): Promise<ApprovalRequest | undefined>;
  findConsumable(kind: ApprovalKind, requester: string, actionHash: string, nowIso: string): Promise<ApprovalRequest | undefined>;
}

export function createPgApprovalRepo(db: Db): PgApprovalRepo {
  const load = async (d: Db, id: string): Promise<ApprovalRequest | undefined> => {
    const [r] = await d.query<ApprovalRow>(`${SELECT} WHERE a.id = $1`, [id]);
    return r ? toRequest(r) : undefined;
  };
  /** Runs a conditional UPDATE … RETURNING id, then reads the row it changed (same transaction). */
  const changeOne = (sql: string, params: unknown[]): Promise<ApprovalRequest | undefined> =>
    db.atomic(async (tx) => {
      const [hit] = await tx.query<{ id: string }>(sql, params);
      return hit ? load(tx, hit.id) : undefined;
    });

  return {
    openOrGet(req, nowIso) {
      return db.atomic(async (tx) => {
        // Two replicas opening the same binding at once: the second waits, then finds the first.
        await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [OPEN_LOCK, `${req.kind}\u001f${req.requester}\u001f${req.actionHash}`]);
        const [live] = await tx.query<{ id: string }>(
          `SELECT id FROM approvals WHERE kind = $1 AND requester = $2 AND action_hash = $3 AND ${LIVE} AND expires_at > $4 ORDER BY created_at LIMIT 1`,
          [req.kind, req.requester, req.actionHash, nowIso],
        );
        if (live) return { request: (await load(tx, live.id))!, created: false };
        await tx.query(
          `INSERT INTO approvals (id, kind, requester, action_hash, status, created_at, expires_at, decided_at, consumed_at, consumed_by, vote_count, doc)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [req.id, req.kind, req.requester, req.actionHash, req.status, req.createdAt, req.expiresAt, req.decidedAt ?? null, req.consumedAt ?? null, req.consumedBy ?? null, req.votes.length, docOf(req)],
        );
        for (const [i, v] of req.votes.entries()) await tx.query('INSERT INTO approval_votes (approval_id, n, vote) VALUES ($1, $2, $3)', [req.id, i + 1, JSON.stringify(v)]);
        return { request: (await load(tx, req.id))!, created: true };
      });
    },
    get(id) {
      return load(db, id);
    },
    getForUpdate(id) {
      return db.atomic(async (tx) => {
        const [hit] = await tx.query<{ id: string }>('SELECT id FROM approvals WHERE id = $1 FOR UPDATE', [id]);
        return hit ? load(tx, hit.id) : undefined;
      });
    },
    findConsumable(kind, requester, actionHash, nowIso) {
      return db.atomic(async (tx) => {
        const [hit] = await tx.query<{ id: string }>(
          `SELECT id FROM approvals WHERE kind = $1 AND requester = $2 AND action_hash = $3 AND status = 'approved' AND expires_at > $4 ORDER BY created_at LIMIT 1 FOR UPDATE`,
          [kind, requester, actionHash, nowIso],
        );
        return hit ? load(tx, hit.id) : undefined;
      });
    },
    async list(filter: ApprovalFilter) {
      const rows = await db.query<ApprovalRow>(
        `${SELECT} WHERE ($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.requester = $2) AND ($3::text IS NULL OR a.kind = $3)
         ORDER BY a.created_at DESC, a.id DESC LIMIT $4`,
        [filter.status ?? null, filter.requester ?? null, filter.kind ?? null, Math.min(Math.max(filter.limit ?? 100, 1), 1000)],
      );
      return rows.map(toRequest);
    },
    recordVote(id: string, vote: ApprovalVote, next: Pick<ApprovalRequest, 'status' | 'decidedAt'>, nowIso: string, expectVotes?: number) {
      // One statement: the UPDATE's WHERE is re-checked on the latest row version after any
      // concurrent vote commits (READ COMMITTED), so a vote counted on a stale state never lands.
      return changeOne(
        `WITH upd AS (
           UPDATE approvals SET status = $2, decided_at = COALESCE($3, decided_at), vote_count = vote_count + 1
            WHERE id = $1 AND status = 'pending' AND expires_at > $4 AND ($5::integer IS NULL OR vote_count = $5)
            RETURNING id, vote_count)
         INSERT INTO approval_votes (approval_id, n, vote) SELECT id, vote_count, $6 FROM upd RETURNING approval_id AS id`,
        [id, next.status, next.decidedAt ?? null, nowIso, expectVotes ?? null, JSON.stringify(vote)],
      );
    },
    consume(kind, requester, actionHash, nowIso, consumedBy) {
      return changeOne(
        `UPDATE approvals SET status = 'consumed', consumed_at = $1, consumed_by = $2
          WHERE id = (SELECT id FROM approvals WHERE kind = $3 AND requester = $4 AND action_hash = $5 AND status = 'approved' AND expires_at > $1 ORDER BY created_at LIMIT 1)
            AND status = 'approved'
          RETURNING id`,
        [nowIso, consumedBy, kind, requester, actionHash],
      );
    },
    consumeById(id, actionHash, nowIso, consumedBy) {
      return changeOne(
        `UPDATE approvals SET status = 'consumed', consumed_at = $1, consumed_by = $2
          WHERE id = $3 AND action_hash = $4 AND status = 'approved' AND expires_at > $1 RETURNING id`,
        [nowIso, consumedBy, id, actionHash],
      );
    },
    cancel(id, nowIso) {
      return changeOne(`UPDATE approvals SET status = 'cancelled', decided_at = $1 WHERE id = $2 AND ${LIVE} RETURNING id`, [nowIso, id]);
    },
    async expire(nowIso) {
      return (await db.query(`UPDATE approvals SET status = 'expired' WHERE ${LIVE} AND expires_at <= $1 RETURNING id`, [nowIso])).length;
    },
  };
}
