/**
 * A real OTLP/HTTP trace receiver on loopback for tests: it accepts `POST /v1/traces` with the
 * JSON encoding (OTLP specification, "OTLP/HTTP" and "JSON Protobuf Encoding": trace and span ids
 * are hex strings, enums are numbers, 64-bit integers may be strings), answers 200 with an empty
 * `ExportTraceServiceResponse`, and keeps every span it decoded. Tests wait on `waitFor`, which
 * resolves when the spans received so far satisfy a predicate (no sleeps).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  /** The traces URL (`http://127.0.0.1:PORT/v1/traces`). */
  url: string;
  /** The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  base: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests received. */
  contentTypes: string[];
  /** Headers of the export requests received. */
  headers: Array<Record<string, string>>;
  waitFor(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue?.values ?? []).map(value);
  return undefined;
}

function attributes(list: Array<{ key: string; value: AnyValue }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = value(a.value);
  return out;
}

/** Decodes one ExportTraceServiceRequest in the OTLP JSON encoding. */
export function decodeOtlpJson(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  const rs = (body as { resourceSpans?: unknown[] }).resourceSpans;
  if (!Array.isArray(rs)) throw new Error('not an ExportTraceServiceRequest: no resourceSpans');
  for (const r of rs as Array<{ resource?: { attributes?: [] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<Record<string, unknown>> }> }>) {
    const resource = attributes(r.resource?.attributes);
    for (const ss of r.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        for (const id of ['traceId', 'spanId'] as const) if (typeof s[id] !== 'string' || !/^[0-9a-f]+$/.test(s[id] as string)) throw new Error(`span ${id} is not hex: ${String(s[id])}`);
        out.push({
          traceId: s['traceId'] as string,
          spanId: s['spanId'] as string,
          parentSpanId: (s['parentSpanId'] as string | undefined) ?? '',
          name: s['name'] as string,
          kind: s['kind'] as number,
          startNs: BigInt(s['startTimeUnixNano'] as string),
          endNs: BigInt(s['endTimeUnixNano'] as string),
          attributes: attributes(s['attributes'] as []),
          events: ((s['events'] as Array<{ name: string; attributes?: [] }> | undefined) ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: (s['status'] as { code: number; message?: string } | undefined) ?? { code: 0 },
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const headers: Array<Record<string, string>> = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.push(type);
      headers.push(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
      try {
        if (!type.startsWith('application/json')) throw new Error(`unexpected content type ${type}`);
        spans.push(...decodeOtlpJson(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (e as Error).message }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/v1/traces`,
    base,
    spans,
    contentTypes,
    headers,
    waitFor(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(spans)) return;
          cleanup();
          resolve(spans);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`spans not received in ${timeoutMs} ms; have: ${spans.map((s) => s.name).join(', ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
