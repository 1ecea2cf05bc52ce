import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApprovalRequest } from '../../approval/types.js';
import { hashAction } from '../../core/action-hash.js';
import { isAirlockError } from '../../core/errors.js';
import { asObject, parseAuthorizationRequest } from '../../core/request-shape.js';
import type { Decision } from '../../core/types.js';
import { signBinding, verifyBinding } from '../../grants/binding-token.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';
import { identityOf, mayView } from './approvals.js';

/**
 * OpenID AuthZEN Access Request and Approval Profile (draft 1), standards.md §1.6: a requestable
 * denial carries `context.access_request`; the PEP opens a task at the access request endpoint,
 * polls it, and on approval re-evaluates with `context.approval`, which Airlock consumes only for
 * exactly the same action.
 */
const ERR = 'urn:openid:authzen:access-request:error:';

function problem(reply: FastifyReply, status: number, type: string, detail: string) {
  return reply.code(status).type('application/problem+json').send({ type: ERR + type, title: type.replace(/_/g, ' '), status, detail });
}

/** ARAP task states; `consumed` (used once) is reported as approved-and-used. */
function taskStatus(a: ApprovalRequest): string {
  return a.status === 'consumed' ? 'approved' : a.status;
}

export function taskView(a: ApprovalRequest, base: string) {
  const task = {
    id: a.id,
    status: taskStatus(a),
    status_endpoint: `${base}/access/v1/requests/${a.id}`,
    expires_at: a.expiresAt,
    progress: { approvals: a.votes.filter((v) => v.decision === 'approve').length, required: a.quorum },
    links: { cancel: `${base}/access/v1/requests/${a.id}/cancel` },
  };
  const result =
    a.status === 'approved'
      ? { mode: 'reevaluate', approval: { id: a.id, approved_at: a.decidedAt, approved_until: a.expiresAt, state: a.status } }
      : undefined;
  return result ? { task, result } : { task };
}

/** Adds the profile's fields to a requestable denial (approval_required) in an AuthZEN answer. */
export async function requestableDenial(runtime: EdgeRuntime, d: Decision, base: string): Promise<Record<string, unknown>> {
  if (d.outcome !== 'approval_required' || !d.approval) return {};
  const expiresAt = d.approval.expiresAt ?? new Date(runtime.clock.now() + runtime.config.approvalTtlMs).toISOString();
  const binding = await signBinding(
    { ahash: d.actionHash, rid: d.requestId, apr: d.approval.id, exp: Math.floor(Date.parse(expiresAt) / 1000) },
    runtime.config.issuer,
    await runtime.grantKeys.current(),
  );
  return {
    reason: 'approval_required',
    evaluation_id: d.requestId,
    evaluated_at: d.decidedAt,
    access_request: { expires_at: expiresAt, binding_token: binding, endpoint: `${base}/access/v1/requests` },
  };
}

export function registerAccessRequestRoutes(app: FastifyInstance, deps: { runtime: EdgeRuntime; baseUrl(req: FastifyRequest): string }): void {
  const { runtime } = deps;

  async function ownTask(req: FastifyRequest, id: string): Promise<ApprovalRequest | undefined> {
    // One visibility rule for approvals, whichever API asks (approvals.ts).
    const a = await runtime.approvals.get(id);
    return a && mayView(runtime, identityOf(req), a) ? a : undefined;
  }

  app.post('/access/v1/requests', async (req, reply) => {
    let body: Record<string, unknown>;
    let request;
    try {
      body = asObject(req.body, '/');
      request = parseAuthorizationRequest(body);
    } catch (e) {
      if (isAirlockError(e)) return problem(reply, 400, 'not_requestable', e.message);
      throw e;
    }
    const denial = body['denial'] === undefined ? undefined : asObject(body['denial'], '/denial');
    const token = denial?.['binding_token'];
    if (typeof token !== 'string') return problem(reply, 400, 'invalid_denial_binding', 'denial.binding_token from the requestable denial is required');
    const nowS = Math.floor(runtime.clock.now() / 1000);
    const claims = await verifyBinding(token, { issuer: runtime.config.issuer, nowS, keyFor: (kid) => runtime.grantKeys.publicKey(kid) });
    if (!claims) return problem(reply, 400, 'invalid_denial_binding', 'the binding token does not verify or has expired');
    // Exact match (the profile's default scope): the request must be the one that was denied.
    const { approval: _a, ...ctx } = request.context ?? {};
    if (claims.ahash !== hashAction({ ...request, context: ctx })) return problem(reply, 400, 'invalid_denial_binding', 'the request is not the action the denial was for');
    const a = await runtime.approvals.get(claims.apr);
    if (!a) return problem(reply, 404, 'unknown_task', `no task ${claims.apr}`);
    if (!(await ownTask(req, a.id))) return problem(reply, 404, 'unknown_task', `no task ${claims.apr}`);
    if (a.status === 'expired') return problem(reply, 410, 'expired_denial', 'the denial has expired; evaluate again');
    // Idempotent by construction: the same denial always maps to the same task (Idempotency-Key honoured trivially).
    const terminal = a.status !== 'pending';
    reply.code(terminal ? 201 : 202).header('location', `${deps.baseUrl(req)}/access/v1/requests/${a.id}`);
    if (!terminal) reply.header('retry-after', '2');
    return taskView(a, deps.baseUrl(req));
  });

  app.get<{ Params: { id: string } }>('/access/v1/requests/:id', async (req, reply) => {
    const a = await ownTask(req, req.params.id);
    if (!a) return problem(reply, 404, 'unknown_task', `no task ${req.params.id}`);
    if (a.status === 'pending') reply.header('retry-after', '2');
    return taskView(a, deps.baseUrl(req));
  });

  app.post<{ Params: { id: string } }>('/access/v1/requests/:id/cancel', { config: { bodyOptional: true } }, async (req, reply) => {
    const a = await ownTask(req, req.params.id);
    if (!a) return problem(reply, 404, 'unknown_task', `no task ${req.params.id}`);
    const r = await runtime.approvals.cancel(a.id, identityOf(req).id);
    if (!r) return problem(reply, 409, 'invalid_task_state', `task ${a.id} is ${a.status}`);
    return taskView(r, deps.baseUrl(req));
  });
}
