import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canonicalize } from '../../core/canonical-json.js';
import { AirlockError, isAirlockError } from '../../core/errors.js';
import { MAX_SEARCH_PAGE, parseSearchRequest, type SearchKind, type SearchRequest } from '../../core/request-shape.js';
import type { AuthorizationRequest, AuthorizeOptions, EntityRef } from '../../core/types.js';
import type { Gateway } from '../../gateway/gateway.js';

export interface AuthzenSearchDeps {
  gateway: Pick<Gateway, 'search'>;
  /** The caller's options for a request; throws 403 ERR_SUBJECT_FORBIDDEN when it may not ask about the subject. */
  optionsFor(req: FastifyRequest, request: AuthorizationRequest): Promise<AuthorizeOptions>;
}

/** The search request without its page: what every page of one search must repeat unchanged. */
function queryDigest(q: SearchRequest): string {
  const { page: _page, ...rest } = q;
  return createHash('sha256').update(canonicalize(rest)).digest('base64url').slice(0, 22);
}

/**
 * The page token: opaque to the client, `base64url(JSON {v, q, a})` — the digest of the request it
 * belongs to and the key of the last result already sent. It grants nothing: every candidate after
 * it is still decided by policy, so a forged token can only skip results, never add one.
 */
function encodeToken(digest: string, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, q: digest, a: after }), 'utf8').toString('base64url');
}

function decodeToken(digest: string, token: string): string {
  const bad = (why: string) => new AirlockError('ERR_REQUEST_INVALID', `/page/token: ${why}`, { path: '/page/token' });
  let t: unknown;
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('is not a token this gateway issued');
  }
  const o = t as { v?: unknown; q?: unknown; a?: unknown };
  if (typeof t !== 'object' || t === null || o.v !== 1 || typeof o.q !== 'string' || typeof o.a !== 'string') throw bad('is not a token this gateway issued');
  // AuthZEN 1.0 §8.1.1: all other request fields MUST be the same on every page.
  if (o.q !== digest) throw bad('belongs to a different search request (every field but page must stay the same across pages)');
  return o.a;
}

/** A full request naming the search's fixed subject, for the who-may-ask rule of the edge. */
function probeRequest(q: SearchRequest, subject: EntityRef): AuthorizationRequest {
  return {
    subject,
    action: q.action ?? { name: '-' },
    resource: { type: q.resource.type, id: q.resource.id ?? '-' },
    ...(q.context !== undefined ? { context: q.context } : {}),
  };
}

/**
 * OpenID AuthZEN Authorization API 1.0 §8: subject, resource and action search, with paging
 * (§8.1.1). Same authentication and who-may-ask rule as evaluation: a resource or action search
 * about a subject the caller may not ask about is refused (403); a subject search leaves out the
 * candidates the caller may not ask about. Each search is one audit record (`search`).
 */
export function registerAuthzenSearchRoutes(app: FastifyInstance, deps: AuthzenSearchDeps): void {
  const handler = (kind: SearchKind) => async (req: FastifyRequest) => {
    const q = parseSearchRequest(req.body, kind);
    const digest = queryDigest(q);
    const after = q.page.token !== undefined ? decodeToken(digest, q.page.token) : undefined;
    const limit = q.page.limit ?? MAX_SEARCH_PAGE;
    let optionsFor: (subject: EntityRef, r: AuthorizationRequest) => Promise<AuthorizeOptions | undefined>;
    if (kind === 'subject') {
      optionsFor = async (_s, r) => {
        try {
          return await deps.optionsFor(req, r);
        } catch (e) {
          if (isAirlockError(e) && e.code === 'ERR_SUBJECT_FORBIDDEN') return undefined;
          throw e;
        }
      };
      // The delegation header (X-Airlock-Delegation) reaches the candidates' context like an evaluation's.
      const probe = probeRequest(q, { type: q.subject.type, id: '-' });
      try {
        await deps.optionsFor(req, probe);
      } catch (e) {
        if (!(isAirlockError(e) && e.code === 'ERR_SUBJECT_FORBIDDEN')) throw e;
      }
      if (probe.context !== undefined) q.context = probe.context;
    } else {
      const probe = probeRequest(q, q.subject as EntityRef);
      const options = await deps.optionsFor(req, probe);
      if (probe.context !== undefined) q.context = probe.context;
      optionsFor = async () => options;
    }
    const answer = await deps.gateway.search(q, { ...(after !== undefined ? { after } : {}), limit }, { caller: req.auth!.caller, optionsFor });
    return {
      results: answer.results,
      page: { next_token: answer.next !== undefined ? encodeToken(digest, answer.next) : '', count: answer.results.length },
      context: { requestId: answer.requestId, policyVersion: answer.policyVersion, ...(answer.auditSeq !== undefined ? { auditSeq: answer.auditSeq } : {}) },
    };
  };
  const decide = { config: { access: 'decide' } };
  app.post('/access/v1/search/subject', decide, handler('subject'));
  app.post('/access/v1/search/resource', decide, handler('resource'));
  app.post('/access/v1/search/action', decide, handler('action'));
}
