/**
 * Just-in-time elevation over HTTP (docs/elevation.md, docs/api.md): ask, list, show, revoke. The
 * caller is the identity itself, its owner, or an admin; auditors may read.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirlockError } from '../../core/errors.js';
import { asObject } from '../../core/request-shape.js';
import type { ElevationCaller } from '../../runtime/elevation-desk.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';

function who(req: FastifyRequest): ElevationCaller {
  const auth = req.auth;
  if (!auth) throw new AirlockError('ERR_UNAUTHENTICATED');
  return { identity: auth.identity, caller: auth.caller };
}

export function registerElevationRoutes(app: FastifyInstance, deps: { runtime: EdgeRuntime }): void {
  const desk = deps.runtime.elevations;

  app.post('/v1/elevations', async (req, reply) => {
    const body = asObject(req.body, 'body');
    const r = await desk.request(body, who(req));
    if (r.status === 'denied') {
      throw new AirlockError('ERR_ELEVATION_DENIED', 'policy denied the elevation', { requestId: r.decision.requestId, reasons: r.decision.reasons.map((x) => ({ code: x.code, message: x.message, ...(x.policyId ? { policyId: x.policyId } : {}) })) });
    }
    return reply.code(r.status === 'active' ? 201 : 202).send(r);
  });

  app.get('/v1/elevations', async (req) => {
    const q = req.query as Record<string, unknown>;
    const principal = typeof q['principal'] === 'string' && q['principal'].length > 0 ? q['principal'] : undefined;
    const active = q['active'] === 'true' || q['active'] === '1';
    return { elevations: await desk.list({ ...(principal ? { principal } : {}), active }, who(req)) };
  });

  app.get('/v1/elevations/:id', async (req) => desk.get((req.params as { id: string }).id, who(req)));

  app.post('/v1/elevations/:id/revoke', { config: { bodyOptional: true } }, async (req) => {
    const body = req.body === undefined || req.body === null ? {} : asObject(req.body, 'body');
    const reason = body['reason'];
    if (reason !== undefined && typeof reason !== 'string') throw new AirlockError('ERR_REQUEST_INVALID', 'reason must be text', { field: 'reason' });
    return desk.revoke((req.params as { id: string }).id, reason, who(req));
  });
}
