import type { CryptoKey } from 'jose';
import type { AuditRepo, ChainHead } from '../store/port.js';
import { ChainVerifier, type VerifyProblem } from './chain.js';
import { verifyCheckpoint } from './checkpoint.js';

/** A signed head the verifier already holds (exported earlier, or an anchor), signature checked. */
export interface TrustedHead {
  writer: string;
  seq: number;
  hash: string;
  /** Where it came from, for the report (a file name). */
  source?: string;
}

export interface HeadCheck {
  writer: string;
  seq: number;
  ok: boolean;
  source?: string;
  message?: string;
}

export interface CheckpointCheck extends HeadCheck {
  /** `verified`: signed by a trusted key; `not_checked`: no trusted key (consistency only); `invalid`. */
  signature: 'verified' | 'not_checked' | 'invalid';
}

export interface VerifyReport {
  ok: boolean;
  writers: { writer: string; count: number; head?: { seq: number; hash: string }; problem?: VerifyProblem; checkpoint?: CheckpointCheck }[];
  total: number;
  /** Set when a saved head was given: does the log still reach it, unchanged? */
  anchor?: HeadCheck;
  /** Every trusted head given (saved heads, anchors). */
  heads: HeadCheck[];
}

export interface VerifyOptions {
  /** Heads the verifier holds; the log must still reach each, unchanged. */
  heads?: TrustedHead[];
  /**
   * Public keys the verifier trusts for checkpoint signatures. Without it, stored checkpoints are
   * checked for consistency only (a party who can rewrite the database can also rewrite those).
   */
  trustedKey?: (kid: string) => Promise<CryptoKey | undefined>;
  /** Check each writer's latest stored checkpoint (default true). */
  checkpoints?: boolean;
}

/** Does the chain of `writer`, whose verified head is `head`, still hold `h` unchanged? */
export async function reaches(repo: AuditRepo, head: ChainHead | undefined, h: { seq: number; hash: string }, writer: string): Promise<string | undefined> {
  if (!head || head.seq < h.seq) return `the log ends at seq ${head?.seq ?? 0}, before the signed head at seq ${h.seq} (records were removed)`;
  const [r] = await repo.read(writer, h.seq, 1);
  if (!r || r.seq !== h.seq || r.hash !== h.hash) return `record ${h.seq} differs from the signed head`;
  return undefined;
}

/**
 * Verifies every writer's chain; that each writer's latest stored signed checkpoint is still in
 * it (a cut tail is caught without any file kept elsewhere, unless the checkpoints were cut too);
 * and that every trusted head given is still in it. Which of these are independent of the
 * machine that wrote the log is what docs/operations.md "What audit verify proves" explains.
 */
export async function verifyAudit(repo: AuditRepo, anchor?: TrustedHead, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, writers: [], total: 0, heads: [] };
  const heads = [...(anchor ? [anchor] : []), ...(opts.heads ?? [])];
  const writers = await repo.writers();
  for (const h of heads) if (!writers.includes(h.writer)) writers.push(h.writer);
  for (const writer of writers) {
    const v = new ChainVerifier(writer);
    for (let from = 1; ; ) {
      const page = await repo.read(writer, from, 1000);
      if (page.length === 0) break;
      for (const r of page) if (!v.push(r)) break;
      if (v.problem) break;
      from = page.at(-1)!.seq + 1;
    }
    const entry: VerifyReport['writers'][number] = { writer, count: v.count };
    if (v.head) entry.head = v.head;
    if (v.problem) {
      entry.problem = v.problem;
      report.ok = false;
    }
    if (opts.checkpoints !== false) {
      const cp = await repo.latestCheckpoint(writer);
      if (cp) {
        let signature: CheckpointCheck['signature'] = 'not_checked';
        let message: string | undefined;
        if (opts.trustedKey) {
          try {
            const p = await verifyCheckpoint(cp.jws, opts.trustedKey);
            if (p.writer !== cp.writer || p.seq !== cp.seq || p.hash !== cp.hash) throw new Error('the signed payload differs from the stored checkpoint row');
            signature = 'verified';
          } catch (e) {
            signature = 'invalid';
            message = `checkpoint signature does not verify with a trusted key: ${(e as Error).message}`;
          }
        }
        message ??= await reaches(repo, v.head, cp, writer);
        entry.checkpoint = { writer, seq: cp.seq, ok: message === undefined, signature, ...(message ? { message } : {}) };
        if (message) report.ok = false;
      }
    }
    report.writers.push(entry);
    report.total += v.count;
    for (const h of heads.filter((x) => x.writer === writer)) {
      const message = await reaches(repo, v.head, h, writer);
      const check: HeadCheck = { writer, seq: h.seq, ok: !message, ...(h.source ? { source: h.source } : {}), ...(message ? { message } : {}) };
      if (message) report.ok = false;
      report.heads.push(check);
      if (h === anchor) report.anchor = check;
    }
  }
  return report;
}
