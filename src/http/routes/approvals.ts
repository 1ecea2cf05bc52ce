import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VoteResult } from '../../approval/decide.js';
import type { ApprovalRequest, VoteChannel } from '../../approval/types.js';
import { AirlockError } from '../../core/errors.js';

import { asObject } from '../../core/request-shape.js';

import { redactRequest } from '../../gateway/redact-request.js';
import { entityTypeOf, uidOf } from '../../identity/entity.js';
import { hasRole } from '../../identity/subject.js';
import type { Identity } from '../../identity/types.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';
import { pepListsSubject } from '../auth.js';
import { qualifyType, uidKey } from '../../core/entity-uid.js';

export interface ApprovalRouteDeps {
  runtime: EdgeRuntime;
}

/** Longest a client may block on `…/wait`, seconds. */
export const MAX_WAIT_S = 60;

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'consumed', 'cancelled'] as const;

export function identityOf(req: FastifyRequest): Identity {
  const id = req.auth?.identity;
  if (!id) throw new AirlockError('ERR_UNAUTHENTICATED');
  return id;
}

/** Is `who` the caller recorded on the request? Type and id, never the id alone (an NHI named `slack` is not the Slack edge). */
export function isCallerOf(runtime: EdgeRuntime, who: Identity, caller: { type: string; id: string }): boolean {
  const ns = runtime.policies.current()?.namespace ?? 'Airlock';
  return caller.id === who.id && qualifyType(caller.type, ns) === entityTypeOf(who, ns);
}

/** People who decide or review see every request; an NHI sees only what it asked for or relayed. */
export function mayView(runtime: EdgeRuntime, who: Identity, a: ApprovalRequest): boolean {
  if (hasRole(who, 'admin') || hasRole(who, 'auditor') || hasRole(who, 'approver')) return true;
  const ns = runtime.policies.current()?.namespace ?? 'Airlock';
  const uid = uidKey(uidOf(who, ns));
  return a.requester === uid || isCallerOf(runtime, who, a.caller) || a.initiator === uid;
}

/** What the API shows of a request: everything but nothing secret (the request is the caller's own). */
export function approvalView(a: ApprovalRequest) {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    actionHash: a.actionHash,
    // Masked when stored; masked again here for requests stored before that rule.
    request: redactRequest(a.request),
    requester: a.requester,
    caller: a.caller,
    initiator: a.initiator ?? null,
    delegationChain: a.delegationChain,
    approvers: a.approvers ?? null,
    quorum: a.quorum,
    sod: a.sod,
    owner: a.owner ?? null,
    policyIds: a.policyIds,
    reason: a.reason ?? null,
    openedBy: a.openedBy,
    votes: a.votes,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    decidedAt: a.decidedAt ?? null,
    consumedAt: a.consumedAt ?? null,
    consumedBy: a.consumedBy ?? null,
  };
}

function reasonOf(body: unknown): string {
  if (body === undefined || body === null) return '';
  const o = asObject(body, '/');
  const r = o['reason'];
  if (r === undefined) return '';
  if (typeof r !== 'string' || r.length > 2000) throw new AirlockError('ERR_REQUEST_INVALID', '/reason: must be a string of at most 2000 characters', { path: '/reason' });
  return r;
}

function resultOf(r: VoteResult): ApprovalRequest {
  if (r.ok) return r.request;
  if (r.code === 'not_found') throw new AirlockError('ERR_APPROVAL_NOT_FOUND');
  if (r.code === 'conflict' || r.code === 'not_pending' || r.code === 'expired') throw new AirlockError('ERR_APPROVAL_CONFLICT', r.message, { rule: r.code });
  throw new AirlockError('ERR_APPROVAL_REFUSED', r.message, { rule: r.code });
}

/**
 * A person approves or denies: the one path every HTTP client takes (the API, the console), so the
 * separation-of-duties rules, the audit record and the error codes are the same whatever the channel.
 * `who` is the person as the channel authenticated them (the console may narrow the roles, never widen them).
 */
export async function castVote(runtime: EdgeRuntime, who: Identity, id: string, decision: 'approve' | 'deny', reason: string, channel: VoteChannel): Promise<ApprovalRequest> {
  if (who.class !== 'human') {
    throw new AirlockError('ERR_APPROVAL_REFUSED', 'only a person with the approver role decides approvals; an NHI never does', { rule: 'not_approver_role' });
  }
  // People get the rule that refuses them (the refusal is the product); NHIs were refused above.
  return resultOf(await runtime.approvals.vote(id, runtime.approvals.factsOf(who), decision, reason, channel));
}

/** The initiator (or the relaying pep) confirms: one path for the API and the console. */
export async function confirmAs(runtime: EdgeRuntime, who: Identity, caller: { type: string; id: string }, id: string, channel: VoteChannel, onBehalfOf?: string): Promise<ApprovalRequest> {
  const a = await runtime.approvals.get(id);
  if (!a) throw new AirlockError('ERR_APPROVAL_NOT_FOUND');
  const listsSubject = await pepListsSubject(runtime, who, a.request.subject);
  return resultOf(await runtime.approvals.confirm(id, { identity: who, caller: { type: caller.type, id: caller.id }, listsSubject, ...(onBehalfOf ? { onBehalfOf } : {}) }, channel));
}

/** Approvals and confirmations over HTTP (DESIGN §2 step 6; issue "trust-to-action"). */
export function registerApprovalRoutes(app: FastifyInstance, deps: ApprovalRouteDeps): void {
  const { runtime } = deps;
  const desk = runtime.approvals;

  async function visible(req: FastifyRequest, id: string): Promise<ApprovalRequest> {
    const a = await desk.get(id);
    // An id you may not see answers exactly like an unknown id (no oracle).
    if (!a || !mayView(runtime, identityOf(req), a)) throw new AirlockError('ERR_APPROVAL_NOT_FOUND');
    return a;
  }

  app.get('/v1/approvals', async (req) => {
    const q = req.query as Record<string, unknown>;
    const status = q['status'];
    if (status !== undefined && !(STATUSES as readonly unknown[]).includes(status)) {
      throw new AirlockError('ERR_REQUEST_INVALID', `?status: one of ${STATUSES.join(', ')}`, { path: '?status' });
    }
    const kind = q['kind'];
    if (kind !== undefined && kind !== 'approval' && kind !== 'confirmation') throw new AirlockError('ERR_REQUEST_INVALID', '?kind: approval or confirmation', { path: '?kind' });
    const limit = q['limit'] === undefined ? 100 : Number(q['limit']);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new AirlockError('ERR_REQUEST_INVALID', '?limit: 1 to 1000', { path: '?limit' });
    const who = identityOf(req);
    const all = await desk.list({ ...(status ? { status: status as (typeof STATUSES)[number] } : {}), ...(kind ? { kind: kind as 'approval' } : {}), limit });
    // `status` filters the stored state; an expired one may still be stored as pending: re-filter the view.
    return { approvals: all.filter((a) => mayView(runtime, who, a) && (status === undefined || a.status === status)).map(approvalView) };
  });

  app.get<{ Params: { id: string } }>('/v1/approvals/:id', async (req) => approvalView(await visible(req, req.params.id)));

  app.get<{ Params: { id: string } }>('/v1/approvals/:id/wait', async (req) => {
    await visible(req, req.params.id);
    const raw = (req.query as Record<string, unknown>)['timeout'];
    const timeoutS = raw === undefined ? 30 : Number(raw);
    if (!Number.isFinite(timeoutS) || timeoutS < 0 || timeoutS > MAX_WAIT_S) {
      throw new AirlockError('ERR_REQUEST_INVALID', `?timeout: seconds from 0 to ${MAX_WAIT_S}`, { path: '?timeout' });
    }
    const a = await desk.waitFor(req.params.id, timeoutS * 1000);
    if (!a) throw new AirlockError('ERR_APPROVAL_NOT_FOUND');
    return approvalView(a);
  });

  for (const decision of ['approve', 'deny'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/approvals/:id/${decision}`, { config: { bodyOptional: true } }, async (req) => {
      const reason = reasonOf(req.body);
      return approvalView(await castVote(runtime, identityOf(req), req.params.id, decision, reason, 'api'));
    });
  }

  app.post<{ Params: { id: string } }>('/v1/confirmations/:id/confirm', { config: { bodyOptional: true } }, async (req) => {
    const who = identityOf(req);
    const body = req.body === undefined ? {} : asObject(req.body, '/');
    const onBehalfOf = body['onBehalfOf'];
    if (onBehalfOf !== undefined && typeof onBehalfOf !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', '/onBehalfOf: uid text of the person who confirmed', { path: '/onBehalfOf' });
    return approvalView(await confirmAs(runtime, who, req.auth!.caller, req.params.id, 'api', typeof onBehalfOf === 'string' ? onBehalfOf : undefined));
  });

  app.post<{ Params: { id: string } }>('/v1/approvals/:id/cancel', { config: { bodyOptional: true } }, async (req) => {
    const who = identityOf(req);
    const a = await visible(req, req.params.id);
    if (!hasRole(who, 'admin') && !isCallerOf(runtime, who, a.caller)) throw new AirlockError('ERR_FORBIDDEN', 'only the caller that opened it, or an admin, cancels a request');
    const r = await desk.cancel(a.id, who.id, reasonOf(req.body));
    if (!r) throw new AirlockError('ERR_APPROVAL_CONFLICT', `request ${a.id} is ${a.status}`);
    return approvalView(r);
  });
}
