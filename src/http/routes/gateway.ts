import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseAuthorizationRequest } from '../../core/request-shape.js';
import type { AuthorizationRequest, AuthorizeOptions } from '../../core/types.js';
import type { Metrics } from '../metrics.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';
import { AirlockError } from '../../core/errors.js';

export interface GatewayRouteDeps {
  runtime: EdgeRuntime;
  metrics: Metrics;
  optionsFor(req: FastifyRequest, request: AuthorizationRequest): Promise<AuthorizeOptions>;
}

/** Airlock's own API: the full decision object, metrics and policy reload (health: routes/health.ts). */
export function registerGatewayRoutes(app: FastifyInstance, deps: GatewayRouteDeps): void {
  const { runtime } = deps;

  app.post('/v1/authorize', { config: { access: 'decide' } }, async (req) => {
    const request = parseAuthorizationRequest(req.body);
    return runtime.gateway.authorize(request, await deps.optionsFor(req, request));
  });

  app.get('/metrics', { config: { access: 'reader' } }, async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.get('/v1/policy', { config: { access: 'reader' } }, async () => {
    const b = runtime.policies.current();
    if (!b) throw new AirlockError('ERR_NOT_READY', 'no policy bundle is loaded');
    return { version: b.version, policies: [...b.policies.values()].map((p) => ({ id: p.id, effect: p.effect, file: p.file, line: p.line, annotations: p.annotations })) };
  });

  app.post('/v1/policy/reload', { config: { bodyOptional: true, access: 'admin' } }, async () => {
    const r = await runtime.reloadPolicies();
    if (!r.ok) {
      throw new AirlockError('ERR_BUNDLE_INVALID', `policy bundle is invalid; version ${r.version ?? 'none'} stays in force`, {
        version: r.version,
        problems: r.problems,
      });
    }
    return { reloaded: true, version: r.version };
  });
}
