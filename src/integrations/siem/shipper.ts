/**
 * Ships the audit log to a SIEM: reads each writer's records in seq order from the store, turns
 * them into lines (JSON or OCSF), hands them to a sink in batches, and advances the cursor only
 * after the sink acknowledged a batch. Delivery is at least once; the log itself stays the proof
 * of completeness (`airlock audit verify`), the SIEM copy is for search and alerting.
 */
import type { AuditRecord, AuditRepo } from '../../store/port.js';

/** Takes one batch of lines; resolves once they are delivered, rejects to have them retried. */
export type ShipSink = (lines: string[]) => Promise<void>;

export interface ShipOptions {
  audit: Pick<AuditRepo, 'read' | 'writers'>;
  /** The line for a record, or undefined to skip it (kinds without a mapping, filters). */
  lineOf: (r: AuditRecord) => string | undefined;
  sink: ShipSink;
  cursor: import('./cursor.js').ShipCursor;
  /** First seq for a writer the cursor has not seen. */
  since: number;
  /** Only these writers; default every writer of the log, listed again each round. */
  writers?: readonly string[];
  /** Records read per batch (one sink call per batch that has lines). */
  batch?: number;
  /** Keep polling for new records until `signal` aborts; otherwise one pass. */
  follow: boolean;
  intervalMs: number;
  signal: AbortSignal;
  /** Failed deliveries: attempts per batch (default: unbounded when following, 5 otherwise). */
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

export interface ShipResult {
  /** Records read and passed (shipped or skipped) past the cursor. */
  records: number;
  /** Lines delivered to the sink. */
  lines: number;
}

export async function shipAudit(o: ShipOptions): Promise<ShipResult> {
  const out: ShipResult = { records: 0, lines: 0 };
  const batch = o.batch ?? 500;
  const maxAttempts = o.maxAttempts ?? (o.follow ? Number.POSITIVE_INFINITY : 5);
  const backoff = o.backoff ?? { baseMs: 500, maxMs: 30_000 };
  for (;;) {
    const writers = o.writers ?? (await o.audit.writers());
    for (const w of writers) {
      for (;;) {
        if (o.signal.aborted) return out;
        const from = o.cursor.next(w, o.since);
        const page = await o.audit.read(w, from, batch);
        if (page.length === 0) break;
        const lines: string[] = [];
        for (const r of page) {
          const line = o.lineOf(r);
          if (line !== undefined) lines.push(line);
        }
        if (lines.length > 0) {
          await deliver(o, lines, maxAttempts, backoff);
          out.lines += lines.length;
        }
        o.cursor.advance(w, page.at(-1)!.seq + 1);
        out.records += page.length;
        if (page.length < batch) break;
      }
    }
    if (!o.follow || !(await pause(o.intervalMs, o.signal))) return out;
  }
}

async function deliver(o: ShipOptions, lines: string[], maxAttempts: number, backoff: { baseMs: number; maxMs: number }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await o.sink(lines);
      return;
    } catch (err) {
      if (attempt >= maxAttempts || o.signal.aborted) throw err;
      const waitMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
      o.onRetry?.(err, attempt, waitMs);
      if (!(await pause(waitMs, o.signal))) throw err;
    }
  }
}

/** Waits `ms`; false when `signal` aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delivery refused by the receiving end: retried; the text never carries the body sent. */
export class SinkRefused extends Error {}

/**
 * POSTs each batch as NDJSON to `url` (a SIEM's or collector's HTTP intake: Splunk HEC raw
 * endpoint, Vector/Fluent Bit/OpenTelemetry Collector HTTP sources, Logstash http input). Any 2xx
 * acknowledges the batch.
 */
export function httpSink(url: string, headers: Readonly<Record<string, string>>, timeoutMs = 30_000): ShipSink {
  return async (lines) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...headers },
        body: lines.join('\n') + '\n',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new SinkRefused(`POST ${redactUrl(url)} failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new SinkRefused(`POST ${redactUrl(url)} answered ${res.status}`);
  };
}

/** Writes each batch to a stream (stdout), waiting when it is full. */
export function streamSink(stream: NodeJS.WritableStream): ShipSink {
  return (lines) =>
    new Promise((resolve, reject) => {
      stream.write(lines.join('\n') + '\n', (err) => (err ? reject(err) : resolve()));
    });
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    u.search = u.search ? '?…' : '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
