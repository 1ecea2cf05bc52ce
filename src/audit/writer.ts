import type { Clock } from '../core/clock.js';
import { AirlockError } from '../core/errors.js';
import type { AuditEntry, AuditRecord, AuditRepo } from '../store/port.js';
import { sealRecord } from './chain.js';

export interface AuditWriter {
  readonly writer: string;
  /** Resolves once the record is durably committed; rejects with ERR_AUDIT_UNAVAILABLE otherwise. */
  append(kind: string, record: Record<string, unknown>): Promise<AuditRecord>;
  close(): Promise<void>;
}

export interface AuditWriterOptions {
  repo: AuditRepo;
  writer: string;
  clock: Clock;
  /** Longest a caller waits for its commit before the append counts as failed. */
  timeoutMs: number;
  /** Most records committed in one transaction. */
  maxBatch?: number;
  onCommit?: (records: number, ms: number) => void;
}

interface Pending {
  entry: AuditEntry;
  resolve: (r: AuditRecord) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: appends that arrive while a commit is being prepared or is in flight are written
 * together in the next transaction, so a burst of concurrent decisions costs one durable commit
 * rather than one each, and no answer leaves before its record is durable.
 */
export function createAuditWriter(opts: AuditWriterOptions): AuditWriter {
  const maxBatch = opts.maxBatch ?? 1024;
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  function schedule(): void {
    if (scheduled || inFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      inFlight = flush().finally(() => {
        inFlight = undefined;
        if (queue.length > 0) schedule();
      });
    });
  }

  async function flush(): Promise<void> {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    if (batch.length === 0) return;
    const started = performance.now();
    try {
      const records = await opts.repo.append(
        opts.writer,
        batch.map((p) => p.entry),
        sealRecord,
      );
      opts.onCommit?.(records.length, performance.now() - started);
      batch.forEach((p, i) => p.resolve(records[i]!));
    } catch (cause) {
      const err = new AirlockError('ERR_AUDIT_UNAVAILABLE', `audit append failed: ${(cause as Error)?.message ?? cause}`, undefined, { cause });
      for (const p of batch) p.reject(err);
    }
  }

  return {
    writer: opts.writer,
    append(kind, record) {
      if (closed) return Promise.reject(new AirlockError('ERR_AUDIT_UNAVAILABLE', 'audit writer is closed'));
      return new Promise<AuditRecord>((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          reject(new AirlockError('ERR_AUDIT_UNAVAILABLE', `audit append did not commit within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
        timer.unref?.();
        queue.push({
          entry: { at: new Date(opts.clock.now()).toISOString(), kind, record },
          resolve: (r) => {
            clearTimeout(timer);
            if (!settled) {
              settled = true;
              resolve(r);
            }
          },
          reject: (e) => {
            clearTimeout(timer);
            if (!settled) {
              settled = true;
              reject(e);
            }
          },
        });
        schedule();
      });
    },
    async close() {
      closed = true;
      while (queue.length > 0 || inFlight || scheduled) {
        if (inFlight) await inFlight;
        else await new Promise((r) => setImmediate(r));
      }
    },
  };
}
