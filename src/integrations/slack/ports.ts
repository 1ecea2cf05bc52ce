import type { VoteResult } from '../../approval/decide.js';
import type { ApprovalRequest, ApproverFacts } from '../../approval/types.js';
import type { ChatContext, ChatHuman, HumanDirectory } from '../chat/provenance.js';

/**
 * What the Slack adapter needs from the rest of Airlock. The runtime wires these to the approval
 * repo, the identity registry, the evidence assembly and the gateway (runtime/slack.ts); the
 * adapter's unit tests use small fixtures for what does not involve a gateway.
 */
export type { ChatHuman, HumanDirectory };

/**
 * An approval as the adapter renders it: the stored request plus facts the wiring may add.
 * Everything optional is derived from `request` when absent.
 */
export type SlackApproval = ApprovalRequest & {
  /** Channels policy routes notifications to (`@notify("slack")`). */
  notify?: readonly string[];
  /** The analyzer's view of the command, when the action carries one. */
  command?: { text?: string; risk?: string; summary?: string; findings?: readonly string[] };
};

export interface ApprovalDesk {
  get(id: string): Promise<SlackApproval | undefined>;
  /**
   * Records one vote under the approval rules (eligibility, separation of duties, quorum,
   * expiry) — `voteOnApproval(repo, id, who, decision, reason, channel, clock.now())` plus the
   * audit record of the vote and the `approval.decided` event.
   */
  vote(id: string, who: ApproverFacts, decision: 'approve' | 'deny', reason: string, channel: 'chat'): Promise<VoteResult>;
  /** Pending approvals this Human may decide now (checkApprover says ok), newest first. */
  pendingFor(who: ApproverFacts): Promise<SlackApproval[]>;
}

/** The evidence record of one action, as the slash command shows it. */
export interface EvidenceView {
  requestId: string;
  subject?: string;
  action?: string;
  resource?: string;
  initiator?: string;
  chat?: Partial<ChatContext>;
  outcome?: string;
  approvals: { id: string; status?: string; votes: { approver: string; decision: string; channel?: string; at?: string }[] }[];
  execution?: { status?: string; at?: string };
  reversal?: { reverses?: string; requestedAs?: string; available?: boolean };
  /** Proof pointers: how many audit records, and the last one's hash. */
  records: number;
  lastHash?: string;
}

export interface EvidenceReader {
  /** By request id (or approval id: the wiring may accept both). */
  get(id: string): Promise<EvidenceView | undefined>;
}

/** The answer of a reversal request, which went through the pipeline like any action. */
export type ReversalOutcome =
  | { status: 'allowed'; requestId: string }
  | { status: 'approval_required'; requestId: string; approvalId: string }
  | { status: 'denied'; requestId?: string; reason: string }
  | { status: 'not_found' }
  | { status: 'not_reversible'; reason: string };

export interface ReversalStarter {
  /**
   * Opens the reversal of the action recorded under `evidenceId` as a new request through the
   * gateway (same bot NHI as subject, `context.chat` = where the reversal was asked, `reverses` =
   * the original request id). The chat user who asked becomes the initiator, so they cannot
   * approve it themselves.
   */
  start(input: { evidenceId: string; by: ChatHuman; chat: ChatContext }): Promise<ReversalOutcome>;
}

/** Where the adapter posted things for one approval, so later updates edit the same messages. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export interface MessageRefStore {
  get(approvalId: string): Promise<{ message?: SlackMessageRef; announced?: string } | undefined>;
  /** Merge-writes what is known. */
  put(approvalId: string, value: { message?: SlackMessageRef; announced?: string }): Promise<void>;
  /**
   * Claims the right to announce `status` in the originating thread: true once per (approval,
   * status), so a decision seen through both the click and the `approval.decided` event is told once.
   */
  claimAnnouncement(approvalId: string, status: string): Promise<boolean>;
}

/** In-memory message refs (one process). A multi-replica deployment stores them with the approval. */
export function createMemoryMessageRefs(): MessageRefStore {
  const rows = new Map<string, { message?: SlackMessageRef; announced?: string }>();
  return {
    async get(id) {
      const r = rows.get(id);
      return r && { ...r };
    },
    async put(id, value) {
      rows.set(id, { ...rows.get(id), ...value });
    },
    async claimAnnouncement(id, status) {
      const r = rows.get(id) ?? {};
      if (r.announced === status) return false;
      rows.set(id, { ...r, announced: status });
      return true;
    },
  };
}
