import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { AirlockError } from '../core/errors.js';
import { parseStrictJson } from '../core/strict-json.js';
import type { EdgeRuntime } from '../runtime/runtime.js';
import { decisionOptions, registerAuthentication } from './auth.js';
import { sendError } from './errors.js';
import type { Metrics } from './metrics.js';
import { handleClaudeCodeHook } from '../integrations/hooks/index.js';
import { refusalRecord } from '../core/refusal-record.js';
import { registerAccessRequestRoutes, requestableDenial } from './routes/access-requests.js';
import { registerApprovalRoutes } from './routes/approvals.js';
import { registerAuthzenRoutes } from './routes/authzen.js';
import { registerAuthzenSearchRoutes } from './routes/authzen-search.js';
import { registerDelegationRoutes, withDelegationHeader } from './routes/delegations.js';
import { registerEvidenceRoutes } from './routes/evidence.js';
import { registerRefusalRoutes } from './routes/refusals.js';
import { registerElevationRoutes } from './routes/elevations.js';
import { registerGatewayRoutes } from './routes/gateway.js';
import { registerIdentityRoutes } from './routes/identities.js';
import { registerSlackRoutes } from '../integrations/slack/routes.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLoadShedding } from './load-shedding.js';
import { registerReadScope } from './read-scope.js';
import { consoleEnabled, registerConsole } from '../console/routes.js';

/** The W3C Trace Context `traceparent` request header, when there is exactly one. */
function traceparentOf(req: FastifyRequest): string | undefined {
  const v = req.headers['traceparent'];
  return typeof v === 'string' ? v : undefined;
}

export interface HttpServerOptions {
  runtime: EdgeRuntime;
  metrics: Metrics;
}

/**
 * Builds the HTTP edge. It is handed a runtime and never builds one, so tests drive it in process
 * (`app.inject`) or over a real socket with the same wiring as `airlock serve`.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const { runtime, metrics } = opts;
  const cfg = runtime.config;
  const app: FastifyInstance = Fastify({
    // The runtime's one logger; one line per decision comes from the decision observer instead of
    // two per request from Fastify.
    loggerInstance: runtime.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.bodyLimitBytes,
    requestTimeout: cfg.requestTimeoutMs,
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 200 },
    // Slow headers are cut within headersTimeoutMs: Node checks its timers every
    // connectionsCheckingInterval (30 s by default, which let slow clients hold a socket ~55 s).
    serverFactory: (handler) =>
      createServer(
        {
          headersTimeout: cfg.headersTimeoutMs,
          requestTimeout: cfg.requestTimeoutMs,
          connectionsCheckingInterval: Math.max(250, Math.min(1000, Math.floor(cfg.headersTimeoutMs / 4))),
        },
        handler,
      ),
    // `req.ip` follows X-Forwarded-For only through the configured proxies (proxy-addr semantics).
    ...(runtime.config.trustedProxies.length > 0 ? { trustProxy: [...runtime.config.trustedProxies] } : {}),
  });
  registerLoadShedding(app, metrics, { maxInFlightDecisions: cfg.maxInFlightDecisions, maxConnections: cfg.maxConnections, retryAfterSeconds: cfg.retryAfterSeconds });

  // Every JSON body goes through the strict parser: duplicate keys, prototype keys and unsafe
  // integers are refused before anything else sees the request (threats.md §3.1–3.2).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    const charset = /charset=([^;\s]+)/.exec(ct)?.[1];
    if (charset && charset.replace(/"/g, '') !== 'utf-8') {
      done(new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE', 'only UTF-8 JSON is accepted'), undefined);
      return;
    }
    let text: string;
    try {
      // Invalid UTF-8 must not silently become U+FFFD (RFC 8259 §8.1; threats.md §3.1).
      text = utf8.decode(body as Buffer);
    } catch {
      done(new AirlockError('ERR_JSON_MALFORMED', 'request body is not valid UTF-8'), undefined);
      return;
    }
    try {
      done(null, parseStrictJson(text));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // A body without a content type is refused; a POST with no body at all is refused unless its
  // route takes none (`config: { bodyOptional: true }`, e.g. `POST /v1/policy/reload`).
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.headers['content-type'] === undefined && !req.url.startsWith('/integrations/')) {
      const len = Number(req.headers['content-length'] ?? 0);
      if (len > 0 || req.headers['transfer-encoding']) throw new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE');
      if (!(req.routeOptions.config as { bodyOptional?: boolean } | undefined)?.bodyOptional) throw new AirlockError('ERR_BODY_EMPTY');
    }
  });

  app.setErrorHandler((err, req, reply) => sendError(reply, req, err, (code) => metrics.rejected(code)));
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    const other = (['GET', 'POST', 'PATCH', 'DELETE'] as const).filter((m) => m !== req.method && app.hasRoute({ method: m, url }));
    const err =
      other.length > 0
        ? new AirlockError('ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url} (use ${other.join(', ')})`)
        : new AirlockError('ERR_NOT_FOUND', `no route ${req.method} ${url}`);
    if (other.length > 0) reply.header('allow', other.join(', '));
    return sendError(reply, req, err, (code) => metrics.rejected(code));
  });

  registerReadScope(app, runtime);
  // DESIGN §2 step 1: every route but /healthz and discovery needs an API key.
  registerAuthentication(app, runtime, metrics);
  // X-Airlock-Delegation is copied into context.delegationToken before the subject rule and the gateway see the request.
  // W3C Trace Context: the caller's `traceparent` makes each decision's span a child in its trace.
  const optionsFor = async (req: FastifyRequest, request: Parameters<typeof decisionOptions>[2]) => {
    const o = await decisionOptions(runtime, req, withDelegationHeader(req, request));
    const tp = traceparentOf(req);
    return tp ? { ...o, traceparent: tp } : o;
  };
  // Discovery URLs come from configuration or the socket we listen on, never from the client's
  // Host header (a cached discovery document must not be poisonable).
  const baseUrl = (): string => {
    if (runtime.config.publicUrl) return runtime.config.publicUrl.replace(/\/$/, '');
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : runtime.config.port;
    const host = runtime.config.host.includes(':') ? `[${runtime.config.host}]` : runtime.config.host;
    return `http://${host}:${port}`;
  };

  registerHealthRoutes(app, runtime);
  registerAuthzenRoutes(app, { authorizer: runtime.gateway, optionsFor, baseUrl, extras: (d) => (d.outcome === 'approval_required' ? requestableDenial(runtime, d, baseUrl()) : undefined) });
  registerAuthzenSearchRoutes(app, { gateway: runtime.gateway, optionsFor });
  registerGatewayRoutes(app, { runtime, metrics, optionsFor });
  registerIdentityRoutes(app, { runtime });
  registerApprovalRoutes(app, { runtime });
  registerEvidenceRoutes(app, { runtime, optionsFor });
  registerRefusalRoutes(app, { runtime });
  registerAccessRequestRoutes(app, { runtime, baseUrl });
  // Claude Code `type: "http"` hooks (docs/agents.md): the caller is the agent. An accepted hook
  // body is answered 200 with the decision JSON, also when it cannot be decided (deny); auth and
  // HTTP-level errors (401, 413, 415, 400 for a body that is not JSON) are answered as elsewhere.
  // PostToolUse reports the execution under the PreToolUse decisions, kept in the store so that any
  // replica behind a load balancer links it.
  app.post('/v1/hooks/claude-code', { config: { access: 'decide' } }, async (req) => {
    const caller = req.auth!.caller;
    // One span per hook call; the decisions it asks for are its children.
    const span = runtime.tracer.start('airlock.hook', { kind: 'server', traceparent: traceparentOf(req), attributes: { 'airlock.hook.host': 'claude-code', 'airlock.caller.id': caller.id } });
    try {
      return await handleClaudeCodeHook(
        req.body,
        { authorize: (r) => runtime.gateway.authorize(r, { caller, parentSpan: span }) },
        {
          subject: { type: caller.type, id: caller.id },
          host: 'claude-code',
          correlation: runtime.hookCorrelation(caller),
          reportExecution: async (r) => void (await runtime.audit.append('execution', { ...r, reportedBy: caller.id })),
          reportRefusal: async (r) => void (await runtime.audit.append('refusal', { caller: { type: caller.type, id: caller.id }, ...refusalRecord(r as unknown as Record<string, unknown>) })),
          log: (line) => req.log.info({ hook: 'claude-code' }, line),
        },
      );
    } finally {
      span.end();
    }
  });
  registerDelegationRoutes(app, { runtime });
  registerElevationRoutes(app, { runtime });
  // Slack approvals (docs/chat.md): `access: 'open'` routes authenticated by Slack's signature.
  const slack = runtime.slack;
  if (slack) void app.register(async (scope) => registerSlackRoutes(scope, slack));
  // The approver console (docs/console.md): one more client of the same functions, own sessions.
  if (consoleEnabled(runtime.config)) registerConsole(app, { runtime, baseUrl });
  return app;
}
