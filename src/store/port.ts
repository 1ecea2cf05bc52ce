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
  /** Appends entries in one transaction, in order, chained after the writer's current head. */
  append(writer: string, entries: AuditEntry[], seal: SealFn): Promise<AuditRecord[]>;
  /** Records of one writer in seq order, starting at `fromSeq` (inclusive). */
  read(writer: string, fromSeq: number, limit: number): Promise<AuditRecord[]>;
  writers(): Promise<string[]>;
  head(writer: string): Promise<ChainHead | undefined>;
  saveCheckpoint(cp: SignedCheckpoint): Promise<void>;
  latestCheckpoint(writer: string): Promise<SignedCheckpoint | undefined>;
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

export interface KeyRepo {
  /** Keys of one purpose, newest first, retired ones included. */
  list(purpose: string): Promise<StoredKey[]>;
  insert(key: StoredKey): Promise<void>;
  retire(kid: string, at: string): Promise<void>;
}

export interface Store {
  readonly kind: string;
  readonly audit: AuditRepo;
  readonly keys: KeyRepo;
  close(): Promise<void>;
}
