import type { AuditRepo } from '../store/port.js';
import { ChainVerifier, type VerifyProblem } from './chain.js';

export interface VerifyReport {
  ok: boolean;
  writers: { writer: string; count: number; head?: { seq: number; hash: string }; problem?: VerifyProblem }[];
  total: number;
  /** Set when a saved head was given: does the log still reach it, unchanged? */
  anchor?: { writer: string; seq: number; ok: boolean; message?: string };
}

/** Verifies every writer's chain, and optionally that a saved head is still part of it. */
export async function verifyAudit(repo: AuditRepo, anchor?: { writer: string; seq: number; hash: string }): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, writers: [], total: 0 };
  const writers = await repo.writers();
  if (anchor && !writers.includes(anchor.writer)) writers.push(anchor.writer);
  for (const writer of writers) {
    const v = new ChainVerifier(writer);
    let anchorHash: string | undefined;
    for (let from = 1; ; ) {
      const page = await repo.read(writer, from, 1000);
      if (page.length === 0) break;
      for (const r of page) {
        if (!v.push(r)) break;
        if (anchor && anchor.writer === writer && r.seq === anchor.seq) anchorHash = r.hash;
      }
      if (v.problem) break;
      from = page.at(-1)!.seq + 1;
    }
    const entry: VerifyReport['writers'][number] = { writer, count: v.count };
    if (v.head) entry.head = v.head;
    if (v.problem) {
      entry.problem = v.problem;
      report.ok = false;
    }
    report.writers.push(entry);
    report.total += v.count;
    if (anchor && anchor.writer === writer) {
      if (anchorHash === anchor.hash) report.anchor = { writer, seq: anchor.seq, ok: true };
      else {
        report.ok = false;
        const missing = !v.head || v.head.seq < anchor.seq;
        report.anchor = {
          writer,
          seq: anchor.seq,
          ok: false,
          message: missing ? `the log ends at seq ${v.head?.seq ?? 0}, before the saved head at seq ${anchor.seq} (records were removed)` : `record ${anchor.seq} differs from the saved head`,
        };
      }
    }
  }
  return report;
}
