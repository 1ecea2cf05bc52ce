import { recordIntact } from '../audit/chain.js';
import type { EvidenceSource } from '../audit/evidence.js';
import { verifyAudit, type VerifyReport } from '../audit/verify.js';
import type { AuditRepo, SignedCheckpoint } from '../store/port.js';
import { collectEvidenceSources } from './evidence-sources.js';

/** A decision record found by a search, with where it sits in the log. */
export interface FoundDecision {
  seq: number;
  writer: string;
  at: string;
  rec: Record<string, unknown>;
}

/**
 * The audit log as the edges read it (HTTP evidence routes, the console): queries over the chains,
 * never writes. Writes go through the audit writer and the desks, in the unit of work of their
 * state change.
 */
export interface AuditLog {
  /** Every record about one action: its own, and those of the approvals it opened or used. */
  evidence(requestId: string): Promise<EvidenceSource[]>;
  /** The record at `writer:seq` has this hash, is intact, and is linked to its neighbours in the chain. */
  inChain(writer: string, seq: number, hash: string): Promise<boolean>;
  /** Decision records among the newest `window` records of every chain that `match`, newest first. */
  recentDecisions(match: (rec: Record<string, unknown>) => boolean, limit: number, window: number): Promise<FoundDecision[]>;
  /** `audit verify` over every chain, with no trusted key (internal consistency and stored checkpoints). */
  verify(): Promise<VerifyReport>;
  latestCheckpoint(writer: string): Promise<SignedCheckpoint | undefined>;
}

export function createAuditLog(repo: AuditRepo): AuditLog {
  return {
    evidence: (requestId) => collectEvidenceSources(repo, requestId),

    async inChain(writer, seq, hash) {
      const r = await repo.get(writer, seq);
      if (!r || r.hash !== hash || !recordIntact(r)) return false;
      const prev = seq > 1 ? await repo.get(writer, seq - 1) : undefined;
      if (seq > 1 && (!prev || prev.hash !== r.prevHash)) return false;
      const next = await repo.get(writer, seq + 1);
      return next === undefined || next.prevHash === r.hash;
    },

    async recentDecisions(match, limit, window) {
      const out: FoundDecision[] = [];
      for (const writer of await repo.writers()) {
        const head = await repo.head(writer);
        if (!head) continue;
        for (let seq = Math.max(1, head.seq - window + 1); seq <= head.seq; seq += 1000) {
          for (const r of await repo.read(writer, seq, 1000)) {
            if (r.kind !== 'decision') continue;
            const rec = JSON.parse(r.recordText) as Record<string, unknown>;
            if (match(rec)) out.push({ seq: r.seq, writer, at: r.at, rec });
          }
        }
      }
      out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
      return out.slice(0, limit);
    },

    verify: () => verifyAudit(repo),
    latestCheckpoint: (writer) => repo.latestCheckpoint(writer),
  };
}
