import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assembleEvidence, type EvidenceSource } from '../../audit/evidence.js';
import { AirlockError } from '../../core/errors.js';
import { asObject, parseAuthorizationRequest } from '../../core/request-shape.js';
import type { AuthorizationRequest, AuthorizeOptions } from '../../core/types.js';
import { grantClaimsIfSigned, verifyGrant } from '../../grants/grant.js';
import { hasRole } from '../../identity/subject.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';
import { executionReport } from '../../runtime/execution-report.js';
import { identityOf, isCallerOf } from './approvals.js';

import { entityTypeOf } from '../../identity/entity.js';
import type { Identity } from '../../identity/types.js';
import { qualifyType } from '../../core/entity-uid.js';

export interface EvidenceRouteDeps {
  runtime: EdgeRuntime;
  optionsFor(req: FastifyRequest, request: AuthorizationRequest): Promise<AuthorizeOptions>;
}

/** Every audit record about one action: its own, and those of the approvals it opened or used. */
export function evidenceSources(runtime: EdgeRuntime, requestId: string): Promise<EvidenceSource[]> {
  return runtime.auditLog.evidence(requestId);
}

/** Type and id, never the id alone: a Human `deploy-bot` is not `Agent::"deploy-bot"`. */
function isCallerIn(runtime: EdgeRuntime, who: Identity, record: Record<string, unknown>): boolean {
  const caller = record['caller'] as { type?: unknown; id?: unknown } | undefined;
  return typeof caller?.type === 'string' && typeof caller.id === 'string' && isCallerOf(runtime, who, { type: caller.type, id: caller.id });
}
function isCallerOrSubject(runtime: EdgeRuntime, who: Identity, record: Record<string, unknown>): boolean {
  const subject = (record['request'] as { subject?: { type?: unknown; id?: unknown } } | undefined)?.subject;
  const ns = runtime.policies.current()?.namespace ?? 'Airlock';
  const isSubject = typeof subject?.type === 'string' && typeof subject.id === 'string' && subject.id === who.id && qualifyType(subject.type, ns) === entityTypeOf(who, ns);
  return isSubject || isCallerIn(runtime, who, record);
}

/** The decision record of a request, visible to readers and to the caller or subject of it (else ERR_NOT_FOUND). */
export async function visibleDecision(runtime: EdgeRuntime, who: Identity, requestId: string) {
  const sources = await evidenceSources(runtime, requestId);
  const decision = sources.find((s) => s.kind === 'decision' && s.record['requestId'] === requestId);
  const reader = hasRole(who, 'admin') || hasRole(who, 'auditor') || hasRole(who, 'approver');
  if (!decision || (!reader && !isCallerOrSubject(runtime, who, decision.record))) throw new AirlockError('ERR_NOT_FOUND', `no evidence for request ${requestId}`);
  return { sources, decision };
}

/** The evidence document of one request as `who` may see it (API and console). */
export async function evidenceFor(runtime: EdgeRuntime, who: Identity, requestId: string) {
  const { sources } = await visibleDecision(runtime, who, requestId);
  const doc = assembleEvidence(requestId, sources);
  // Live state of the approvals (the records show the votes; the store shows whether it is still open).
  for (const a of doc.approvals) {
    const live = await runtime.approvals.get(a.id);
    if (live) a.status = live.status;
  }
  return { doc, sources };
}

/**
 * Starts the recorded reversal of a request through the whole pipeline (policy and approvals
 * included), as `who`: the one path of the API and the console.
 */
export async function reverseAs(runtime: EdgeRuntime, who: Identity, original: string, optionsFor: (request: AuthorizationRequest) => Promise<AuthorizeOptions>) {
  const { sources } = await visibleDecision(runtime, who, original);
  const execution = [...sources].reverse().find((s) => s.kind === 'execution');
  const reversal = execution?.record['reversal'];
  if (!reversal) throw new AirlockError('ERR_REVERSAL_UNAVAILABLE', `no reversal was recorded for request ${original}`);
  const base = parseAuthorizationRequest(reversal, '/reversal');
  // The reversal is a new action in its own right: the whole pipeline, policy and approvals included.
  const options = await optionsFor(base);
  // `reverses` is the gateway's own fact: added after the recorded request's context is checked.
  const decision = await runtime.gateway.authorize(base, { ...options, gatewayContext: { reverses: original } });
  await runtime.audit.append('reversal.requested', { requestId: original, reversalRequestId: decision.requestId, outcome: decision.outcome });
  return decision;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Grants, execution records, evidence and reversal (issue "evidence and reversal"). */
export function registerEvidenceRoutes(app: FastifyInstance, deps: EvidenceRouteDeps): void {
  const { runtime } = deps;

  app.get('/.well-known/jwks.json', { config: { access: 'open' } }, async (_req, reply) => {
    reply.header('cache-control', 'max-age=60');
    return { keys: await runtime.grantKeys.publicJwks() };
  });

  const decisionRecord = (req: FastifyRequest, requestId: string) => visibleDecision(runtime, identityOf(req), requestId);
  const isCaller = (who: Identity, record: Record<string, unknown>) => isCallerIn(runtime, who, record);

  app.post('/v1/keys/rotate', { config: { access: 'admin' } }, async (req) => {
    const body = req.body === undefined ? {} : asObject(req.body, '/');
    const purpose = body['purpose'] ?? 'grant';
    if (purpose !== 'grant' && purpose !== 'audit') throw new AirlockError('ERR_REQUEST_INVALID', '/purpose: grant or audit', { path: '/purpose' });
    const { kid, previous } = await runtime.rotateKeys(purpose);
    await runtime.audit.append('keys.rotated', { purpose, kid, previous, by: identityOf(req).id });
    return { purpose, kid, previous };
  });

  app.post('/v1/grants/redeem', async (req) => {
    const body = asObject(req.body, '/');
    const grant = body['grant'];
    const actionHash = body['actionHash'];
    if (typeof grant !== 'string' || grant.length > 8192) throw new AirlockError('ERR_REQUEST_INVALID', '/grant: the grant token', { path: '/grant' });
    if (typeof actionHash !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', '/actionHash: the action hash the grant must be bound to', { path: '/actionHash' });
    const now = runtime.clock.now();
    const check = await verifyGrant(grant, { issuer: runtime.config.issuer, actionHash, nowS: Math.floor(now / 1000), keyFor: (kid) => runtime.grantKeys.publicKey(kid) });
    if (!check.ok) throw new AirlockError('ERR_GRANT_INVALID', check.message, { rule: check.code });
    // The redemption and its record commit together (issue 12): a crash cannot leave one without the other.
    const first = await runtime.audit.transaction(async (tx, log) => {
      const won = await tx.grants.redeem(check.claims.jti, check.claims.rid, new Date(now).toISOString(), new Date(check.claims.exp * 1000).toISOString());
      if (won) await log('grant.redeemed', { requestId: check.claims.rid, jti: check.claims.jti, by: identityOf(req).id });
      return won;
    });
    if (!first) throw new AirlockError('ERR_GRANT_USED', `grant ${check.claims.jti} was already redeemed`);
    return { redeemed: true, claims: check.claims };
  });

  app.post('/v1/executions', async (req) => {
    const body = asObject(req.body, '/');
    const who = identityOf(req);
    let requestId = body['requestId'];
    if (body['grant'] !== undefined) {
      // An execution may be reported after the grant expired; its signature still names the decision.
      const claims = typeof body['grant'] === 'string' ? await grantClaimsIfSigned(body['grant'], (kid) => runtime.grantKeys.publicKey(kid)) : undefined;
      if (!claims) throw new AirlockError('ERR_GRANT_INVALID', 'the grant does not verify', { rule: 'grant_signature' });
      requestId = claims.rid;
    }
    if (typeof requestId !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', '/requestId (or /grant): which decision this execution belongs to', { path: '/requestId' });
    const status = body['status'];
    if (status !== 'succeeded' && status !== 'failed') throw new AirlockError('ERR_REQUEST_INVALID', '/status: succeeded or failed', { path: '/status' });
    const record: Record<string, unknown> = { requestId, status, reportedBy: who.id };
    for (const k of ['startedAt', 'finishedAt'] as const) {
      const v = body[k];
      if (v !== undefined && (typeof v !== 'string' || !ISO.test(v))) throw new AirlockError('ERR_REQUEST_INVALID', `/${k}: RFC 3339 UTC time`, { path: `/${k}` });
      if (v !== undefined) record[k] = v;
    }
    const digest = body['outputDigest'];
    if (digest !== undefined && (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))) throw new AirlockError('ERR_REQUEST_INVALID', '/outputDigest: sha256:<hex>', { path: '/outputDigest' });
    if (digest !== undefined) record['outputDigest'] = digest;
    if (body['reversal'] !== undefined) record['reversal'] = parseAuthorizationRequest(body['reversal'], '/reversal');
    // What SDK executors add (guard, MCP proxy, hooks): who ran it, how long, how it was confirmed.
    const durationMs = body['durationMs'];
    if (durationMs !== undefined && (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0)) throw new AirlockError('ERR_REQUEST_INVALID', '/durationMs: a non-negative number', { path: '/durationMs' });
    if (durationMs !== undefined) record['durationMs'] = durationMs;
    for (const k of ['executor', 'error', 'confirmedVia', 'actionHash', 'confirmation'] as const) {
      const v = body[k];
      if (v !== undefined && (typeof v !== 'string' || v.length > 500)) throw new AirlockError('ERR_REQUEST_INVALID', `/${k}: a string of at most 500 characters`, { path: `/${k}` });
      if (v !== undefined) record[k] = v;
    }
    const { decision } = await decisionRecord(req, requestId);
    if (!isCaller(who, decision.record)) throw new AirlockError('ERR_FORBIDDEN', 'only the caller that received the decision reports its execution');
    const outcome = (decision.record['decision'] as { outcome?: string }).outcome;
    // An action that ran after the agent asked its user (a hook's `ask`) is reported under its
    // confirmation_required decision and names the confirmation the gateway opened: never lost.
    const confirmed = outcome === 'confirmation_required' && typeof record['confirmedVia'] === 'string';
    if (outcome !== 'allow' && !confirmed) throw new AirlockError('ERR_REQUEST_INVALID', `request ${requestId} was not allowed; there is nothing to report`);
    if (confirmed) {
      const opened = decision.record['approval'] as { id?: string; kind?: string } | undefined;
      if (record['confirmation'] !== undefined && record['confirmation'] !== opened?.id) throw new AirlockError('ERR_REQUEST_INVALID', `/confirmation: request ${requestId} opened ${opened?.id ?? 'no confirmation'}`, { path: '/confirmation' });
      if (opened?.id) record['confirmation'] = opened.id;
      record['confirmedOutsideAirlock'] = true;
    }
    const rec = await runtime.audit.append('execution', record);
    // Chat-native execution: the result goes back to the thread it was asked in (never rejects).
    const report = runtime.slack && executionReport(requestId, decision.record, { status, ...(typeof record['error'] === 'string' ? { summary: record['error'] } : {}), ...(record['reversal'] ? { reversal: record['reversal'] as AuthorizationRequest } : {}) });
    if (report) void runtime.slack?.onExecutionResult(report);
    return { recorded: true, requestId, auditSeq: rec.seq };
  });

  app.get<{ Params: { requestId: string } }>('/v1/evidence/:requestId', async (req) => {
    return (await evidenceFor(runtime, identityOf(req), req.params.requestId)).doc;
  });

  app.post<{ Params: { requestId: string } }>('/v1/evidence/:requestId/reverse', { config: { bodyOptional: true } }, async (req) => {
    return reverseAs(runtime, identityOf(req), req.params.requestId, (request) => deps.optionsFor(req, request));
  });
}
