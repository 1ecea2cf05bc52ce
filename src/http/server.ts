import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { AirlockError } from '../core/errors.js';
import { parseStrictJson } from '../core/strict-json.js';
import type { Caller } from '../core/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { sendError } from './errors.js';
import type { Metrics } from './metrics.js';
import { registerAuthzenRoutes } from './routes/authzen.js';
import { registerGatewayRoutes } from './routes/gateway.js';

export interface HttpServerOptions {
  runtime: Runtime;
  metrics: Metrics;
  logLevel?: string;
}

/**
 * Builds the HTTP edge. It is handed a runtime and never builds one, so tests drive it in process
 * (`app.inject`) or over a real socket with the same wiring as `airlock serve`.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const { runtime, metrics } = opts;
  const app = Fastify({
    logger: opts.logLevel && opts.logLevel !== 'silent' ? { level: opts.logLevel } : false,
    bodyLimit: runtime.config.bodyLimitBytes,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 200 },
  });

  // Every JSON body goes through the strict parser: duplicate keys, prototype keys and unsafe
  // integers are refused before anything else sees the request (threats.md §3.1–3.2).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    const charset = /charset=([^;\s]+)/.exec(ct)?.[1];
    if (charset && charset.replace(/"/g, '') !== 'utf-8') {
      done(new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE', 'only UTF-8 JSON is accepted'), undefined);
      return;
    }
    try {
      done(null, parseStrictJson(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.headers['content-type'] === undefined && !req.url.startsWith('/integrations/')) {
      const len = Number(req.headers['content-length'] ?? 0);
      if (len > 0 || req.headers['transfer-encoding']) throw new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE');
      throw new AirlockError('ERR_BODY_EMPTY');
    }
  });

  app.setErrorHandler((err, req, reply) => sendError(reply, req, err, (code) => metrics.rejected(code)));
  app.setNotFoundHandler((req, reply) => sendError(reply, req, new AirlockError('ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`), (code) => metrics.rejected(code)));

  // Until caller authentication lands, the caller is the network peer (serve binds loopback only).
  const callerOf = (req: FastifyRequest): Caller => ({ type: 'network', id: req.ip, via: 'http' });
  const baseUrl = (req: FastifyRequest): string => runtime.config.publicUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.headers.host ?? `${runtime.config.host}:${runtime.config.port}`}`;

  registerAuthzenRoutes(app, { authorizer: runtime.gateway, callerOf, baseUrl });
  registerGatewayRoutes(app, { runtime, metrics, callerOf });
  return app;
}
