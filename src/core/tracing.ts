/**
 * Tracing as a port (issue 16). The gateway and the edges describe what they do as spans; the
 * OpenTelemetry SDK that records and exports them is wired in `runtime/tracing.ts` only when OTLP
 * export is configured. Off by default: `noopTracer` hands out one shared span whose methods do
 * nothing, so a decision pays a few empty calls and no allocation for tracing.
 */

export type TraceValue = string | number | boolean | readonly string[];
export type TraceAttributes = Readonly<Record<string, TraceValue | undefined>>;

export interface TraceSpan {
  /** A child span (a pipeline step, a downstream call). */
  child(name: string, attributes?: TraceAttributes): TraceSpan;
  set(attributes: TraceAttributes): void;
  /** A point in time inside this span. */
  event(name: string, attributes?: TraceAttributes): void;
  /** Marks the span as failed (an internal fault; a deny is not a failure). */
  fail(message: string): void;
  end(): void;
  /** The W3C `traceparent` naming this span, for a downstream call; undefined when not recording. */
  traceparent(): string | undefined;
}

export interface SpanStart {
  /** The caller's W3C `traceparent` header; malformed values are ignored (a new trace starts). */
  traceparent?: string | undefined;
  /** An in-process parent span; wins over `traceparent`. */
  parent?: TraceSpan | undefined;
  kind?: 'server' | 'client' | 'internal';
  attributes?: TraceAttributes;
}

export interface Tracer {
  /** False for the no-op tracer: callers may skip building attributes. */
  readonly enabled: boolean;
  start(name: string, opts?: SpanStart): TraceSpan;
}

const NOOP_SPAN: TraceSpan = {
  child: () => NOOP_SPAN,
  set: () => undefined,
  event: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  traceparent: () => undefined,
};

export const noopTracer: Tracer = { enabled: false, start: () => NOOP_SPAN };

/**
 * Runs `fn` inside a child span of `parent` named `name`; a throw marks the span failed and is
 * rethrown. The span ends whatever happens.
 */
export async function inSpan<T>(parent: TraceSpan, name: string, fn: (span: TraceSpan) => Promise<T> | T): Promise<T> {
  const span = parent.child(name);
  try {
    return await fn(span);
  } catch (err) {
    span.fail(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    span.end();
  }
}
