import type { FastifyInstance } from 'fastify';
import type { EdgeRuntime } from '../runtime/runtime.js';

/**
 * Every hook and the handler of one request run in one read scope, so its registry reads (the
 * API key, the caller, the subject and its owner) share one freshness check
 * (store/read-scope.ts). Registered before authentication; the scope is entered with the rest of
 * the request's lifecycle as its continuation, and Fastify carries the async context through
 * body parsing into the handler.
 */
export function registerReadScope(app: FastifyInstance, runtime: Pick<EdgeRuntime, 'readScope'>): void {
  app.addHook('onRequest', (_req, _reply, done) => runtime.readScope(done));
}
