import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirlockError, isAirlockError } from '../../core/errors.js';
import { asObject, parseAuthorizationRequest } from '../../core/request-shape.js';
import type { AuthorizationRequest, AuthorizeOptions, Authorizer, Decision } from '../../core/types.js';

export interface AuthzenRouteDeps {
  authorizer: Authorizer;
  /** The caller's options for a request; throws 403 when the caller may not ask about its subject. */
  optionsFor(req: FastifyRequest, request: AuthorizationRequest): Promise<AuthorizeOptions>;
  baseUrl(req: FastifyRequest): string;
  /** Extra AuthZEN context for a decision (the access-request profile's requestable denial). */
  extras?(d: Decision, req: FastifyRequest): Promise<Record<string, unknown>> | undefined;
}

type Semantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';
const SEMANTICS: readonly Semantic[] = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'];

interface EvaluationResult {
  decision: boolean;
  context?: Decision | Record<string, unknown>;
}

/** The AuthZEN decision object: `decision` is true only for allow (AuthZEN 1.0 §6.2). */
export function toAuthzen(d: Decision): { decision: boolean; context: Decision } {
  return { decision: d.outcome === 'allow', context: d };
}

/** AuthZEN §10.1.2: a PDP MUST echo X-Request-ID. Node has already bounded header sizes. */
function clientRequestId(req: FastifyRequest): string | undefined {
  const v = req.headers['x-request-id'];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Most items one batch may carry; each is a full decision with its own audit record. */
export const MAX_BATCH_ITEMS = 1000;

/**
 * An item's entity replaces the default field by field (AuthZEN §7.1 "default values"): a default
 * `{type: "record"}` and an item `{id: "record-1"}` make `{type: "record", id: "record-1"}`.
 */
function mergeDefault(item: unknown, dflt: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (item === undefined) return dflt;
  if (isObj(item) && isObj(dflt)) return { ...dflt, ...item };
  return item;
}

/** OpenID AuthZEN Authorization API 1.0: evaluation, evaluations (batch) and discovery. */
export function registerAuthzenRoutes(app: FastifyInstance, deps: AuthzenRouteDeps): void {
  const decide = { config: { access: 'decide' } };
  const answer = async (d: Decision, req: FastifyRequest) => {
    const extra = deps.extras?.(d, req);
    return { decision: d.outcome === 'allow', context: extra ? { ...d, ...(await extra) } : d };
  };
  app.post('/access/v1/evaluation', decide, async (req) => {
    const request = parseAuthorizationRequest(req.body);
    return answer(await deps.authorizer.authorize(request, await deps.optionsFor(req, request)), req);
  });

  app.post('/access/v1/evaluations', decide, async (req) => {
    const body = asObject(req.body, '/');
    const items = body['evaluations'];
    // AuthZEN §7.1: absent or empty `evaluations` behaves exactly like the single endpoint.
    if (items === undefined || (Array.isArray(items) && items.length === 0)) {
      const request = parseAuthorizationRequest(body);
      return answer(await deps.authorizer.authorize(request, await deps.optionsFor(req, request)), req);
    }
    if (!Array.isArray(items)) throw new AirlockError('ERR_REQUEST_INVALID', '/evaluations: must be an array', { path: '/evaluations' });
    if (items.length > MAX_BATCH_ITEMS) {
      throw new AirlockError('ERR_REQUEST_INVALID', `/evaluations: at most ${MAX_BATCH_ITEMS} items per batch`, { path: '/evaluations' });
    }
    const options = body['options'] === undefined ? {} : asObject(body['options'], '/options');
    const semantic = (options['evaluations_semantic'] ?? 'execute_all') as Semantic;
    if (!SEMANTICS.includes(semantic)) {
      throw new AirlockError('ERR_REQUEST_INVALID', `/options/evaluations_semantic: must be one of ${SEMANTICS.join(', ')}`, { path: '/options/evaluations_semantic' });
    }
    const includeContext = options['include_context'] === true;
    // Every item is parsed first; an item the caller may not ask about refuses the whole batch
    // (403) before anything is decided, so a batch cannot smuggle another subject past the check.
    type Parsed = { request: AuthorizationRequest; options: AuthorizeOptions } | { error: EvaluationResult };
    const parsed: Parsed[] = [];
    for (let i = 0; i < items.length; i++) {
      let request: AuthorizationRequest;
      try {
        const o = asObject(items[i], `/evaluations/${i}`);
        // Per-item keys override the top-level defaults (AuthZEN §7.1).
        request = parseAuthorizationRequest(
          {
            subject: mergeDefault(o['subject'], body['subject']),
            action: mergeDefault(o['action'], body['action']),
            resource: mergeDefault(o['resource'], body['resource']),
            context: o['context'] ?? body['context'],
          },
          `/evaluations/${i}`,
        );
      } catch (e) {
        // A per-item problem is that item's deny, not a failed batch.
        parsed.push({ error: { decision: false, context: { error: { status: 400, code: 'ERR_REQUEST_INVALID', message: (e as Error).message } } } });
        continue;
      }
      parsed.push({ request, options: await deps.optionsFor(req, request) });
    }

    const evaluate = async (p: Parsed): Promise<EvaluationResult> => {
      if ('error' in p) return p.error;
      let d: Decision;
      try {
        d = await deps.authorizer.authorize(p.request, p.options);
      } catch (e) {
        // An item the gateway refuses as input (ERR_CONTEXT_RESERVED) is that item's deny, like a shape error.
        if (isAirlockError(e) && e.status === 400) return { decision: false, context: { error: { status: 400, code: e.code, message: e.message } } };
        throw e;
      }
      return includeContext ? toAuthzen(d) : { decision: d.outcome === 'allow' };
    };

    let evaluations: EvaluationResult[];
    if (semantic === 'execute_all') {
      evaluations = await Promise.all(parsed.map(evaluate));
    } else {
      evaluations = [];
      for (let i = 0; i < items.length; i++) {
        const r = await evaluate(parsed[i]!);
        evaluations.push(r);
        if (semantic === 'deny_on_first_deny' && !r.decision) break;
        if (semantic === 'permit_on_first_permit' && r.decision) break;
      }
    }
    return { evaluations };
  });

  app.get('/.well-known/authzen-configuration', { config: { access: 'open' } }, async (req, reply) => {
    const base = deps.baseUrl(req);
    reply.header('cache-control', 'max-age=300');
    return {
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
      search_subject_endpoint: `${base}/access/v1/search/subject`,
      search_resource_endpoint: `${base}/access/v1/search/resource`,
      search_action_endpoint: `${base}/access/v1/search/action`,
      access_request_endpoint: `${base}/access/v1/requests`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      capabilities: ['urn:openid:authzen:capability:access-request'],
    };
  });

  // RFC 8615 well-known URIs are public metadata. This gateway is one PDP at its base URL, so a
  // path-suffixed discovery document (`/.well-known/authzen-configuration/{tenant}`, AuthZEN §9) or
  // any other unknown well-known URI is a plain 404 — answered without a key, like the rest of
  // /.well-known/*, never a 401 that tells a client to authenticate for metadata.
  app.get('/.well-known/*', { config: { access: 'open' } }, async (req) => {
    throw new AirlockError('ERR_NOT_FOUND', `no well-known resource ${req.url.split('?')[0]}`);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const id = clientRequestId(req);
    if (id) reply.header('x-request-id', id);
    return payload;
  });
}
