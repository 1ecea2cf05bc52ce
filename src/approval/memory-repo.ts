import type { ApprovalFilter, ApprovalRepo } from './repo.js';
import type { ApprovalRequest } from './types.js';

/** A memory adapter's undo: `snapshot()` returns the function that puts the state back. */
export interface Snapshotable {
  snapshot(): () => void;
}

const live = (r: ApprovalRequest, nowIso: string) => (r.status === 'pending' || r.status === 'approved') && r.expiresAt > nowIso;

/**
 * The reference adapter. JavaScript runs one callback at a time and no method awaits between its
 * read and its write, so each method is atomic like the SQL adapters' conditional updates.
 */
export function createMemoryApprovalRepo(): ApprovalRepo & Snapshotable {
  let rows = new Map<string, ApprovalRequest>();
  const copy = (r: ApprovalRequest): ApprovalRequest => structuredClone(r);

  return {
    snapshot() {
      const saved = new Map([...rows].map(([k, v]) => [k, copy(v)]));
      return () => {
        rows = saved;
      };
    },
    async openOrGet(req, nowIso) {
      for (const r of rows.values()) {
        if (r.kind === req.kind && r.requester === req.requester && r.actionHash === req.actionHash && live(r, nowIso)) {
          return { request: copy(r), created: false };
        }
      }
      rows.set(req.id, copy(req));
      return { request: copy(req), created: true };
    },
    async get(id) {
      const r = rows.get(id);
      return r && copy(r);
    },
    async getForUpdate(id) {
      const r = rows.get(id);
      return r && copy(r);
    },
    async findConsumable(kind, requester, actionHash, nowIso) {
      for (const r of rows.values()) {
        if (r.kind === kind && r.requester === requester && r.actionHash === actionHash && r.status === 'approved' && r.expiresAt > nowIso) return copy(r);
      }
      return undefined;
    },
    async list(filter: ApprovalFilter) {
      return [...rows.values()]
        .filter((r) => (filter.status === undefined || r.status === filter.status) && (filter.requester === undefined || r.requester === filter.requester) && (filter.kind === undefined || r.kind === filter.kind))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, filter.limit ?? 100)
        .map(copy);
    },
    async recordVote(id, vote, next, nowIso, expectVotes) {
      const r = rows.get(id);
      if (!r || r.status !== 'pending' || r.expiresAt <= nowIso) return undefined;
      if (expectVotes !== undefined && r.votes.length !== expectVotes) return undefined;
      r.votes.push(structuredClone(vote));
      r.status = next.status;
      if (next.decidedAt !== undefined) r.decidedAt = next.decidedAt;
      return copy(r);
    },
    async consume(kind, requester, actionHash, nowIso, consumedBy) {
      for (const r of rows.values()) {
        if (r.kind === kind && r.requester === requester && r.actionHash === actionHash && r.status === 'approved' && r.expiresAt > nowIso) {
          r.status = 'consumed';
          r.consumedAt = nowIso;
          r.consumedBy = consumedBy;
          return copy(r);
        }
      }
      return undefined;
    },
    async consumeById(id, actionHash, nowIso, consumedBy) {
      const r = rows.get(id);
      if (!r || r.actionHash !== actionHash || r.status !== 'approved' || r.expiresAt <= nowIso) return undefined;
      r.status = 'consumed';
      r.consumedAt = nowIso;
      r.consumedBy = consumedBy;
      return copy(r);
    },
    async cancel(id, nowIso) {
      const r = rows.get(id);
      if (!r || (r.status !== 'pending' && r.status !== 'approved')) return undefined;
      r.status = 'cancelled';
      r.decidedAt = nowIso;
      return copy(r);
    },
    async expire(nowIso) {
      let n = 0;
      for (const r of rows.values()) {
        if ((r.status === 'pending' || r.status === 'approved') && r.expiresAt <= nowIso) {
          r.status = 'expired';
          n++;
        }
      }
      return n;
    },
  };
}
