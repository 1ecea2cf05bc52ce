import type { ApprovalKind, ApprovalRequest, ApprovalVote } from './types.js';

export interface ApprovalFilter {
  status?: ApprovalRequest['status'];
  requester?: string;
  kind?: ApprovalKind;
  limit?: number;
}

/**
 * Storage of approval and confirmation requests. Every state change is a conditional write, so
 * two replicas (or two concurrent retries) can never both consume one approval (DESIGN §5, §6).
 */
export interface ApprovalRepo {
  /**
   * Opens a request unless one is already pending (or approved and unconsumed) for the same
   * kind, requester and action hash; returns that one instead (idempotent open).
   */
  openOrGet(req: ApprovalRequest, nowIso: string): Promise<{ request: ApprovalRequest; created: boolean }>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /**
   * Inside a unit of work: the row as it is now, locked until the unit ends (PostgreSQL `SELECT …
   * FOR UPDATE`; SQLite's IMMEDIATE transaction already holds the lock). Outside one, `get`.
   */
  getForUpdate(id: string): Promise<ApprovalRequest | undefined>;
  /**
   * The oldest approved, unexpired request of this kind for (requester, actionHash), locked like
   * `getForUpdate`; the gateway verifies its votes before `consumeById` flips it.
   */
  findConsumable(kind: ApprovalKind, requester: string, actionHash: string, nowIso: string): Promise<ApprovalRequest | undefined>;
  list(filter: ApprovalFilter): Promise<ApprovalRequest[]>;
  /**
   * Records a vote when the request is still pending and unexpired at `nowIso`, and moves it to
   * `next` status in the same write. Returns undefined when the request was not pending (someone
   * else resolved it first): the caller re-reads and reports. With `expectVotes`, also only when
   * the request holds exactly that many votes (compare-and-set on the state the vote was counted
   * against, so two votes counted on the same old state can never both land).
   */
  recordVote(id: string, vote: ApprovalVote, next: Pick<ApprovalRequest, 'status' | 'decidedAt'>, nowIso: string, expectVotes?: number): Promise<ApprovalRequest | undefined>;
  /**
   * Atomically consumes the approved, unexpired request of this kind for (requester, actionHash):
   * exactly one caller gets it, every other gets undefined.
   */
  consume(kind: ApprovalKind, requester: string, actionHash: string, nowIso: string, consumedBy: string): Promise<ApprovalRequest | undefined>;
  /** Consumes one approved request by id when it is bound to `actionHash` (AuthZEN re-evaluation). */
  consumeById(id: string, actionHash: string, nowIso: string, consumedBy: string): Promise<ApprovalRequest | undefined>;
  cancel(id: string, nowIso: string): Promise<ApprovalRequest | undefined>;
  /** Marks pending/approved requests past their expiry as expired; returns how many. */
  expire(nowIso: string): Promise<number>;
}
