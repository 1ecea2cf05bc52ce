import { EventEmitter } from 'node:events';
import { StaleVoteError, confirmAction, voteOnApproval, type RecordVote, type VoteResult } from '../approval/decide.js';
import type { ApprovalFilter, ApprovalRepo } from '../approval/repo.js';
import { effectiveStatus } from '../approval/rules.js';
import { voteRecord } from '../approval/vote-proof.js';
import type { ApprovalRequest, ApproverFacts, VoteChannel } from '../approval/types.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Clock } from '../core/clock.js';
import { uuidv7 } from '../core/ids.js';

import type { PolicyHolder } from '../gateway/policy-holder.js';
import { uidOf } from '../identity/entity.js';
import type { Identity } from '../identity/types.js';
import type { WebhookDispatcher } from '../integrations/webhooks/dispatcher.js';
import { chatApprovalEventData } from '../integrations/chat/approval-event.js';
import { uidKey } from '../core/entity-uid.js';

/**
 * Where people act on approvals and confirmations, whatever the channel (API, CLI, console, chat):
 * eligibility and the conditional write come from `approval/`, every vote commits with its audit
 * record in one unit of work, then an event (webhooks, long-poll waiters, chat).
 */
export interface ApprovalDesk {
  get(id: string): Promise<ApprovalRequest | undefined>;
  list(filter: ApprovalFilter): Promise<ApprovalRequest[]>;
  /** The approval rules' view of a registry identity: roles, groups and their ancestor groups. */
  factsOf(identity: Identity): ApproverFacts;
  vote(id: string, who: ApproverFacts, decision: 'approve' | 'deny', reason: string, channel: VoteChannel): Promise<VoteResult>;
  /** `caller` as the request's caller is recorded; `listsSubject`: a pep's grant lists the request's subject now. */
  confirm(id: string, by: { identity: Identity; caller: { type: string; id: string }; listsSubject: boolean; onBehalfOf?: string }, channel: VoteChannel): Promise<VoteResult>;
  /** Closes a pending request (`cancelled`); `reason` goes into its record (e.g. the person asked declined it). */
  cancel(id: string, by: string, reason?: string): Promise<ApprovalRequest | undefined>;
  /** Resolves with the request once it leaves `pending`, or with its state when `timeoutMs` passes. */
  waitFor(id: string, timeoutMs: number): Promise<ApprovalRequest | undefined>;
  /** A new request was opened (by the gateway). */
  opened(a: ApprovalRequest): void;
  /** Another replica changed this approval (LISTEN/NOTIFY): waiters re-read it now. */
  changedElsewhere(id: string): void;
  /** Subscribe to every change (opened, decided); returns the unsubscribe function. */
  onChange(listener: (event: 'approval.created' | 'approval.decided', a: ApprovalRequest) => void): () => void;
  /** Subscribe to votes that leave a request pending (a quorum not yet reached): live views only, no webhook. */
  onVote(listener: (a: ApprovalRequest) => void): () => void;
}

export interface ApprovalDeskDeps {
  repo: ApprovalRepo;
  audit: AuditWriter;
  clock: Clock;
  policies: PolicyHolder;
  webhooks?: WebhookDispatcher;
  /** Public base URL of the gateway: webhook payloads link to the approval. */
  publicUrl?: string;
  /** How often a waiter re-reads the store, for changes made by another process. */
  pollMs?: number;
}

export function createApprovalDesk(deps: ApprovalDeskDeps): ApprovalDesk {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const pollMs = deps.pollMs ?? 500;

  const view = (a: ApprovalRequest): ApprovalRequest => ({ ...a, status: effectiveStatus(a, deps.clock.now()) });

  function publish(event: 'approval.created' | 'approval.decided', a: ApprovalRequest): void {
    bus.emit('change', event, a);
    bus.emit(`id:${a.id}`, a);
    deps.webhooks?.emit({
      type: event,
      id: uuidv7(deps.clock.now()),
      at: new Date(deps.clock.now()).toISOString(),
      // Enough for any chat (Teams, Mattermost, Discord) to render the Slack message (docs/chat.md).
      data: { ...chatApprovalEventData(a, deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}) },
    });
  }

  /**
   * One unit of work per vote: the request is re-read inside it, and the vote, the status it
   * leads to and the vote's audit record commit together (docs/approvals.md, "Atomicity").
   */
  async function inUnit(id: string, cast: (repo: ApprovalRepo, record: RecordVote) => Promise<VoteResult>): Promise<VoteResult> {
    let r: VoteResult;
    try {
      r = await deps.audit.transaction((tx, log) =>
        cast(tx.approvals, async (vote, next) => {
          const rec = await log('approval.vote', voteRecord(next, vote));
          return { writer: rec.writer, seq: rec.seq, hash: rec.hash };
        }),
      );
    } catch (err) {
      if (!(err instanceof StaleVoteError)) throw err;
      const now = await deps.repo.get(id);
      return { ok: false, code: 'conflict', message: 'the request was resolved by someone else first', ...(now ? { request: now } : {}) };
    }
    if (r.ok && r.resolved) publish('approval.decided', r.request);
    else if (r.ok) bus.emit('vote', r.request);
    return r;
  }

  return {
    async get(id) {
      const a = await deps.repo.get(id);
      return a && view(a);
    },
    async list(filter) {
      return (await deps.repo.list(filter)).map(view);
    },
    factsOf(identity) {
      const bundle = deps.policies.current();
      const ns = bundle?.namespace ?? 'Airlock';
      const ancestors = new Set<string>();
      const stack = identity.groups.map((g) => ({ type: `${ns}::Group`, id: g }));
      while (stack.length > 0) {
        const g = stack.pop()!;
        const k = uidKey(g);
        if (ancestors.has(k)) continue;
        ancestors.add(k);
        stack.push(...(bundle?.staticEntities.get(k)?.parents ?? []));
      }
      return {
        uid: uidKey(uidOf(identity, ns)),
        roles: identity.class === 'human' ? identity.roles : [],
        active: identity.status === 'active',
        ancestors: [...ancestors],
      };
    },
    async vote(id, who, decision, reason, channel) {
      return inUnit(id, (repo, record) => voteOnApproval(repo, id, who, decision, reason, channel, deps.clock.now(), record));
    },
    async confirm(id, by, channel) {
      const ns = deps.policies.current()?.namespace ?? 'Airlock';
      const who = {
        uid: uidKey(uidOf(by.identity, ns)),
        isHuman: by.identity.class === 'human',
        isPep: by.identity.class === 'nhi' && by.identity.pep !== undefined,
        caller: { type: by.caller.type, id: by.caller.id },
        listsSubject: by.listsSubject,
        ...(by.onBehalfOf ? { onBehalfOf: by.onBehalfOf } : {}),
      };
      return inUnit(id, (repo, record) => confirmAction(repo, id, who, channel, deps.clock.now(), record));
    },
    async cancel(id, by, reason) {
      const r = await deps.audit.transaction(async (tx, log) => {
        const cancelled = await tx.approvals.cancel(id, new Date(deps.clock.now()).toISOString());
        if (cancelled) await log('approval.cancelled', { requestId: cancelled.openedBy, approvalId: id, by, ...(reason ? { reason } : {}) });
        return cancelled;
      });
      if (r) publish('approval.decided', r);
      return r;
    },
    async waitFor(id, timeoutMs) {
      const first = await this.get(id);
      if (!first || first.status !== 'pending') return first;
      return new Promise((resolve) => {
        let done = false;
        const finish = async () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          clearInterval(poll);
          bus.off(`id:${id}`, onEvent);
          resolve(await this.get(id));
        };
        const onEvent = () => void finish();
        // Another process (CLI, a second replica) may decide: re-read the store now and then.
        const poll = setInterval(() => {
          void this.get(id).then((a) => {
            if (a && a.status !== 'pending') void finish();
          });
        }, pollMs);
        const timer = setTimeout(() => void finish(), timeoutMs);
        bus.on(`id:${id}`, onEvent);
      });
    },
    opened(a) {
      publish('approval.created', a);
    },
    changedElsewhere(id) {
      // Only the waiters: webhooks and chat updates were sent by the replica that decided.
      bus.emit(`id:${id}`);
    },
    onChange(listener) {
      bus.on('change', listener);
      return () => bus.off('change', listener);
    },
    onVote(listener) {
      bus.on('vote', listener);
      return () => bus.off('vote', listener);
    },
  };
}
