import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirlockError } from '../core/errors.js';
import type { AuthorizationRequest, AuthorizeOptions, Caller } from '../core/types.js';
import { parseApiKey } from '../identity/api-key.js';
import { keyFromHeader } from '../identity/authenticate.js';
import { entityTypeOf, matchesUid, registryTypeOf } from '../identity/entity.js';
import { callerMayAskFor, hasRole } from '../identity/subject.js';
import type { ApiKeyRecord, Identity } from '../identity/types.js';
import type { CedarUid } from '../policy/types.js';
import type { EdgeRuntime } from '../runtime/runtime.js';
import { sendError } from './errors.js';
import type { Metrics } from './metrics.js';
import { createFailureLimiter } from './rate-limit.js';
import { qualifyType, uidKey } from '../core/entity-uid.js';

/**
 * Who may call a route: `open` (no key: /healthz, discovery), `decide` (any authenticated identity;
 * the subject rule is checked per request), `admin` (a human with role admin), `reader` (admin or
 * auditor). A route without `access` needs an authenticated caller (this covers 404s too, so
 * unauthenticated clients cannot map the API).
 */
export type Access = 'open' | 'decide' | 'admin' | 'reader';

export interface AuthContext {
  identity: Identity;
  key: ApiKeyRecord;
  caller: Caller;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | undefined;
  }
}

export function accessOf(req: FastifyRequest): Access | undefined {
  return (req.routeOptions.config as { access?: Access } | undefined)?.access;
}

/** The caller as recorded in audit records. */
export function callerOf(identity: Identity, key: ApiKeyRecord, namespace: string): Caller {
  return { type: entityTypeOf(identity, namespace).split('::').pop()!, id: identity.id, via: 'http', keyId: key.keyId };
}

/**
 * A store read on the way to knowing the caller: a fault there (a connection the server ended,
 * an unreadable file) is 503 ERR_STORE_UNAVAILABLE, fail closed, its cause only in the log.
 */
async function storeRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw new AirlockError('ERR_STORE_UNAVAILABLE', undefined, undefined, { cause: e });
  }
}

/**
 * Caller authentication for every route that is not `open`. Every failure — no header, a malformed,
 * unknown, wrong, revoked or expired key, a suspended, retired or expired identity — answers the
 * same 401 body (no oracle); the reason goes to metrics only. Failed attempts spend a token bucket
 * per (source address, key id) — attempts without an existing key id share the address's bucket —
 * and an empty bucket answers 429 before the secret is compared.
 */
export function registerAuthentication(app: FastifyInstance, runtime: EdgeRuntime, metrics: Metrics): void {
  const limiter = createFailureLimiter({ burst: runtime.config.authFailureBurst, refillMs: runtime.config.authFailureRefillMs });
  const onRejected = (code: string) => metrics.rejected(code);
  app.decorateRequest('auth', undefined);

  app.addHook('onRequest', async (req, reply) => {
    const access = accessOf(req);
    if (access === 'open') return;
    const now = runtime.clock.now();
    const header = req.headers.authorization;
    const token = keyFromHeader(typeof header === 'string' ? header : undefined);
    const keyId = token === undefined ? undefined : parseApiKey(token)?.keyId;
    // Failures are counted per (address, key id), so guessing at one key never locks out another
    // key from the same address (a shared NAT, the proxy in front of us). Failures without a real
    // key id (none, malformed, unknown) share the address's own bucket; once it is empty, only a
    // key id that exists goes on to be checked.
    const keyBucket = keyId === undefined ? undefined : `${req.ip}|key:${keyId}`;
    const addressBucket = `${req.ip}|*`;
    let blocked = keyBucket !== undefined && !limiter.allowed(keyBucket, now) ? keyBucket : undefined;
    if (blocked === undefined && !limiter.allowed(addressBucket, now)) {
      const known = keyId === undefined ? undefined : await storeRead(() => runtime.identities.keyRecord(keyId));
      if (!known) blocked = addressBucket;
    }
    if (blocked !== undefined) {
      metrics.authRateLimited();
      reply.header('retry-after', String(limiter.retryAfterSeconds(blocked, now)));
      return sendError(reply, req, new AirlockError('ERR_AUTH_RATE_LIMITED'), onRejected);
    }
    const result = await storeRead(() => runtime.identities.authenticate(token, now));
    if (!result.ok) {
      const onKey = keyBucket !== undefined && result.reason !== 'missing' && result.reason !== 'malformed' && result.reason !== 'unknown_key';
      limiter.failed(onKey ? keyBucket : addressBucket, now);
      metrics.authFailure(result.reason);
      reply.header('www-authenticate', 'Bearer realm="airlock"');
      return sendError(reply, req, new AirlockError('ERR_UNAUTHENTICATED'), onRejected);
    }
    runtime.usage.note(result.identity.id, result.key.keyId, new Date(now).toISOString());
    const ns = runtime.policies.current()?.namespace ?? 'Airlock';
    req.auth = { identity: result.identity, key: result.key, caller: callerOf(result.identity, result.key, ns) };
    if (access === 'admin' && !hasRole(result.identity, 'admin')) {
      return sendError(reply, req, new AirlockError('ERR_FORBIDDEN', 'this endpoint needs a human with role admin'), onRejected);
    }
    if (access === 'reader' && !hasRole(result.identity, 'admin') && !hasRole(result.identity, 'auditor')) {
      return sendError(reply, req, new AirlockError('ERR_FORBIDDEN', 'this endpoint needs a human with role admin or auditor'), onRejected);
    }
    return undefined;
  });
}

/** Groups of a subject (registry groups or static parents) and all their ancestor groups. */
async function subjectGroups(runtime: EdgeRuntime, subject: CedarUid, ns: string): Promise<Set<string>> {
  const bundle = runtime.policies.current();
  const direct: CedarUid[] = [];
  if (registryTypeOf(subject.type, ns)) {
    const found = await runtime.identities.find(subject.id);
    if (found && matchesUid(found, subject, ns)) direct.push(...found.groups.map((g) => ({ type: `${ns}::Group`, id: g })));
  }
  if (direct.length === 0) direct.push(...(bundle?.staticEntities.get(uidKey(subject))?.parents ?? []));
  const groups = new Set<string>();
  const stack = [...direct];
  while (stack.length > 0) {
    const u = stack.pop()!;
    if (u.type !== `${ns}::Group` || groups.has(u.id)) continue;
    groups.add(u.id);
    stack.push(...(bundle?.staticEntities.get(uidKey(u))?.parents ?? []));
  }
  return groups;
}

/**
 * Does this enforcement point's grant list `subject` (AuthZEN `{type, id}`) now, by id or by group?
 * Asking about itself does not count: a pep never speaks for itself as someone else's relay.
 */
export async function pepListsSubject(runtime: EdgeRuntime, pep: Identity, subject: { type: string; id: string }): Promise<boolean> {
  if (pep.class !== 'nhi' || !pep.pep) return false;
  const ns = runtime.policies.current()?.namespace ?? 'Airlock';
  const uid = { type: qualifyType(subject.type, ns), id: subject.id };
  if (matchesUid(pep, uid, ns)) return false;
  let scope = callerMayAskFor(pep, uid, new Set(), ns);
  if (!scope.ok && pep.pep.groups.length > 0) scope = callerMayAskFor(pep, uid, await subjectGroups(runtime, uid, ns), ns);
  return scope.ok;
}

/**
 * The authorize options of a decision request: the authenticated caller, and whether a pep vouches
 * for an unregistered subject. Throws 403 ERR_SUBJECT_FORBIDDEN when the caller may not ask about
 * the request's subject (an NHI only about itself; a pep about its listed subjects and groups).
 */
export async function decisionOptions(runtime: EdgeRuntime, req: FastifyRequest, request: AuthorizationRequest): Promise<AuthorizeOptions> {
  return decisionOptionsFor(runtime, req.auth, request);
}

/** `decisionOptions` for a caller some edge authenticated (an API key, a console session). */
export async function decisionOptionsFor(runtime: EdgeRuntime, auth: Pick<AuthContext, 'identity' | 'caller'> | undefined, request: AuthorizationRequest): Promise<AuthorizeOptions> {
  if (!auth) throw new AirlockError('ERR_UNAUTHENTICATED');
  const ns = runtime.policies.current()?.namespace ?? 'Airlock';
  const subject = { type: qualifyType(request.subject.type, ns), id: request.subject.id };
  let scope = callerMayAskFor(auth.identity, subject, new Set(), ns);
  if (!scope.ok && auth.identity.class === 'nhi' && (auth.identity.pep?.groups.length ?? 0) > 0) {
    scope = callerMayAskFor(auth.identity, subject, await subjectGroups(runtime, subject, ns), ns);
  }
  if (!scope.ok) throw new AirlockError('ERR_SUBJECT_FORBIDDEN', scope.message, { subject: { type: request.subject.type, id: request.subject.id } });
  const options: AuthorizeOptions = { caller: auth.caller };
  if (scope.vouched) options.vouchedSubject = true;
  // A bot never names its own initiator: only a pep the registry trusts for it, relaying for someone else.
  if (auth.identity.class === 'nhi' && auth.identity.pep?.assertsInitiator === true && !matchesUid(auth.identity, subject, ns)) options.assertsInitiator = true;
  return options;
}
