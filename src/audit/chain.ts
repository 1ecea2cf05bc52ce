import { createHash } from 'node:crypto';
import { canonicalize } from '../core/canonical-json.js';
import type { AuditEntry, AuditRecord, ChainHead } from '../store/port.js';

/** prevHash of a chain's first record. */
export const GENESIS_HASH = 'sha256:' + '0'.repeat(64);

/**
 * hash = SHA-256 over the canonical JSON of {seq, writer, at, kind, prevHash, record}. The hash
 * covers the sequence number, the writer and the timestamp, so reordering, renumbering, moving a
 * record to another writer's chain or changing only its time all break the chain (threats.md §3.9).
 */
export function recordHash(r: { writer: string; seq: number; at: string; kind: string; prevHash: string }, record: unknown): string {
  const body = canonicalize({ seq: r.seq, writer: r.writer, at: r.at, kind: r.kind, prevHash: r.prevHash, record });
  return 'sha256:' + createHash('sha256').update(body).digest('hex');
}

/**
 * `recordHash` for a record already in canonical form (its stored text): the same bytes hashed,
 * without canonicalizing the record a second time. The members are written in RFC 8785 order
 * (at < kind < prevHash < record < seq < writer); a canonical text is itself canonical JSON.
 */
export function recordHashOfText(r: { writer: string; seq: number; at: string; kind: string; prevHash: string }, recordText: string): string {
  const body = `{"at":${canonicalize(r.at)},"kind":${canonicalize(r.kind)},"prevHash":${canonicalize(r.prevHash)},"record":${recordText},"seq":${canonicalize(r.seq)},"writer":${canonicalize(r.writer)}}`;
  return 'sha256:' + createHash('sha256').update(body).digest('hex');
}

export function sealRecord(writer: string, prev: ChainHead | undefined, entry: AuditEntry): AuditRecord {
  const seq = prev ? prev.seq + 1 : 1;
  const prevHash = prev ? prev.hash : GENESIS_HASH;
  const header = { writer, seq, at: entry.at, kind: entry.kind, prevHash };
  const recordText = canonicalize(entry.record);
  return { ...header, hash: recordHashOfText(header, recordText), recordText };
}

export type VerifyProblem =
  | { kind: 'content'; seq: number; message: string }
  | { kind: 'link'; seq: number; message: string }
  | { kind: 'gap'; seq: number; message: string }
  | { kind: 'truncated'; seq: number; message: string };

/**
 * Streaming verifier for one writer's chain. Feed records in stored order; the first problem is
 * the answer. A record that was edited (any byte of the stored JSON, including whitespace) fails
 * its own hash; a deleted, inserted or swapped record breaks the seq run or the prevHash link.
 */
export class ChainVerifier {
  private prev: ChainHead | undefined;
  count = 0;
  problem: VerifyProblem | undefined;

  readonly writer: string;
  /** `from`: a head already trusted (a signed checkpoint); verification continues after it. */
  constructor(writer: string, from?: ChainHead) {
    this.writer = writer;
    this.prev = from;
  }

  push(r: AuditRecord): boolean {
    if (this.problem) return false;
    const expectedSeq = this.prev ? this.prev.seq + 1 : 1;
    if (r.seq !== expectedSeq) {
      this.problem = { kind: 'gap', seq: r.seq, message: `expected seq ${expectedSeq}, found ${r.seq}` };
      return false;
    }
    const expectedPrev = this.prev ? this.prev.hash : GENESIS_HASH;
    if (r.prevHash !== expectedPrev) {
      this.problem = { kind: 'link', seq: r.seq, message: 'prevHash does not match the previous record' };
      return false;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.recordText);
    } catch {
      this.problem = { kind: 'content', seq: r.seq, message: 'record is not valid JSON' };
      return false;
    }
    if (canonicalize(parsed) !== r.recordText || recordHash(r, parsed) !== r.hash) {
      this.problem = { kind: 'content', seq: r.seq, message: 'record content does not match its hash' };
      return false;
    }
    this.prev = { seq: r.seq, hash: r.hash };
    this.count++;
    return true;
  }

  get head(): ChainHead | undefined {
    return this.prev;
  }
}

/** Does one record's stored content still hash to its stored hash (links aside)? */
export function recordIntact(r: AuditRecord): boolean {
  try {
    const parsed: unknown = JSON.parse(r.recordText);
    return canonicalize(parsed) === r.recordText && recordHash(r, parsed) === r.hash;
  } catch {
    return false;
  }
}
