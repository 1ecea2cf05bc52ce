import type { FastifyInstance } from 'fastify';
import type { EdgeRuntime } from '../../runtime/runtime.js';

/**
 * Liveness and readiness for supervisors and load balancers (docs/operations.md). `/healthz`:
 * the process answers. `/readyz`: it can decide and record now — store reachable, bundle loaded,
 * last audit write committed, not draining; otherwise 503, so a balancer sends elsewhere.
 */
export function registerHealthRoutes(app: FastifyInstance, runtime: EdgeRuntime): void {
  app.get('/healthz', { config: { access: 'open' } }, async (_req, reply) => {
    const bundle = runtime.policies.current();
    if (!bundle) return reply.code(503).send({ status: 'not_ready', reason: 'no policy bundle' });
    return { status: 'ok', policyVersion: bundle.version };
  });

  app.get('/readyz', { config: { access: 'open' } }, async (_req, reply) => {
    const r = await runtime.readiness();
    const body = { status: r.ready ? 'ready' : 'not_ready', checks: r.checks, draining: r.draining, ...(r.policyVersion ? { policyVersion: r.policyVersion } : {}) };
    if (!r.ready) reply.code(503).header('retry-after', String(runtime.config.retryAfterSeconds));
    return body;
  });
}
