import type { AuditEntry, AuditRecord, AuditRepo, ChainHead, SealFn, SignedCheckpoint } from '../port.js';
import type { Db } from './db.js';

interface AuditRow {
  writer: string;
  seq: string | number;
  at: string;
  kind: string;
  prev_hash: string;
  hash: string;
  record: string;
}

const toRecord = (r: AuditRow): AuditRecord => ({
  writer: r.writer,
  seq: Number(r.seq),
  at: r.at,
  kind: r.kind,
  prevHash: r.prev_hash,
  hash: r.hash,
  recordText: r.record,
});

/** Advisory lock class of audit chain heads ('AIRL' 'HEAD'); the object id is hashtext(writer). */
const HEAD_LOCK = 0x48454144;

/** The ids evidence lookups search by, taken from the record as the caller wrote it. */
function lookupIds(entry: AuditEntry): [string | null, string | null] {
  const r = entry.record as { requestId?: unknown; approvalId?: unknown };
  return [typeof r.requestId === 'string' ? r.requestId : null, typeof r.approvalId === 'string' ? r.approvalId : null];
}

/**
 * Appends inside an open transaction: lock the writer's chain, read its head, seal, insert. The
 * lock is held to COMMIT, so two appenders of one writer (a replica and a CLI sharing a writer id)
 * queue rather than fork the chain; the (writer, seq) key would refuse a fork anyway.
 */
export async function appendInTx(db: Db, writer: string, entries: AuditEntry[], seal: SealFn): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [HEAD_LOCK, writer]);
  const [h] = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit WHERE writer = $1 ORDER BY seq DESC LIMIT 1', [writer]);
  let head: ChainHead | undefined = h ? { seq: Number(h.seq), hash: h.hash } : undefined;
  const out: AuditRecord[] = [];
  for (const e of entries) {
    const rec = seal(writer, head, e);
    out.push(rec);
    head = { seq: rec.seq, hash: rec.hash };
  }
  // One multi-row INSERT per batch: a group commit of hundreds of records is one round trip.
  const cols = 9;
  const values: unknown[] = [];
  const rows = out.map((rec, i) => {
    const [requestId, approvalId] = lookupIds(entries[i]!);
    values.push(rec.writer, rec.seq, rec.at, rec.kind, rec.prevHash, rec.hash, rec.recordText, requestId, approvalId);
    return `(${Array.from({ length: cols }, (_, j) => `$${i * cols + j + 1}`).join(', ')})`;
  });
  await db.query(`INSERT INTO audit (writer, seq, at, kind, prev_hash, hash, record, request_id, approval_id) VALUES ${rows.join(', ')}`, values);
  return out;
}

export function createPgAuditRepo(db: Db): AuditRepo {
  return {
    append(writer, entries, seal) {
      return db.atomic((tx) => appendInTx(tx, writer, entries, seal));
    },
    async get(writer, seq) {
      const [row] = await db.query<AuditRow>('SELECT * FROM audit WHERE writer = $1 AND seq = $2', [writer, seq]);
      return row ? toRecord(row) : undefined;
    },
    async read(writer, fromSeq, limit) {
      const rows = await db.query<AuditRow>('SELECT * FROM audit WHERE writer = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [writer, fromSeq, limit]);
      return rows.map(toRecord);
    },
    async writers() {
      // A loose index scan: one probe per writer instead of reading every record.
      const rows = await db.query<{ writer: string }>(
        `WITH RECURSIVE w(writer) AS (
           (SELECT writer FROM audit ORDER BY writer LIMIT 1)
           UNION ALL
           SELECT (SELECT a.writer FROM audit a WHERE a.writer > w.writer ORDER BY a.writer LIMIT 1) FROM w WHERE w.writer IS NOT NULL
         )
         SELECT writer FROM w WHERE writer IS NOT NULL`,
      );
      return rows.map((r) => r.writer);
    },
    async head(writer) {
      const [h] = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit WHERE writer = $1 ORDER BY seq DESC LIMIT 1', [writer]);
      return h ? { seq: Number(h.seq), hash: h.hash } : undefined;
    },
    async saveCheckpoint(cp: SignedCheckpoint) {
      await db.query('INSERT INTO audit_checkpoints (writer, seq, hash, at, jws, kid) VALUES ($1, $2, $3, $4, $5, $6)', [cp.writer, cp.seq, cp.hash, cp.at, cp.jws, cp.kid]);
    },
    async latestCheckpoint(writer) {
      const [r] = await db.query<SignedCheckpoint & { seq: string }>(
        'SELECT writer, seq, hash, at, jws, kid FROM audit_checkpoints WHERE writer = $1 ORDER BY seq DESC, id DESC LIMIT 1',
        [writer],
      );
      return r ? { ...r, seq: Number(r.seq) } : undefined;
    },
    async find(filter, limit = 1000) {
      const parts: string[] = [];
      const args: unknown[] = [];
      if (filter.requestId !== undefined) args.push(filter.requestId), parts.push(`SELECT * FROM audit WHERE request_id = $${args.length}`);
      if (filter.approvalId !== undefined) args.push(filter.approvalId), parts.push(`SELECT * FROM audit WHERE approval_id = $${args.length}`);
      if (parts.length === 0) return [];
      args.push(Math.max(1, Math.min(limit, 10_000)));
      const rows = await db.query<AuditRow>(`SELECT * FROM (${parts.join(' UNION ')}) f ORDER BY at, writer, seq LIMIT $${args.length}`, args);
      return rows.map(toRecord);
    },
  };
}
