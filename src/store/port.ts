import type { ElevationRepo } from '../elevation/repo.js';
import type { ApprovalRepo } from '../approval/repo.js';
import type { DelegationRepo } from '../delegation/repo.js';
import type { ApiKeyRecord, Identity, IdentityFilter } from '../identity/types.js';

/** Delegation links (issue #5): the port is declared beside its domain and re-exported here. */
export type { DelegationFilter, DelegationLink, DelegationRepo } from '../delegation/repo.js';

/**
 * The storage port. Every method is async so the SQLite adapter (synchronous driver) and a
 * PostgreSQL adapter can sit behind the same callers. Adapters own all SQL; the domain owns the
 * rules (the audit chain's hashing is passed in as `seal`, so adapters never decide what a hash is).
 */

export interface ChainHead {
  seq: number;
  hash: string;
}

/** What a caller asks to append; seq, prevHash and hash are assigned inside the store's transaction. */
export interface AuditEntry {
  at: string;
  kind: string;
  record: Record<string, unknown>;
}

export interface AuditRecord {
  writer: string;
  seq: number;
  at: string;
  kind: string;
  prevHash: string;
  hash: string;
  /** The record exactly as stored (canonical JSON text). */
  recordText: string;
}

/** Computes the next record of a chain from its head (pure; supplied by src/audit). */
export type SealFn = (writer: string, prev: ChainHead | undefined, entry: AuditEntry) => AuditRecord;

export interface SignedCheckpoint {
  writer: string;
  seq: number;
  hash: string;
  at: string;
  /** Compact JWS (EdDSA) over {writer, seq, hash, at}. */
  jws: string;
  kid: string;
}

export interface AuditRepo {
  /**
   * Appends entries, in order, chained after the writer's current head, all or none. Outside a
   * unit of work this is its own transaction; inside one it commits with the unit. The head is
   * read inside the transaction that writes (SQLite: under BEGIN IMMEDIATE; PostgreSQL: lock the
   * writer's head row, e.g. `SELECT … FOR UPDATE` on a per-writer row, before reading it).
   */
  append(writer: string, entries: AuditEntry[], seal: SealFn): Promise<AuditRecord[]>;
  /** The record at (writer, seq) exactly as stored, or undefined. */
  get(writer: string, seq: number): Promise<AuditRecord | undefined>;
  /** Records of one writer in seq order, starting at `fromSeq` (inclusive). */
  read(writer: string, fromSeq: number, limit: number): Promise<AuditRecord[]>;
  writers(): Promise<string[]>;
  head(writer: string): Promise<ChainHead | undefined>;
  saveCheckpoint(cp: SignedCheckpoint): Promise<void>;
  latestCheckpoint(writer: string): Promise<SignedCheckpoint | undefined>;
  /**
   * Records (any writer) whose JSON has `requestId` or `approvalId` equal to the given value, in
   * chain order: the raw material of an evidence document.
   */
  find(filter: { requestId?: string; approvalId?: string }, limit?: number): Promise<AuditRecord[]>;
}

/** Single use of execution grants: the first redeem of a jti wins, across replicas. */
export interface GrantLedger {
  /** True for the first redeem of `jti`, false for every later one. */
  redeem(jti: string, requestId: string, at: string, expiresAt: string): Promise<boolean>;
}

export interface StoredKey {
  kid: string;
  purpose: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  retiredAt?: string;
}

/**
 * Signing keys in the database: legacy only. Keys live behind the key provider (src/keys);
 * `runtime/open-keys.ts` moves any found here out on first start, and nothing writes here anymore.
 */
export interface KeyRepo {
  /** Keys of one purpose, newest first, retired ones included. */
  list(purpose: string): Promise<StoredKey[]>;
  insert(key: StoredKey): Promise<void>;
  retire(kid: string, at: string): Promise<void>;
  /** Deletes a key: used once, to move keys an older Airlock kept here into the key provider. */
  remove(kid: string): Promise<void>;
}

/** An audit record to append in the same transaction as a registry change (change ⇔ record). */
export interface AuditIntent {
  writer: string;
  seal: SealFn;
  entry: AuditEntry;
}

/** Where a change's audit record goes; the entry comes from the mutation. */
export interface AuditTarget {
  writer: string;
  seal: SealFn;
}

/**
 * A read-modify-write step run inside the adapter's transaction on the current row. Returns the
 * next value and the audit entry describing the change, or undefined when nothing changes. It may
 * throw (an AirlockError); the transaction then writes nothing. Must be synchronous.
 */
export type Mutation<T> = (current: T) => { next: T; entry: AuditEntry } | undefined;

/** NHIs and humans share one id space. */
export interface IdentityRepo {
  get(id: string): Promise<Identity | undefined>;
  /** Matching identities ordered by id; `limit` caps the rows. */
  list(filter: IdentityFilter): Promise<Identity[]>;
  count(): Promise<number>;
  /**
   * Inserts the identity, its first keys and the audit record in one transaction.
   * @throws AirlockError ERR_IDENTITY_EXISTS when the id is taken (nothing is written)
   */
  create(identity: Identity, keys: ApiKeyRecord[], audit: AuditIntent): Promise<AuditRecord>;
  /** Atomic read-modify-write plus its audit record; undefined when there is no such id. */
  update(id: string, mutate: Mutation<Identity>, audit: AuditTarget): Promise<{ identity: Identity; record?: AuditRecord } | undefined>;
  /** Raises `lastUsedAt` to the given times (never lowers it). Not audited: usage, not change. */
  recordUse(uses: ReadonlyMap<string, string>): Promise<void>;
}

export interface CredentialRepo {
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of one identity, oldest first. */
  listFor(identityId: string): Promise<ApiKeyRecord[]>;
  listAll(): Promise<ApiKeyRecord[]>;
  /** Keys not revoked and not expired at `nowIso`. */
  countActive(nowIso: string): Promise<number>;
  /** @throws AirlockError ERR_NOT_FOUND when the identity does not exist */
  insert(key: ApiKeyRecord, audit: AuditIntent): Promise<AuditRecord>;
  update(keyId: string, mutate: Mutation<ApiKeyRecord>, audit: AuditTarget): Promise<{ key: ApiKeyRecord; record?: AuditRecord } | undefined>;
  recordUse(uses: ReadonlyMap<string, string>): Promise<void>;
}

/**
 * Single acceptance of signed inbound callbacks (Slack signatures and clicks): the first sighting
 * of a key inside its window wins, across every replica sharing the store.
 */
export interface ReplayLedger {
  /** True the first time `key` is seen before `expiresAtMs`; false for every later sighting. */
  firstSeen(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/** Where a chat integration posted an approval's message (channel id and message ts). */
export interface ChatMessageRef {
  channel: string;
  ts: string;
}

/** Chat message references per approval, shared by replicas so any of them edits the same message. */
export interface ChatMessageRefs {
  get(approvalId: string): Promise<{ message?: ChatMessageRef; announced?: string } | undefined>;
  /** Merge-writes what is known. */
  put(approvalId: string, value: { message?: ChatMessageRef; announced?: string }): Promise<void>;
  /** True once per (approval, status): a decision seen by two replicas is announced once. */
  claimAnnouncement(approvalId: string, status: string): Promise<boolean>;
}

/**
 * Pre → post pairing of HTTP hooks: the decisions a PreToolUse was answered with, kept until its
 * PostToolUse reports the execution, which may reach another replica behind the load balancer.
 */
export interface HookPairings {
  /**
   * Keeps `value` (JSON text) under `key` until `expiresAtMs`; a later put of the key replaces it.
   * `nowMs` (the caller's clock) lets the adapter drop pairings that expired unclaimed.
   */
  put(key: string, value: string, expiresAtMs: number, nowMs: number): Promise<void>;
  /** The value, removed as it is read: one taker gets it, and nobody after it expired. */
  take(key: string, nowMs: number): Promise<string | undefined>;
}

/** What replicas tell each other (PostgreSQL LISTEN/NOTIFY). State itself is always in the store. */
export type ClusterEvent =
  /** An operator reloaded the policy bundle on one replica: every replica re-reads its bundle. */
  | { type: 'policy.reload'; version?: string }
  /** An approval left `pending` (or was cancelled): wake the waiters of that id. */
  | { type: 'approval.changed'; id: string }
  /** Signing keys of a purpose were rotated or retired: drop cached keys. */
  | { type: 'keys.changed'; purpose: string }
  /** The listening connection was lost and is back: events may have been missed, re-read state. */
  | { type: 'resync' };

/** Events between the processes sharing a store; absent where there is only one (SQLite, memory). */
export interface ClusterBus {
  /** Tells every other process; resolves once the database accepted the notification. */
  publish(event: ClusterEvent): Promise<void>;
  /** Events from other processes (never this one's own). Returns the unsubscribe function. */
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  /** Resolves once the first attempt to start listening finished (tests, readiness). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a unit of work may touch. The repos have the same contract as the store's own, with
 * every read seeing the unit's own writes and every write committing with the unit.
 */
export interface UnitOfWork {
  readonly audit: AuditRepo;
  readonly elevations: ElevationRepo;
  readonly approvals: ApprovalRepo;
  readonly delegations: DelegationRepo;
  readonly grants: GrantLedger;
}

/**
 * The unit of work (DESIGN §5): a state change and its audit record commit together or not at all.
 *
 * `store.transaction(async (tx) => { … })` runs `work` in one database transaction:
 * - **Atomic.** Everything written through `tx` commits when `work` resolves; if `work` throws
 *   (or the commit fails) nothing is written and the error is rethrown unchanged.
 * - **Isolated.** No other request's statement runs inside the unit, and no other request reads
 *   what it has not committed. Adapters with one connection (SQLite, memory) hold an in-process
 *   gate (`store/gate.ts`) from BEGIN to COMMIT; a pooled adapter (PostgreSQL) gives the unit its
 *   own connection.
 * - **Serialized where it matters.** Two units that change the same approval, link, grant or
 *   audit chain never both act on the same old state. SQLite: `BEGIN IMMEDIATE` takes the write
 *   lock first, which also serializes writers in other processes on the same file. PostgreSQL
 *   (READ COMMITTED is enough): `approvals.getForUpdate` / `findConsumable` are `SELECT … FOR
 *   UPDATE`, every state change is a conditional `UPDATE … WHERE status = …` (its row count is the
 *   answer), grant redemption is `INSERT … ON CONFLICT DO NOTHING`, and `audit.append` locks the
 *   writer's head row before reading it. Application code never writes on the strength of a read
 *   taken outside the unit.
 * - **Short.** `work` does no network I/O and waits for nothing but `tx` (and CPU-only work such
 *   as signing); the lock is held while it runs.
 * - **Not nested.** Inside `work`, use `tx`, never the store: SQLite and memory throw
 *   `NestedUnitOfWorkError` rather than deadlock. `tx` is dead once the unit ends.
 * - **Run once.** Adapters do not retry `work`; a failure is the caller's to report (fail closed).
 */
export interface Transactional {
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T>;
}

export interface Store extends Transactional {
  readonly kind: string;
  readonly audit: AuditRepo;
  readonly keys: KeyRepo;
  readonly identities: IdentityRepo;
  readonly credentials: CredentialRepo;
  readonly approvals: ApprovalRepo;
  readonly delegations: DelegationRepo;
  readonly grants: GrantLedger;
  /** Just-in-time elevations (docs/elevation.md). */
  readonly elevations: ElevationRepo;
  /** Slack replay guard (shared by replicas). */
  readonly replay: ReplayLedger;
  /** Slack message references (shared by replicas). */
  readonly chatRefs: ChatMessageRefs;
  /** HTTP hook pre → post pairing (shared by replicas). */
  readonly hookPairings: HookPairings;
  /** Cross-replica events; only adapters several processes share provide one (PostgreSQL). */
  readonly bus?: ClusterBus;
  /**
   * The database's clock in epoch milliseconds, where several processes share the store
   * (PostgreSQL): the one clock by which every replica judges expiry (threats.md P4).
   */
  serverTimeMs?(): Promise<number>;
  close(): Promise<void>;
}
