import type { AuthorizationRequest, Caller } from '../core/types.js';

export type ApprovalKind = 'approval' | 'confirmation';
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed' | 'cancelled';
export type VoteChannel = 'api' | 'cli' | 'console' | 'chat';

export interface ApprovalVote {
  /** uid text of the Human who decided, e.g. `Airlock::Human::"alice"`. */
  approver: string;
  decision: 'approve' | 'deny';
  reason: string;
  channel: VoteChannel;
  at: string;
  /**
   * Where the vote's audit record is: written in the same unit of work as the vote. Consumption
   * checks that the chain holds this record and that it says this vote (docs/approvals.md).
   */
  audit?: AuditRef;
}

/** A record in the audit chain: writer, sequence number and the record's hash. */
export interface AuditRef {
  writer: string;
  seq: number;
  hash: string;
}

/**
 * One request for an independent human approval (or a confirmation), bound to one action hash.
 * Values only: the store keeps it, the functions in this folder decide what may happen to it.
 */
export interface ApprovalRequest {
  id: string;
  kind: ApprovalKind;
  actionHash: string;
  request: AuthorizationRequest;
  /** The subject of the request, as uid text. */
  requester: string;
  caller: Caller;
  /** The Human named in `context.initiator`, as uid text, if any. */
  initiator?: string;
  /** Every identity on the delegation path (uid texts); empty without delegation. */
  delegationChain: string[];
  /** Cedar uid text of who may approve, e.g. `Airlock::Group::"sre-approvers"`. */
  approvers?: string;
  quorum: number;
  /** Separation-of-duties rules beyond the defaults, e.g. `owner`. */
  sod: string[];
  /** The subject's owner (uid text) when known; refused as approver when `sod` has `owner`. */
  owner?: string;
  policyIds: string[];
  reason?: string;
  /** Channels the determining policies route notifications to (`@notify`, e.g. `slack`). */
  notify?: string[];
  /** The command analyzer's view, when the action carries a command (shown to approvers). */
  command?: { risk?: string; summary?: string; findings?: string[] };
  /** Request id of the decision that opened it. */
  openedBy: string;
  status: ApprovalStatus;
  votes: ApprovalVote[];
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  consumedAt?: string;
  /** Request id of the decision that consumed it. */
  consumedBy?: string;
}

/** What the approval rules need to know about the person deciding. */
export interface ApproverFacts {
  /** uid text, e.g. `Airlock::Human::"alice"`. */
  uid: string;
  roles: readonly string[];
  active: boolean;
  /** uid texts of every group the person is in, transitively. */
  ancestors: readonly string[];
  /** uid texts of other identities that are the same person (second accounts; threats.md P5). */
  aliases?: readonly string[];
}
