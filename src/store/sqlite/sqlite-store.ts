import Database from 'better-sqlite3';
import { AirlockError } from '../../core/errors.js';
import type { AuditEntry, AuditRecord, AuditRepo, ChainHead, KeyRepo, SealFn, SignedCheckpoint, Store, StoredKey, GrantLedger, UnitOfWork } from '../port.js';
import { createGate } from '../gate.js';
import { createSqliteElevationRepo } from './elevation-repo.js';
import { APPROVAL_WRITES, AUDIT_WRITES, ELEVATION_WRITES, CREDENTIAL_WRITES, DELEGATION_WRITES, GRANT_WRITES, IDENTITY_WRITES, KEY_WRITES, gatedRepo, unitRepo } from '../views.js';
import { createSqliteIdentityRepos } from './identity-tables.js';
import { createSqliteApprovalRepo } from './approval-repo.js';
import { createSqliteDelegationRepo } from './delegation-repo.js';
import { migrate } from './migrations.js';
import { createSqliteChatState } from './chat-state.js';
import { createSqliteHookPairings } from './hook-pairings.js';
import { createWalSync, type WalSync } from './wal-sync.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { cacheRegistry } from '../registry-cache.js';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  path: string;
  /** SQLite busy timeout: how long a writer waits for another process's lock. */
  busyTimeoutMs?: number;
  /**
   * After this many durable writes the WAL is checkpointed by a worker thread instead of inside
   * commits on the event loop (checkpointer.ts); a short-lived command never gets that far.
   * 0: never (checkpoints stay automatic). Default 64.
   */
  backgroundCheckpointAfter?: number;
  /**
   * With background checkpoints, the WAL size at which a commit still checkpoints by itself (the
   * backstop against a WAL that never catches up; checkpointer.ts). Default 16 MiB: about SQLite's
   * own 1,000 pages of 16 KiB, so the WAL (and its index, which every read searches) is no larger
   * than without the worker.
   */
  walBackstopBytes?: number;
  /** A background failure (the checkpoint worker); the store carries on with automatic checkpoints. */
  onBackgroundError?(e: Error): void;
}

interface AuditRow {
  writer: string;
  seq: number;
  at: string;
  kind: string;
  prev_hash: string;
  hash: string;
  record: string;
}

const toRecord = (r: AuditRow): AuditRecord => ({
  writer: r.writer,
  seq: r.seq,
  at: r.at,
  kind: r.kind,
  prevHash: r.prev_hash,
  hash: r.hash,
  recordText: r.record,
});

/**
 * SQLite adapter (better-sqlite3, WAL). Every write resolves only once it is fsynced, so an
 * answered decision survives a crash of the process and of the OS (threats.md L3). The fsync of
 * synchronous=FULL runs off the event loop (wal-sync.ts): commits use NORMAL and each write then
 * waits for a WAL fsync that began after its commit, shared by the writes of that moment.
 */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  let db: Database.Database;
  let walSync: WalSync | undefined;
  try {
    db = new Database(opts.path);
    // 16 KiB pages for a new file (no effect on an existing one): ~1.1 KB audit rows fill them to
    // ~95%, where 4 KiB pages hold three and waste a third (issue 13, docs/operations.md).
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    // Only a file in WAL mode has a WAL to sync; anything else keeps FULL (fsync in the commit).
    if (opts.path !== ':memory:' && opts.path !== '' && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal') {
      walSync = createWalSync(`${opts.path}-wal`);
      db.pragma('synchronous = NORMAL');
    }
  } catch (cause) {
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `cannot open SQLite store at ${opts.path}: ${(cause as Error).message}`, undefined, { cause });
  }

  const headStmt = db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM audit WHERE writer = ? ORDER BY seq DESC LIMIT 1');
  const insertStmt = db.prepare(
    'INSERT INTO audit (writer, seq, at, kind, prev_hash, hash, record) VALUES (@writer, @seq, @at, @kind, @prevHash, @hash, @recordText)',
  );
  const readStmt = db.prepare<[string, number, number], AuditRow>('SELECT * FROM audit WHERE writer = ? AND seq >= ? ORDER BY seq LIMIT ?');
  const atStmt = db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE writer = ? AND seq = ?');

  // BEGIN IMMEDIATE takes the write lock first, so the head read and the inserts are one atomic
  // step even when another process (e.g. `airlock authorize` next to `serve`) writes the same file.
  const appendRows = (writer: string, entries: AuditEntry[], seal: SealFn): AuditRecord[] => {
    let head: ChainHead | undefined = headStmt.get(writer);
    const out: AuditRecord[] = [];
    for (const e of entries) {
      const rec = seal(writer, head, e);
      insertStmt.run(rec);
      out.push(rec);
      head = { seq: rec.seq, hash: rec.hash };
    }
    return out;
  };
  const appendTx = db.transaction(appendRows);

  // The registry appends a change's audit record inside its own transaction (a nested call of a
  // better-sqlite3 transaction function is a savepoint), so a change and its record commit together.
  const { identities, credentials } = createSqliteIdentityRepos(db, (writer, entries, seal) => appendTx(writer, entries, seal));

  const audit: AuditRepo = {
    async append(writer, entries, seal) {
      return appendTx.immediate(writer, entries, seal);
    },
    async read(writer, fromSeq, limit) {
      return readStmt.all(writer, fromSeq, limit).map(toRecord);
    },
    async get(writer, seq) {
      const r = atStmt.get(writer, seq);
      return r ? toRecord(r) : undefined;
    },
    async writers() {
      return db
        .prepare<[], { writer: string }>('SELECT DISTINCT writer FROM audit ORDER BY writer')
        .all()
        .map((r) => r.writer);
    },
    async head(writer) {
      return headStmt.get(writer);
    },
    async saveCheckpoint(cp: SignedCheckpoint) {
      db.prepare('INSERT INTO audit_checkpoints (writer, seq, hash, at, jws, kid) VALUES (?, ?, ?, ?, ?, ?)').run(cp.writer, cp.seq, cp.hash, cp.at, cp.jws, cp.kid);
    },
    async latestCheckpoint(writer) {
      return db
        .prepare<[string], SignedCheckpoint>('SELECT writer, seq, hash, at, jws, kid FROM audit_checkpoints WHERE writer = ? ORDER BY seq DESC, id DESC LIMIT 1')
        .get(writer);
    },
    async find(filter, limit = 1000) {
      // The expressions match the indexes of migration 3 exactly, so these are index lookups.
      const parts: string[] = [];
      const args: string[] = [];
      if (filter.requestId !== undefined) parts.push(`SELECT * FROM audit WHERE json_extract(record, '$.requestId') = ?`), args.push(filter.requestId);
      if (filter.approvalId !== undefined) parts.push(`SELECT * FROM audit WHERE json_extract(record, '$.approvalId') = ?`), args.push(filter.approvalId);
      if (parts.length === 0) return [];
      const sql = `SELECT * FROM (${parts.join(' UNION ')}) ORDER BY at, writer, seq LIMIT ${Math.max(1, Math.min(limit, 10_000))}`;
      return db.prepare<string[], AuditRow>(sql).all(...args).map(toRecord);
    },
  };

  const grants: GrantLedger = {
    async redeem(jti, requestId, at, expiresAt) {
      // INSERT OR IGNORE on the primary key: exactly one redeem of a jti changes a row.
      return db.prepare('INSERT OR IGNORE INTO grant_redemptions (jti, request_id, redeemed_at, expires_at) VALUES (?, ?, ?, ?)').run(jti, requestId, at, expiresAt).changes === 1;
    },
  };

  const keys: KeyRepo = {
    async list(purpose) {
      return db
        .prepare<[string], { kid: string; purpose: string; alg: string; private_jwk: string; public_jwk: string; created_at: string; retired_at: string | null }>(
          'SELECT * FROM signing_keys WHERE purpose = ? ORDER BY created_at DESC, rowid DESC',
        )
        .all(purpose)
        .map((r) => {
          const k: StoredKey = { kid: r.kid, purpose: r.purpose, alg: r.alg, privateJwk: r.private_jwk, publicJwk: r.public_jwk, createdAt: r.created_at };
          if (r.retired_at) k.retiredAt = r.retired_at;
          return k;
        });
    },
    async insert(k) {
      db.prepare('INSERT INTO signing_keys (kid, purpose, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        k.kid,
        k.purpose,
        k.alg,
        k.privateJwk,
        k.publicJwk,
        k.createdAt,
      );
    },
    async retire(kid, at) {
      db.prepare('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL').run(at, kid);
    },
    async remove(kid) {
      db.prepare('DELETE FROM signing_keys WHERE kid = ?').run(kid);
    },
  };

  const approvals = createSqliteApprovalRepo(db);
  const delegations = createSqliteDelegationRepo(db);
  const elevations = createSqliteElevationRepo(db);

  // One connection: the gate keeps other requests' statements out of an open unit of work (and
  // out of its uncommitted rows); BEGIN IMMEDIATE keeps other processes out until COMMIT.
  const gate = createGate();
  const chat = createSqliteChatState(db);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  let checkpointer: Checkpointer | undefined;
  let untilCheckpointer = opts.backgroundCheckpointAfter ?? 64;
  const startBackgroundCheckpoints = (): void => {
    checkpointer = startCheckpointer({
      path: opts.path,
      backstopPages: Math.max(1, Math.ceil((opts.walBackstopBytes ?? 16 * 1024 * 1024) / Number(db.pragma('page_size', { simple: true })))),
      setAutoCheckpoint: (pages) => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
      },
      onError: (e) => (opts.onBackgroundError ?? ((err) => process.emitWarning(err)))(e),
    });
  };
  const durable = walSync
    ? () => {
        if (untilCheckpointer > 0 && --untilCheckpointer === 0) startBackgroundCheckpoints();
        return walSync.durable();
      }
    : undefined;
  // Identities and keys are read on every authenticated request (a key and up to three
  // identities): kept in memory, each read first asking SQLite whether another connection has
  // committed since (data_version changes on every other connection's commit, never on ours;
  // ours go through the cache's own writes). A failing check bypasses the cache.
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  // A principal's active elevations (read on every decision) are kept the same way. Elevations are
  // written in units of work: such a write empties the cache before it runs, and no read can fill
  // it again before the unit ends (reads that miss wait at the gate; reads begun before the write
  // are not filed).
  const registry = cacheRegistry(
    {
      identities: gatedRepo(identities, gate, durable, IDENTITY_WRITES),
      credentials: gatedRepo(credentials, gate, durable, CREDENTIAL_WRITES),
      elevations: gatedRepo(elevations, gate, durable, ELEVATION_WRITES),
    },
    { current: () => dataVersion.get() },
  );

  return {
    kind: 'sqlite',
    audit: gatedRepo(audit, gate, durable, AUDIT_WRITES),
    keys: gatedRepo(keys, gate, durable, KEY_WRITES),
    identities: registry.identities,
    credentials: registry.credentials,
    approvals: gatedRepo(approvals, gate, durable, APPROVAL_WRITES),
    delegations: gatedRepo(delegations, gate, durable, DELEGATION_WRITES),
    grants: gatedRepo(grants, gate, durable, GRANT_WRITES),
    elevations: registry.elevations,
    replay: gatedRepo(chat.replay, gate, durable, ['firstSeen']),
    chatRefs: gatedRepo(chat.chatRefs, gate, durable, ['put', 'claimAnnouncement']),
    hookPairings: gatedRepo(createSqliteHookPairings(db), gate, durable, ['put', 'take']),
    async transaction(work) {
      const out = await gate.exclusive(async () => {
        const unit = { open: true };
        /** A failed append inside the unit: the unit cannot commit. */
        let appendFailed: { cause: unknown } | undefined;
        // Statements inside run in this transaction (a nested better-sqlite3 transaction
        // function becomes a savepoint), so every repo method keeps its own atomicity too.
        // Except the audit append, the one write of every decision: it runs without a savepoint
        // (whose journal copied each page it touched and, past 64 KiB, spilled to a temp file;
        // issue 14), and if it fails part way the whole unit rolls back instead, even if `work`
        // catches the error.
        const unitAudit: AuditRepo = {
          ...audit,
          async append(writer, entries, seal) {
            try {
              return appendRows(writer, entries, seal);
            } catch (cause) {
              appendFailed = { cause };
              throw cause;
            }
          },
        };
        const tx: UnitOfWork = {
          audit: unitRepo(unitAudit, unit, AUDIT_WRITES),
          approvals: unitRepo(approvals, unit, APPROVAL_WRITES),
          delegations: unitRepo(delegations, unit, DELEGATION_WRITES),
          grants: unitRepo(grants, unit, GRANT_WRITES),
          elevations: unitRepo(elevations, unit, ELEVATION_WRITES, registry.invalidate),
        };
        begin.run();
        try {
          const out = await work(tx);
          unit.open = false;
          if (appendFailed) throw appendFailed.cause;
          commit.run();
          return out;
        } catch (err) {
          unit.open = false;
          if (db.inTransaction) rollback.run();
          throw err;
        }
      });
      // Outside the gate: the next unit commits while this one's fsync runs.
      if (durable) await durable();
      return out;
    },
    close() {
      // After any open unit of work, so a unit never loses its connection halfway.
      return gate.exclusive(async () => {
        await checkpointer?.close();
        await walSync?.close();
        if (db.open) db.close();
      });
    },
    // Exposed for adapters' own tests and fault injection (threats.md F1: PRAGMA max_page_count).
    ...({ db } as object),
  };
}
