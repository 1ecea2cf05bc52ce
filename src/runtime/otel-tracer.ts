/**
 * The OpenTelemetry SDK behind the tracing port (core/tracing.ts): a tracer provider with a batch
 * processor and the OTLP/HTTP exporter. Loaded by `runtime/tracing.ts` only when export is
 * configured, so a gateway without tracing never loads the SDK.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, isSpanContextValid, trace, type Attributes, type Context, type Span, type Tracer as OtelTracer } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanStart, TraceAttributes, TraceSpan, Tracer } from '../core/tracing.js';

export interface OtelTracingOptions {
  /** OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  endpoint: string;
  serviceName: string;
  serviceVersion: string;
  headers: Readonly<Record<string, string>>;
  /** Share of new traces recorded (a caller's sampled flag is followed). */
  sampleRatio: number;
}

export interface OtelTracing {
  tracer: Tracer;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Flushes and stops the exporter. */
  close(): Promise<void>;
}

/**
 * One clock for every span: epoch milliseconds with sub-millisecond precision, from a single anchor.
 * Left to itself the SDK starts each span at `Date.now()` (whole milliseconds) and adds a monotonic
 * duration, so a child that ends just before its parent could be stamped after it.
 */
const anchorEpochMs = Date.now();
const anchorPerfMs = performance.now();
function now(): number {
  return anchorEpochMs + (performance.now() - anchorPerfMs);
}

const KINDS = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL } as const;

function attrs(a: TraceAttributes | undefined): Attributes | undefined {
  if (!a) return undefined;
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v as Attributes[string];
  return out;
}

class OtelSpan implements TraceSpan {
  private readonly tracer: OtelTracer;
  readonly span: Span;
  constructor(tracer: OtelTracer, span: Span) {
    this.tracer = tracer;
    this.span = span;
  }
  child(name: string, attributes?: TraceAttributes): TraceSpan {
    const a = attrs(attributes);
    return new OtelSpan(this.tracer, this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: now(), ...(a ? { attributes: a } : {}) }, trace.setSpan(ROOT_CONTEXT, this.span)));
  }
  set(attributes: TraceAttributes): void {
    this.span.setAttributes(attrs(attributes) ?? {});
  }
  event(name: string, attributes?: TraceAttributes): void {
    this.span.addEvent(name, attrs(attributes), now());
  }
  fail(message: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  end(): void {
    this.span.end(now());
  }
  traceparent(): string | undefined {
    const c = this.span.spanContext();
    return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  }
}

/** The parent context: an in-process span, else the caller's W3C traceparent when it is valid. */
function parentContext(opts: SpanStart | undefined): Context {
  if (opts?.parent instanceof OtelSpan) return trace.setSpan(ROOT_CONTEXT, opts.parent.span);
  const header = opts?.traceparent;
  if (typeof header === 'string' && header.length <= 128) {
    const sc = parseTraceParent(header.trim());
    if (sc && isSpanContextValid(sc)) return trace.setSpanContext(ROOT_CONTEXT, sc);
  }
  return ROOT_CONTEXT;
}

export function createOtelTracing(o: OtelTracingOptions): OtelTracing {
  const exporter = new OTLPTraceExporter({ url: o.endpoint, headers: { ...o.headers } });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName, 'service.version': o.serviceVersion }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const otel = provider.getTracer('airlock', o.serviceVersion);
  const tracer: Tracer = {
    enabled: true,
    start(name, opts) {
      const a = attrs(opts?.attributes);
      return new OtelSpan(otel, otel.startSpan(name, { kind: KINDS[opts?.kind ?? 'internal'], startTime: now(), ...(a ? { attributes: a } : {}) }, parentContext(opts)));
    },
  };
  return {
    tracer,
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}
