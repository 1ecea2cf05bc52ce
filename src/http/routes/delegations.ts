import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError } from '../../core/errors.js';
import { asObject } from '../../core/request-shape.js';
import type { AuthorizationRequest } from '../../core/types.js';
import { oauthErrorStatus, type OAuthError } from '../../delegation/codes.js';
import type { ExchangeResult } from '../../delegation/exchange.js';
import { linkStatus } from '../../delegation/links.js';
import type { DelegationFilter, DelegationLink } from '../../delegation/repo.js';
import { parseTokenExchangeForm, parseTtl, TOKEN_RESPONSE_HEADERS } from '../../delegation/token-exchange.js';
import { parseUid } from '../../delegation/uid.js';
import { DELEGATION_TOKEN_KEY } from '../../gateway/steps/verify-delegation.js';
import { hasRole } from '../../identity/subject.js';
import type { Identity } from '../../identity/types.js';
import type { DeskCaller } from '../../runtime/delegation-desk.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';
import { formatUid } from '../../core/entity-uid.js';

export interface DelegationRouteDeps {
  runtime: EdgeRuntime;
}

const FORM = 'application/x-www-form-urlencoded';
/** Header that carries a delegation token next to the caller's own `Authorization`. */
export const DELEGATION_HEADER = 'x-airlock-delegation';

function who(req: FastifyRequest): DeskCaller {
  const auth = req.auth;
  if (!auth) throw new AirlockError('ERR_UNAUTHENTICATED');
  return { identity: auth.identity, caller: auth.caller };
}

/**
 * The HTTP edge's part of step 3: `X-Airlock-Delegation` becomes `context.delegationToken`. Both
 * present and different is ambiguous and refused; the gateway does the rest.
 */
export function withDelegationHeader(req: FastifyRequest, request: AuthorizationRequest): AuthorizationRequest {
  const h = req.headers[DELEGATION_HEADER];
  if (h === undefined) return request;
  if (typeof h !== 'string' || h.length === 0) throw new AirlockError('ERR_REQUEST_INVALID', 'X-Airlock-Delegation must be one token', { header: 'X-Airlock-Delegation' });
  const inBody = request.context?.[DELEGATION_TOKEN_KEY];
  if (inBody !== undefined && inBody !== h) {
    throw new AirlockError('ERR_REQUEST_INVALID', 'X-Airlock-Delegation and context.delegationToken differ; send one of them', { header: 'X-Airlock-Delegation' });
  }
  request.context = { ...request.context, [DELEGATION_TOKEN_KEY]: h };
  return request;
}

const isReader = (i: Identity) => hasRole(i, 'admin') || hasRole(i, 'auditor');

function linkView(l: DelegationLink, nowMs: number) {
  return { ...l, status: linkStatus(l, nowMs) };
}

function issued(r: Extract<ExchangeResult, { ok: true }>, nowMs: number) {
  return {
    id: r.issued.link.id,
    token: r.issued.token,
    expiresIn: r.issued.expiresIn,
    scope: r.issued.claims.scope,
    link: linkView(r.issued.link, nowMs),
  };
}

/** `delegate` as uid text (`Agent::"a"`) or `{type, id}`. */
function delegateOf(v: unknown, ns: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { id?: unknown }).id === 'string') {
    const u = v as { type: string; id: string };
    return formatUid(u, ns);
  }
  throw new AirlockError('ERR_REQUEST_INVALID', '/delegate: an entity uid text (Agent::"a") or {type, id}', { path: '/delegate' });
}

function ttlOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const ms = typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v * 1000 : typeof v === 'string' ? parseTtl(v) : undefined;
  if (ms === undefined) throw new AirlockError('ERR_REQUEST_INVALID', '/ttl: a duration such as "30m", "PT30M", or seconds', { path: '/ttl' });
  return ms;
}

/** Readers see every link; anyone else a link on whose path they are, or whose delegate they own. */
export async function mayViewLink(runtime: EdgeRuntime, i: Identity, id: string): Promise<boolean> {
  const desk = runtime.delegations;
  if (isReader(i) || (await desk.mayRevoke(i, id))) return true;
  const me = desk.uidOf(i);
  return ((await desk.path(id)) ?? []).some((l) => l.delegate === me);
}

/** Revokes a link and its subtree as `w`: the one path of the API and the console (same checks, codes and audit record). */
export async function revokeLinkAs(runtime: EdgeRuntime, w: DeskCaller, id: string, reason: string): Promise<{ revoked: string[]; auditSeq: number }> {
  const desk = runtime.delegations;
  if (!(await desk.get(id)) || !(await mayViewLink(runtime, w.identity, id))) throw new AirlockError('ERR_NOT_FOUND', `no delegation link ${id}`, { id });
  if (!(await desk.mayRevoke(w.identity, id))) {
    throw new AirlockError('ERR_FORBIDDEN', 'only an admin, the root principal, a delegator on the path or the owner of the delegate may revoke this link', { id });
  }
  return desk.revoke(id, w, reason);
}

function refused(e: OAuthError): AirlockError {
  const details: Record<string, unknown> = { reason: e.airlock_code, error: e.error };
  if (e.airlock_detail) details['detail'] = e.airlock_detail;
  return new AirlockError('ERR_DELEGATION_REFUSED', e.error_description, details);
}

/**
 * Delegated execution paths (issue #5): the RFC 8693 token endpoint, root delegations, showing a
 * link and its path, listing, and revocation (link + subtree).
 */
export function registerDelegationRoutes(app: FastifyInstance, deps: DelegationRouteDeps): void {
  const { runtime } = deps;
  const desk = runtime.delegations;
  const ns = () => runtime.policies.current()?.namespace ?? 'Airlock';
  const now = () => runtime.clock.now();

  // RFC 8693 §2.1: the token endpoint takes application/x-www-form-urlencoded — only here, in its
  // own encapsulated scope, so no other route accepts a form body.
  void app.register(async (scope) => {
    scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post('/oauth/token', { config: { access: 'decide' } }, async (req, reply: FastifyReply) => {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (ct !== FORM) throw new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE', `POST /oauth/token takes ${FORM} (RFC 8693 §2.1)`);
      reply.headers(TOKEN_RESPONSE_HEADERS);
      const parsed = parseTokenExchangeForm(String(req.body ?? ''));
      const result = parsed.ok ? await desk.exchange(who(req), parsed.request) : parsed;
      if (!result.ok) return reply.code(oauthErrorStatus(result.error.error)).send(result.error);
      return result.response;
    });
  });

  app.post('/v1/delegations', { config: { access: 'decide' } }, async (req, reply) => {
    const body = asObject(req.body, '/');
    const extra = Object.keys(body).filter((k) => !['delegate', 'scope', 'ttl', 'purpose'].includes(k));
    if (extra.length > 0) throw new AirlockError('ERR_REQUEST_INVALID', `/: unknown member ${extra[0]}`, { path: `/${extra[0]}` });
    if (typeof body['scope'] !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', '/scope: required, a scope string', { path: '/scope' });
    if (typeof body['purpose'] !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', '/purpose: required, a string', { path: '/purpose' });
    const ttlMs = ttlOf(body['ttl']);
    const r = await desk.delegate(who(req), {
      delegate: delegateOf(body['delegate'], ns()),
      scope: body['scope'],
      purpose: body['purpose'],
      ...(ttlMs !== undefined ? { ttlMs } : {}),
    });
    if (!r.ok) throw refused(r.error);
    reply.code(201).headers(TOKEN_RESPONSE_HEADERS);
    return issued(r, now());
  });

  const mayView = (i: Identity, id: string) => mayViewLink(runtime, i, id);
  async function visibleLink(req: FastifyRequest): Promise<DelegationLink> {
    const id = (req.params as { id: string }).id;
    const link = await desk.get(id);
    // Unknown and not visible answer alike: ids are not an oracle.
    if (!link || !(await mayView(who(req).identity, id))) throw new AirlockError('ERR_NOT_FOUND', `no delegation link ${id}`, { id });
    return link;
  }

  app.get('/v1/delegations/:id', async (req) => {
    const link = await visibleLink(req);
    return { ...linkView(link, now()), path: (await desk.path(link.id)) ?? [] };
  });

  app.get('/v1/delegations/:id/path', async (req) => {
    const link = await visibleLink(req);
    return { id: link.id, path: (await desk.path(link.id)) ?? [] };
  });

  app.get('/v1/delegations', async (req) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    const one = (k: string) => {
      const v = q[k];
      if (Array.isArray(v)) throw new AirlockError('ERR_REQUEST_INVALID', `?${k} given twice`, { query: k });
      return v;
    };
    const filter: DelegationFilter = {};
    const uid = (k: 'root' | 'actor') => {
      const v = one(k);
      if (v === undefined) return;
      const u = parseUid(v, ns())?.text;
      if (!u) throw new AirlockError('ERR_REQUEST_INVALID', `?${k}: an entity uid text such as Agent::"a"`, { query: k });
      filter[k] = u;
    };
    uid('root');
    uid('actor');
    const status = one('status');
    if (status !== undefined && !['active', 'all'].includes(status)) throw new AirlockError('ERR_REQUEST_INVALID', '?status: active or all', { query: 'status' });
    if (status === 'all') filter.includeRevoked = true;
    const limit = one('limit');
    filter.limit = limit === undefined ? 100 : Number(limit);
    if (!Number.isSafeInteger(filter.limit) || filter.limit < 1 || filter.limit > 1000) throw new AirlockError('ERR_REQUEST_INVALID', '?limit: 1..1000', { query: 'limit' });
    const me = who(req).identity;
    // Not a reader: only paths one is on (as root, or as an actor).
    if (!isReader(me) && filter.root !== desk.uidOf(me)) filter.actor = desk.uidOf(me);
    const t = now();
    return { delegations: (await desk.list(filter)).map((l) => linkView(l, t)) };
  });

  app.post('/v1/delegations/:id/revoke', { config: { bodyOptional: true } }, async (req) => {
    const id = (req.params as { id: string }).id;
    const body = req.body === undefined || req.body === null ? {} : asObject(req.body, '/');
    const reason = body['reason'] ?? 'revoked';
    if (typeof reason !== 'string' || reason.length > 500) throw new AirlockError('ERR_REQUEST_INVALID', '/reason: a string (at most 500 characters)', { path: '/reason' });
    const r = await revokeLinkAs(runtime, who(req), id, reason);
    return { id, revoked: r.revoked, auditSeq: r.auditSeq };
  });
}
