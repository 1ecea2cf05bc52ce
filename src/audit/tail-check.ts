import type { CryptoKey } from 'jose';
import type { AuditRepo } from '../store/port.js';
import { ChainVerifier } from './chain.js';
import { verifyCheckpoint } from './checkpoint.js';
import type { TrustedHead } from './verify.js';

export interface TailProblem {
  writer: string;
  seq: number;
  message: string;
}

/** Without a checkpoint, how many of the newest records are checked at start. */
const UNANCHORED_TAIL = 1000;

/**
 * The start-up check (DESIGN §5: "a server refuses to serve a chain that does not verify at
 * start"). For each chain: its latest stored checkpoint must carry a valid signature from a key
 * of the key provider, and the chain must still reach it unchanged and continue from it intact to
 * its head; every trusted head (anchors) must still be in it. Cost: the records written since the
 * last checkpoint (or the last 1000), not the whole log.
 */
export async function checkChainTails(
  repo: AuditRepo,
  opts: { writers: string[]; trustedKey: (kid: string) => Promise<CryptoKey | undefined>; heads?: TrustedHead[] },
): Promise<TailProblem[]> {
  const problems: TailProblem[] = [];
  const writers = new Set([...(await repo.writers()), ...opts.writers, ...(opts.heads ?? []).map((h) => h.writer)]);
  for (const writer of writers) {
    const head = await repo.head(writer);
    const cp = await repo.latestCheckpoint(writer);
    let from: { seq: number; hash: string } | undefined;
    if (cp) {
      try {
        const p = await verifyCheckpoint(cp.jws, opts.trustedKey);
        if (p.writer !== writer || p.seq !== cp.seq || p.hash !== cp.hash) throw new Error('the signed payload differs from the stored checkpoint row');
      } catch (e) {
        problems.push({ writer, seq: cp.seq, message: `the latest checkpoint (seq ${cp.seq}) does not verify with the key provider's audit keys: ${(e as Error).message}` });
        continue;
      }
      from = cp;
    }
    // A trusted head newer than the stored checkpoint is the stronger claim.
    for (const h of opts.heads ?? []) if (h.writer === writer && (!from || h.seq > from.seq)) from = h;
    if (from && (!head || head.seq < from.seq)) {
      problems.push({ writer, seq: head?.seq ?? 0, message: `the log ends at seq ${head?.seq ?? 0} but a signed head for seq ${from.seq} exists: records were removed` });
      continue;
    }
    if (!head) continue;
    const start = from ? from.seq : Math.max(1, head.seq - UNANCHORED_TAIL + 1);
    const first = (await repo.read(writer, start, 1))[0];
    if (!first || first.seq !== start || (from && first.hash !== from.hash)) {
      problems.push({ writer, seq: start, message: from ? `record ${start} differs from the signed head` : `record ${start} is missing` });
      continue;
    }
    // The checkpointed record itself is re-hashed too: its stored hash matching is not enough.
    const v = new ChainVerifier(writer, start > 1 ? { seq: first.seq - 1, hash: first.prevHash } : undefined);
    // Up to the head read above, no further: on a shared database the other replicas keep
    // appending to their chains while this one starts, and their newer records are not this
    // check's business (reading on would make a live chain look longer than its head).
    for (let seq = start; seq <= head.seq; ) {
      const page = await repo.read(writer, seq, Math.min(1000, head.seq - seq + 1));
      if (page.length === 0) break;
      for (const r of page) if (r.seq > head.seq || !v.push(r)) break;
      if (v.problem) break;
      seq = page.at(-1)!.seq + 1;
    }
    if (v.problem) problems.push({ writer, seq: v.problem.seq, message: v.problem.message });
    else if (v.head?.seq !== head.seq) problems.push({ writer, seq: head.seq, message: `the chain stops at seq ${v.head?.seq} but its head is ${head.seq}` });
  }
  return problems;
}
