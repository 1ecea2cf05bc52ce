/**
 * A client whose every decision request is a span of this process (an MCP proxy call, a hook
 * call), passed on to the gateway as the W3C `traceparent`, so the gateway's decision span is its
 * child in the same trace (docs/observability.md).
 */
import { noopTracer, type TraceSpan, type Tracer } from '../core/tracing.js';
import type { AirlockClient, AuthorizationRequest, ClientAuthorizeOptions, GatewayDecision } from '../sdk/types.js';

export function traceClient(client: AirlockClient, tracer: Tracer, spanName: string, parent?: () => TraceSpan | undefined): AirlockClient {
  if (!tracer.enabled) return client;
  const traced: AirlockClient = Object.create(client) as AirlockClient;
  traced.authorize = async (request: AuthorizationRequest, opts?: ClientAuthorizeOptions): Promise<GatewayDecision> => {
    const span = tracer.start(spanName, {
      kind: 'client',
      parent: parent?.(),
      traceparent: opts?.traceparent,
      attributes: {
        'airlock.subject.type': request.subject?.type,
        'airlock.subject.id': request.subject?.id,
        'airlock.action.name': request.action?.name,
        'airlock.resource.type': request.resource?.type,
        'airlock.resource.id': request.resource?.id,
      },
    });
    try {
      const tp = span.traceparent();
      const d = await client.authorize(request, tp ? { traceparent: tp } : {});
      span.set({ 'airlock.outcome': d.outcome, 'airlock.request_id': d.requestId });
      return d;
    } catch (e) {
      // No decision (gateway unreachable, bad answer): the call fails closed; the span says why.
      span.fail(e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      span.end();
    }
  };
  return traced;
}

export interface EdgeTracing {
  readonly tracer: Tracer;
  close(): Promise<void>;
}

/**
 * Tracing of an edge process (`airlock mcp`, `airlock hook`) from the standard OTEL_* variables;
 * without them nothing is loaded (hooks start once per tool call and must stay quick).
 */
export async function openEdgeTracing(env: NodeJS.ProcessEnv): Promise<EdgeTracing> {
  if (!env['AIRLOCK_TRACING_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_ENDPOINT']) return { tracer: noopTracer, close: async () => undefined };
  const { loadTracingConfig } = await import('../config/load.js');
  const { openTracing } = await import('../runtime/tracing.js');
  const tracing = await openTracing({ tracing: loadTracingConfig(env) });
  return { tracer: tracing.tracer, close: () => tracing.close() };
}
