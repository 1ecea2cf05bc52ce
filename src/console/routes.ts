/**
 * The approver console's HTTP edge (docs/console.md): sessions, sign-in (API key, OpenID Connect),
 * CSRF and security headers, and the pages. Every action goes through the functions the API's
 * routes use (castVote, confirmAs, reverseAs, the delegation desk, the identity service), so the
 * rules, the audit records and the error codes are those of the API; only the rendering differs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApprovalRequest } from '../approval/types.js';
import { actionFields } from '../core/action-view.js';
import { AirlockError, errorCodes } from '../core/errors.js';
import type { AuthorizationRequest, Caller } from '../core/types.js';
import { redactRequest } from '../gateway/redact-request.js';
import { hasRole } from '../identity/subject.js';
import type { Human, Identity } from '../identity/types.js';
import { decisionOptionsFor } from '../http/auth.js';
import { createFailureLimiter } from '../http/rate-limit.js';
import { castVote, confirmAs, mayView } from '../http/routes/approvals.js';
import { evidenceFor, reverseAs } from '../http/routes/evidence.js';
import type { EdgeRuntime } from '../runtime/runtime.js';
import { html, type Html } from './html.js';
import { analysisSafe, commandOf, humanForClaim, mayAct, rolesFromGroups, sessionRoles, shortUid } from './model.js';
import { createOidcSignIn, type OidcSignIn } from './oidc.js';
import { createSessionStore, newToken, sameToken, type ConsoleSession, type SessionStore } from './sessions.js';
import * as views from './views.js';
import { BASE } from './views.js';
import { registerConsoleAdminPages } from './admin-pages.js';
import type { Who } from './who.js';

export interface ConsoleDeps {
  runtime: EdgeRuntime;
  /** The gateway's own base URL (config `publicUrl` or the listen address). */
  baseUrl(): string;
}

const COOKIE = 'airlock_console';
/** Holds only a handle to the OIDC round trip; Lax because the provider's redirect back is a cross-site navigation. */
const OIDC_COOKIE = 'airlock_console_oidc';
const OIDC_ROUND_TRIP_MS = 10 * 60_000;

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Is the console served? Config `console.enabled`; unset: on when the gateway listens on loopback. */
export function consoleEnabled(config: EdgeRuntime['config']): boolean {
  return config.console.enabled ?? LOOPBACK.has(config.host);
}

const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'console');
const ASSETS: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/** Every value the browser sent for `name` (a cookie planted at another path arrives beside ours). */
function cookieValues(req: FastifyRequest, name: string): string[] {
  const h = req.headers.cookie;
  if (typeof h !== 'string') return [];
  const out: string[] = [];
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i >= 0 && part.slice(0, i).trim() === name) out.push(part.slice(i + 1).trim());
  }
  return out;
}

export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  const { runtime } = deps;
  const cfg = runtime.config.console;
  const clock = runtime.clock;
  const sessions: SessionStore = createSessionStore({ idleMs: cfg.idleTimeoutMs, now: () => clock.now() });
  const oidc: OidcSignIn | undefined = cfg.oidc ? createOidcSignIn(cfg.oidc) : undefined;
  const pendingOidc = new Map<string, { state: string; nonce: string; verifier: string; until: number }>();
  const limiter = createFailureLimiter({ burst: runtime.config.authFailureBurst, refillMs: runtime.config.authFailureRefillMs });
  const consoleUrl = (): string => (cfg.publicUrl ?? runtime.config.publicUrl ?? deps.baseUrl()).replace(/\/$/, '');
  const secure = (): boolean => consoleUrl().startsWith('https:');

  function setCookie(reply: FastifyReply, name: string, value: string, opts: { sameSite: 'Strict' | 'Lax'; maxAgeS?: number; path?: string }): void {
    const parts = [`${name}=${value}`, `Path=${opts.path ?? BASE}`, 'HttpOnly', `SameSite=${opts.sameSite}`];
    if (secure()) parts.push('Secure');
    if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${opts.maxAgeS}`);
    const prev = reply.getHeader('set-cookie');
    const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
    reply.header('set-cookie', [...list, parts.join('; ')]);
  }
  /** The session cookie's value that names a live session (signed in first), if any. */
  const sessionId = (req: FastifyRequest): string | undefined => {
    const values = cookieValues(req, COOKIE);
    return values.find((v) => sessions.get(v)?.humanId !== undefined) ?? values.find((v) => sessions.get(v) !== undefined) ?? values[0];
  };
  const setSession = (reply: FastifyReply, id: string) => setCookie(reply, COOKIE, id, { sameSite: 'Strict' });
  const clearSession = (reply: FastifyReply) => setCookie(reply, COOKIE, '', { sameSite: 'Strict', maxAgeS: 0 });

  const sendPage = (reply: FastifyReply, body: Html, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body.text);

  async function audit(kind: string, record: Record<string, unknown>): Promise<void> {
    await runtime.audit.append(kind, record);
  }

  async function owned(person: Human): Promise<string[]> {
    const all = await runtime.identities.list({ class: 'nhi' });
    return all.filter((i) => i.class === 'nhi' && i.owner === person.id).map((i) => i.id);
  }

  /** The signed-in person of this request, or undefined (and the session ended when it no longer holds). */
  async function signedIn(req: FastifyRequest, reply: FastifyReply): Promise<Who | undefined> {
    const sid = sessionId(req);
    const session = sessions.get(sid);
    if (!session || session.humanId === undefined || sid === undefined) return undefined;
    const identity = await runtime.identities.find(session.humanId);
    let ok = identity !== undefined && identity.class === 'human' && identity.status === 'active';
    if (ok && session.method === 'key') {
      // A key revoked or expired after sign-in ends the session at the next request.
      const key = session.keyId ? await runtime.identities.keyRecord(session.keyId) : undefined;
      ok = key !== undefined && key.identityId === session.humanId && key.revokedAt === undefined && (key.expiresAt === undefined || Date.parse(key.expiresAt) > clock.now());
    }
    if (!ok) {
      sessions.destroy(sid);
      clearSession(reply);
      await audit('console.signout', { human: session.humanId, reason: 'credentials_no_longer_valid' });
      return undefined;
    }
    const person = identity as Human;
    const acting: Human = { ...person, roles: sessionRoles(person, session.idpRoles) };
    const caller: Caller = { type: 'Human', id: person.id, via: 'console', ...(session.keyId ? { keyId: session.keyId } : {}) };
    return { sid, session, person, acting, caller, viewer: { id: person.id, displayName: person.displayName, roles: acting.roles, csrf: session.csrf, owns: await owned(person) } };
  }

  /** Every console page but sign-in: signed in, else to the sign-in page (pages) or 401 (fragments, events). */
  async function requireUser(req: FastifyRequest, reply: FastifyReply): Promise<Who | undefined> {
    const who = await signedIn(req, reply);
    if (who) return who;
    if (req.method === 'GET' && !req.url.includes('/fragment') && !req.url.endsWith('/events')) {
      void reply.redirect(`${BASE}/login`, 303);
    } else {
      sendPage(reply, views.errorPage('Signed out', 'Your session has ended. Sign in again.'), 401);
    }
    return undefined;
  }

  /** CSRF: the session's token in the form (or `x-csrf-token`), and a same-origin `Origin` when the browser sends one. */
  function csrfOk(req: FastifyRequest, session: ConsoleSession | undefined): boolean {
    if (!session) return false;
    const origin = req.headers.origin;
    if (typeof origin === 'string' && origin !== 'null') {
      const allowed = new Set([new URL(consoleUrl()).origin]);
      const host = req.headers.host;
      if (typeof host === 'string') allowed.add(`${secure() ? 'https' : 'http'}://${host}`);
      if (!allowed.has(origin)) return false;
    } else if (origin === 'null') return false;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body['_csrf'] === 'string' ? body['_csrf'] : req.headers['x-csrf-token'];
    return sameToken(typeof token === 'string' ? token : undefined, session.csrf);
  }

  function refuseCsrf(reply: FastifyReply, req: FastifyRequest): void {
    req.log.warn({ console: 'csrf' }, 'console: state-changing request without a valid CSRF token refused');
    sendPage(reply, views.errorPage('Request refused', 'This form has expired or did not come from the console (CSRF check failed). Reload the page and try again.'), 403);
  }

  const field = (req: FastifyRequest, name: string): string => {
    const v = ((req.body ?? {}) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : '';
  };

  /** What an AirlockError means on a page: its stable code and message (never internal text). */
  function problem(e: unknown, req: FastifyRequest): { code: string; message: string; rule?: string } {
    if (e instanceof AirlockError) {
      const rule = (e.details as { rule?: string } | undefined)?.rule;
      return { code: e.code, message: e.message, ...(rule ? { rule } : {}) };
    }
    req.log.error({ err: e }, 'console: internal error');
    return { code: 'ERR_INTERNAL', message: errorCodes.ERR_INTERNAL.message };
  }

  // Open event streams end when the server closes (a browser tab must not hold a shutdown).
  const streams = new Set<import('node:http').ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  void app.register(async (scope) => {
    // HTML forms post urlencoded bodies; one value per name (a repeated name is refused).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        if (k in out || k === '__proto__' || k === 'constructor' || k === 'prototype') {
          done(new AirlockError('ERR_REQUEST_INVALID', `form field ${k} is repeated or not allowed`), undefined);
          return;
        }
        out[k] = v;
      }
      done(null, out);
    });

    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts.
      reply.header('referrer-policy', 'same-origin');
      reply.header('cross-origin-opener-policy', 'same-origin');
      if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
    // Errors on console routes are pages (with the stable code), not JSON.
    scope.setErrorHandler((err, req, reply) => {
      const p = problem(err, req);
      const status = err instanceof AirlockError ? (err.status) : 500;
      return sendPage(reply, views.errorPage('Something went wrong', `${p.code}: ${p.message}`), status);
    });

    // The console authenticates with its own session, never the API key header: every route is
    // `open` to the API's key check and calls requireUser itself.
    const open = { config: { access: 'open' } } as const;

    scope.get(`${BASE}/assets/:name`, open, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const type = ASSETS[name];
      if (!type) return sendPage(reply, views.errorPage('Not found', 'no such asset'), 404);
      reply.header('cache-control', 'no-cache');
      return reply.type(type).send(readFileSync(join(ASSET_DIR, name)));
    });

    scope.get(BASE, open, async (_req, reply) => reply.redirect(`${BASE}/inbox`, 303));
    scope.get(`${BASE}/`, open, async (_req, reply) => reply.redirect(`${BASE}/inbox`, 303));

    scope.get(`${BASE}/login`, open, async (req, reply) => {
      if (await signedIn(req, reply)) return reply.redirect(`${BASE}/inbox`, 303);
      const sid = sessionId(req);
      let s = sessions.get(sid);
      if (!s) {
        const created = sessions.create();
        s = created.session;
        setSession(reply, created.id);
      }
      const q = req.query as Record<string, unknown>;
      const notice = q['signedout'] !== undefined ? 'You are signed out.' : undefined;
      return sendPage(reply, views.loginPage({ csrf: s.csrf, sso: oidc !== undefined, ...(notice ? { notice } : {}) }));
    });

    async function signInFailed(req: FastifyRequest, reply: FastifyReply, method: string, reason: string, message: string): Promise<FastifyReply> {
      limiter.failed(req.ip, clock.now());
      await audit('console.signin_refused', { method, reason, address: req.ip });
      const created = sessions.rotate(sessionId(req), {});
      setSession(reply, created.id);
      return sendPage(reply, views.loginPage({ csrf: created.session.csrf, sso: oidc !== undefined, error: message }), 401);
    }

    async function signedInAs(req: FastifyRequest, reply: FastifyReply, person: Human, init: Partial<ConsoleSession>): Promise<{ id: string }> {
      // Session fixation: whatever id the browser came with is dropped; the signed-in session is new.
      const created = sessions.rotate(sessionId(req), { ...init, humanId: person.id });
      setSession(reply, created.id);
      await audit('console.signin', { human: person.id, method: init.method, ...(init.keyId ? { keyId: init.keyId } : {}), ...(init.idpRoles ? { idpRoles: init.idpRoles } : {}) });
      return created;
    }

    scope.post(`${BASE}/login`, open, async (req, reply) => {
      const now = clock.now();
      if (!limiter.allowed(req.ip, now)) {
        reply.header('retry-after', String(limiter.retryAfterSeconds(req.ip, now)));
        return sendPage(reply, views.errorPage('Too many attempts', 'ERR_AUTH_RATE_LIMITED: too many failed sign-ins from this address; wait and try again.'), 429);
      }
      const pre = sessions.get(sessionId(req));
      if (!csrfOk(req, pre)) return refuseCsrf(reply, req);
      const result = await runtime.identities.authenticate(field(req, 'key').trim() || undefined, now);
      // One answer for every failure (no oracle); the reason goes to the audit record.
      if (!result.ok) return signInFailed(req, reply, 'key', result.reason, 'That key does not sign anyone in.');
      if (result.identity.class !== 'human') return signInFailed(req, reply, 'key', 'not_a_person', 'That key does not sign anyone in.');
      runtime.usage.note(result.identity.id, result.key.keyId, new Date(now).toISOString());
      await signedInAs(req, reply, result.identity, { method: 'key', keyId: result.key.keyId });
      return reply.redirect(`${BASE}/inbox`, 303);
    });

    scope.get(`${BASE}/oidc/start`, open, async (req, reply) => {
      if (!oidc) return sendPage(reply, views.errorPage('Not configured', 'Sign-in with an identity provider is not configured.'), 404);
      let started;
      try {
        started = await oidc.start(`${consoleUrl()}${BASE}/oidc/callback`);
      } catch (e) {
        req.log.error({ err: e }, 'console: OIDC discovery failed');
        return sendPage(reply, views.errorPage('Identity provider unavailable', 'The identity provider could not be reached. Sign in with an API key, or try again later.'), 502);
      }
      const now = clock.now();
      for (const [k, v] of pendingOidc) if (v.until <= now) pendingOidc.delete(k);
      if (pendingOidc.size > 10_000) pendingOidc.clear();
      const handle = newToken();
      pendingOidc.set(handle, { state: started.state, nonce: started.nonce, verifier: started.verifier, until: now + OIDC_ROUND_TRIP_MS });
      setCookie(reply, OIDC_COOKIE, handle, { sameSite: 'Lax', maxAgeS: OIDC_ROUND_TRIP_MS / 1000, path: `${BASE}/oidc` });
      return reply.redirect(started.url, 303);
    });

    scope.get(`${BASE}/oidc/callback`, open, async (req, reply) => {
      if (!oidc || !cfg.oidc) return sendPage(reply, views.errorPage('Not configured', 'Sign-in with an identity provider is not configured.'), 404);
      const handle = cookieValues(req, OIDC_COOKIE)[0];
      const pending = handle ? pendingOidc.get(handle) : undefined;
      if (handle) pendingOidc.delete(handle);
      setCookie(reply, OIDC_COOKIE, '', { sameSite: 'Lax', maxAgeS: 0, path: `${BASE}/oidc` });
      if (!pending || pending.until <= clock.now()) return signInFailed(req, reply, 'oidc', 'no_round_trip', 'The sign-in took too long or did not start here. Try again.');
      let claims: Record<string, unknown>;
      try {
        claims = await oidc.finish(new URL(req.url, consoleUrl()), pending);
      } catch (e) {
        req.log.warn({ err: e }, 'console: OIDC callback refused');
        return signInFailed(req, reply, 'oidc', 'provider_response_refused', 'The identity provider\'s answer was refused. Try again.');
      }
      const humans = (await runtime.identities.list({ class: 'human' })) as Human[];
      const person = humanForClaim(humans, claims[cfg.oidc.claim], cfg.oidc.link);
      if (!person || person.status !== 'active') return signInFailed(req, reply, 'oidc', person ? 'identity_inactive' : 'no_linked_human', 'Your account at the identity provider is not linked to an active person in Airlock. Ask an admin.');
      const idpRoles = cfg.oidc.groupClaim ? rolesFromGroups(claims[cfg.oidc.groupClaim], cfg.oidc.groupRoles) : rolesFromGroups([], cfg.oidc.groupRoles);
      await signedInAs(req, reply, person, { method: 'oidc', ...(idpRoles ? { idpRoles } : {}) });
      // The provider's redirect is a cross-site navigation, on which a SameSite=Strict cookie is not
      // sent: continue from a page of our own (a same-site navigation) instead of a redirect.
      return sendPage(reply, views.page('Signed in', html`<p>Signed in as ${person.displayName}.</p><p><a id="continue" data-auto-continue href="${BASE}/inbox">Continue to the inbox</a></p>`));
    });

    scope.post(`${BASE}/logout`, open, async (req, reply) => {
      const sid = sessionId(req);
      const s = sessions.get(sid);
      if (!csrfOk(req, s)) return refuseCsrf(reply, req);
      sessions.destroy(sid);
      clearSession(reply);
      if (s?.humanId) await audit('console.signout', { human: s.humanId, reason: 'signed_out' });
      return reply.redirect(`${BASE}/login?signedout`, 303);
    });

    // ---- inbox and approvals ----

    async function inboxRows(who: Who) {
      const now = clock.now();
      const facts = runtime.approvals.factsOf(who.acting);
      const all = (await runtime.approvals.list({ status: 'pending', limit: 1000 })).filter((a) => a.status === 'pending' && mayView(runtime, who.acting, a));
      all.sort((x, y) => (x.createdAt < y.createdAt ? 1 : x.createdAt > y.createdAt ? -1 : 0));
      const rows = all.map((a) => ({ a, verdict: mayAct(a, facts, who.caller, now) }));
      return { now, actionable: rows.filter((r) => r.verdict.may), others: rows.filter((r) => !r.verdict.may) };
    }

    scope.get(`${BASE}/inbox`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      const r = await inboxRows(who);
      return sendPage(reply, views.inboxPage(who.viewer, r.actionable, r.others, r.now));
    });
    scope.get(`${BASE}/inbox/fragment`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      const r = await inboxRows(who);
      return sendPage(reply, views.inboxFragment(r.actionable, r.others, r.now));
    });

    // Live updates: server-sent events naming the approval that changed (the page fetches what it may see).
    scope.get(`${BASE}/events`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': CSP,
        connection: 'keep-alive',
      });
      res.write(': live\n\n');
      const send = (event: string, a: ApprovalRequest) => {
        if (!sessions.get(who.sid)) return void res.end();
        if (!mayView(runtime, who.acting, a)) return;
        res.write(`event: approval\ndata: ${JSON.stringify({ event, id: a.id })}\n\n`);
      };
      streams.add(res);
      const offChange = runtime.approvals.onChange((event, a) => send(event, a));
      const offVote = runtime.approvals.onVote((a) => send('approval.voted', a));
      const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
      ping.unref();
      req.raw.on('close', () => {
        streams.delete(res);
        clearInterval(ping);
        offChange();
        offVote();
      });
    });

    async function approvalModel(who: Who, id: string) {
      const a = await runtime.approvals.get(id);
      // A request this person may not see reads exactly like an unknown one.
      if (!a || !mayView(runtime, who.acting, a)) throw new AirlockError('ERR_APPROVAL_NOT_FOUND');
      const now = clock.now();
      const shown = redactRequest(a.request);
      const cmd = commandOf(shown.context);
      const omit = cmd ? ['context.command'] : [];
      return {
        a: { ...a, request: shown },
        fields: actionFields(shown, omit),
        ...(cmd ? { command: { text: cmd.text, shell: cmd.shell, analysis: analysisSafe(() => runtime.analyzer.analyze(cmd.text, { shell: cmd.shell })) } } : {}),
        verdict: mayAct(a, runtime.approvals.factsOf(who.acting), who.caller, now),
        nowMs: now,
        evidenceOf: a.openedBy,
      };
    }

    scope.get(`${BASE}/approvals/:id`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      const q = req.query as Record<string, unknown>;
      const m = await approvalModel(who, (req.params as { id: string }).id);
      const notice = typeof q['done'] === 'string' ? `Recorded: ${q['done']}.` : undefined;
      return sendPage(reply, views.approvalPage(who.viewer, { ...m, ...(notice ? { notice } : {}) }));
    });

    scope.post(`${BASE}/approvals/:id/review`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      if (!csrfOk(req, who.session)) return refuseCsrf(reply, req);
      const decision = field(req, 'decision');
      if (decision !== 'approve' && decision !== 'deny' && decision !== 'confirm') throw new AirlockError('ERR_REQUEST_INVALID', 'decision: approve, deny or confirm');
      const m = await approvalModel(who, (req.params as { id: string }).id);
      return sendPage(reply, views.reviewPage(who.viewer, { ...m, decision, reason: field(req, 'reason').slice(0, 2000) }));
    });

    async function afterAct(req: FastifyRequest, reply: FastifyReply, who: Who, id: string, act: () => Promise<ApprovalRequest>, done: string) {
      const m0 = await approvalModel(who, id);
      // The action shown at review must still be the action decided (the request is bound to one hash; this guards a stale page).
      if (field(req, 'actionHash') !== m0.a.actionHash) throw new AirlockError('ERR_REQUEST_INVALID', 'the page you decided on is out of date; review the request again');
      try {
        await act();
      } catch (e) {
        const p = problem(e, req);
        const m = await approvalModel(who, id);
        const status = e instanceof AirlockError ? (e.status) : 500;
        return sendPage(reply, views.approvalPage(who.viewer, { ...m, error: `${p.code}${p.rule ? ` (rule ${p.rule})` : ''}: ${p.message}` }), status);
      }
      return reply.redirect(`${BASE}/approvals/${encodeURIComponent(id)}?done=${encodeURIComponent(done)}`, 303);
    }

    scope.post(`${BASE}/approvals/:id/vote`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      if (!csrfOk(req, who.session)) return refuseCsrf(reply, req);
      const id = (req.params as { id: string }).id;
      const decision = field(req, 'decision');
      if (decision !== 'approve' && decision !== 'deny') throw new AirlockError('ERR_REQUEST_INVALID', 'decision: approve or deny');
      const reason = field(req, 'reason');
      if (reason.length > 2000) throw new AirlockError('ERR_REQUEST_INVALID', 'reason: at most 2000 characters');
      return afterAct(req, reply, who, id, () => castVote(runtime, who.acting, id, decision, reason, 'console'), decision === 'approve' ? 'approved' : 'denied');
    });

    scope.post(`${BASE}/approvals/:id/confirm`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      if (!csrfOk(req, who.session)) return refuseCsrf(reply, req);
      const id = (req.params as { id: string }).id;
      return afterAct(req, reply, who, id, () => confirmAs(runtime, who.acting, who.caller, id, 'console'), 'confirmed');
    });

    // ---- evidence ----

    function summarize(kind: string, rec: Record<string, unknown>): string {
      const d = rec['decision'] as { outcome?: string; reasons?: { code?: string; policyId?: string }[] } | undefined;
      switch (kind) {
        case 'decision': {
          const req0 = rec['request'] as AuthorizationRequest | undefined;
          return `${req0 ? `${req0.subject.type} ${req0.subject.id} asked to ${req0.action.name} ${req0.resource.type} ${req0.resource.id}` : ''} → ${d?.outcome ?? ''}${d?.reasons?.[0] ? ` (${d.reasons[0].code ?? ''}${d.reasons[0].policyId ? `, policy ${d.reasons[0].policyId}` : ''})` : ''}`;
        }
        case 'approval.opened':
          return `${String(rec['kind'] ?? 'approval')} ${String(rec['approvalId'])} opened`;
        case 'approval.vote':
          return `${shortUid(String(rec['approver'] ?? ''))} voted ${String(rec['decision'])} via ${String(rec['channel'])}${rec['reason'] ? `: “${String(rec['reason'])}”` : ''} → ${String(rec['status'] ?? '')}`;
        case 'approval.consumed':
          return `approval ${String(rec['approvalId'])} used by request ${String(rec['consumedBy'] ?? '')}`;
        case 'grant.redeemed':
          return `execution grant redeemed by ${String(rec['by'] ?? '')}`;
        case 'execution':
          return `execution ${String(rec['status'])} reported by ${String(rec['reportedBy'] ?? '')}${rec['reversal'] ? ' (a reversal is recorded)' : ''}`;
        case 'reversal.requested':
          return `reversal requested as ${String(rec['reversalRequestId'])}: ${String(rec['outcome'])}`;
        default:
          return '';
      }
    }

    async function evidenceModel(who: Who, requestId: string) {
      const { doc, sources: own } = await evidenceFor(runtime, who.acting, requestId);
      // Request → decisions: the decision that opened an approval this request used is part of its story.
      const sources = [...own];
      const seen = new Set(own.map((s) => `${s.writer}:${s.seq}`));
      for (const a of doc.approvals) {
        const opener = (await runtime.approvals.get(a.id))?.openedBy;
        if (!opener || opener === requestId) continue;
        for (const s of await runtime.auditLog.evidence(opener)) {
          if (s.kind === 'decision' && s.record['requestId'] === opener && !seen.has(`${s.writer}:${s.seq}`)) {
            seen.add(`${s.writer}:${s.seq}`);
            sources.push(s);
          }
        }
      }
      const sorted = [...sources].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
      const timeline = [];
      let chainOk = true;
      for (const s of sorted) {
        const verified = await runtime.auditLog.inChain(s.writer, s.seq, s.hash);
        if (!verified) chainOk = false;
        timeline.push({ seq: s.seq, writer: s.writer, at: s.at, kind: s.kind, hash: s.hash, verified, summary: summarize(s.kind, s.record) });
      }
      return {
        requestId,
        ...(doc.decision ? { outcome: doc.decision.outcome } : {}),
        timeline,
        chainOk,
        reversible: doc.reversal?.reversal !== undefined && doc.reversal.requestedAs === undefined,
        ...(doc.reversal?.requestedAs ? { reversedAs: doc.reversal.requestedAs } : {}),
      };
    }

    scope.get(`${BASE}/evidence/:requestId`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      const q = req.query as Record<string, unknown>;
      const m = await evidenceModel(who, (req.params as { requestId: string }).requestId);
      const notice = typeof q['reversal'] === 'string' ? `Reversal requested: ${q['reversal']}.` : undefined;
      return sendPage(reply, views.evidencePage(who.viewer, { ...m, ...(notice ? { notice } : {}) }));
    });

    scope.post(`${BASE}/evidence/:requestId/reverse`, open, async (req, reply) => {
      const who = await requireUser(req, reply);
      if (!who) return reply;
      if (!csrfOk(req, who.session)) return refuseCsrf(reply, req);
      const requestId = (req.params as { requestId: string }).requestId;
      try {
        const d = await reverseAs(runtime, who.acting, requestId, (request) => decisionOptionsFor(runtime, { identity: who.acting, caller: who.caller }, request));
        return reply.redirect(`${BASE}/evidence/${encodeURIComponent(requestId)}?reversal=${encodeURIComponent(`${d.outcome} (${d.requestId})`)}`, 303);
      } catch (e) {
        const p = problem(e, req);
        const m = await evidenceModel(who, requestId);
        return sendPage(reply, views.evidencePage(who.viewer, { ...m, error: `${p.code}: ${p.message}` }), 400);
      }
    });

    registerConsoleAdminPages(scope, { runtime, requireUser, csrfOk, refuseCsrf, field, problem, sendPage, isAdmin: (w: Who) => hasRole(w.acting, 'admin'), destroyFor: (id: string) => sessions.destroyFor(id) });
  });
}

export type ConsoleIdentity = Identity;
