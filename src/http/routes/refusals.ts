import type { FastifyInstance } from 'fastify';
import { asObject } from '../../core/request-shape.js';
import { refusalRecord } from '../../core/refusal-record.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';

/**
 * `POST /v1/refusals`: an enforcement point records a message it refused before asking for a
 * decision (the MCP proxy's batches, unknown methods, oversized arguments), so that every stopped
 * action is in the audit log, under the caller that reported it. Answered once it is durable.
 */
export function registerRefusalRoutes(app: FastifyInstance, deps: { runtime: EdgeRuntime }): void {
  app.post('/v1/refusals', { config: { access: 'decide' } }, async (req) => {
    const record = refusalRecord(asObject(req.body, '/'));
    const caller = req.auth!.caller;
    const rec = await deps.runtime.audit.append('refusal', { caller: { type: caller.type, id: caller.id }, ...record });
    return { recorded: true, auditSeq: rec.seq };
  });
}
