/**
 * Tracing from the configuration: the no-op tracer unless `tracing.endpoint` (or the standard
 * `OTEL_EXPORTER_OTLP_*` variables, read by config/load.ts) names an OTLP/HTTP receiver. The SDK
 * is imported only then (docs/observability.md).
 */
import type { Config } from '../config/schema.js';
import { noopTracer, type Tracer } from '../core/tracing.js';

export interface Tracing {
  readonly tracer: Tracer;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const OFF: Tracing = { tracer: noopTracer, flush: async () => undefined, close: async () => undefined };

export async function openTracing(config: Pick<Config, 'tracing'>, serviceVersion = '0.1.0'): Promise<Tracing> {
  const t = config.tracing;
  if (!t) return OFF;
  const { createOtelTracing } = await import('./otel-tracer.js');
  return createOtelTracing({ endpoint: t.endpoint, serviceName: t.serviceName, serviceVersion, headers: t.headers, sampleRatio: t.sampleRatio });
}
