import type { Clock } from '../core/clock.js';
import { AirlockError, isAirlockError } from '../core/errors.js';
import type { AuditEntry, AuditRecord, Transactional, UnitOfWork } from '../store/port.js';
import { sealRecord } from './chain.js';

/** Appends one record to the writer's chain inside the current unit of work. */
export type LogFn = (kind: string, record: Record<string, unknown>) => Promise<AuditRecord>;

export interface AuditWriter {
  readonly writer: string;
  /**
   * Resolves once the record is durably committed; rejects with ERR_AUDIT_UNAVAILABLE otherwise.
   * A rejection means the record is not in the log and never will be (see `createAuditWriter`).
   */
  append(kind: string, record: Record<string, unknown>): Promise<AuditRecord>;
  /**
   * A unit of work whose state changes commit together with the records it logs through `log`
   * (this writer's chain, same transaction). Bounded like `append`: still working at the timeout
   * ⇒ rolled back and ERR_AUDIT_UNAVAILABLE; already committing ⇒ the outcome is waited for.
   * After the rollback an AirlockError thrown by `work` is rethrown unchanged; any other failure
   * (the store's) becomes ERR_AUDIT_UNAVAILABLE.
   */
  transaction<T>(work: (tx: UnitOfWork, log: LogFn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface AuditWriterOptions {
  store: Transactional;
  writer: string;
  clock: Clock;
  /** Longest a caller waits for its commit before the append counts as failed. */
  timeoutMs: number;
  /** Most records committed in one transaction. */
  maxBatch?: number;
  onCommit?: (records: number, ms: number) => void;
}

/**
 * Where a record is. The answer and the log agree because the timeout acts by phase:
 * queued → withdrawn from the queue; writing → rolled back before COMMIT (the unit checks);
 * committing → not interrupted: the caller waits for the commit's own outcome.
 */
type Phase = 'queued' | 'writing' | 'committing' | 'abandoned' | 'settled';

interface Pending {
  entry: AuditEntry;
  phase: Phase;
  resolve: (r: AuditRecord) => void;
  reject: (e: unknown) => void;
}

/** Thrown inside a unit to roll it back because a caller gave up on it. */
const WITHDRAWN = Symbol('withdrawn');

/** Batches in flight at once: one being written while the one before it is made durable. */
const PIPELINE = 2;

const timeoutError = (ms: number) => new AirlockError('ERR_AUDIT_UNAVAILABLE', `audit append did not commit within ${ms} ms`);

/**
 * Group commit: appends that arrive while a commit is being prepared or is in flight are written
 * together in the next transaction, so a burst of concurrent decisions costs one durable commit
 * rather than one each, and no answer leaves before its record is durable. A caller that is told
 * "not recorded" (timeout) is never contradicted by the log later (issue 12).
 */
export function createAuditWriter(opts: AuditWriterOptions): AuditWriter {
  const maxBatch = opts.maxBatch ?? 1024;
  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;
  /**
   * Batches started and not yet settled. A batch whose statements are done lets the next one start
   * (the store runs the next unit's statements after this COMMIT, one connection or one chain lock
   * at a time), so the next batch is written while this one's fsync runs. At most PIPELINE deep.
   */
  const flushing = new Set<Promise<void>>();
  /** Batches still writing: only one at a time, so records join the earliest batch that can take them. */
  let writing = 0;
  const now = () => new Date(opts.clock.now()).toISOString();

  function schedule(): void {
    if (scheduled || writing > 0 || flushing.size >= PIPELINE) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (writing > 0 || flushing.size >= PIPELINE || queue.length === 0) return;
      writing++;
      let doneWriting = false;
      const wrote = () => {
        if (doneWriting) return;
        doneWriting = true;
        writing--;
        if (queue.length > 0) schedule();
      };
      const f: Promise<void> = flush(wrote).finally(() => {
        wrote();
        flushing.delete(f);
        if (queue.length > 0) schedule();
      });
      flushing.add(f);
    });
  }

  /** `wrote`: this batch's statements are done and its COMMIT is next (the next batch may start). */
  async function flush(wrote: () => void): Promise<void> {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    if (batch.length === 0) return;
    for (const p of batch) p.phase = 'writing';
    const started = performance.now();
    try {
      const records = await opts.store.transaction(async (tx) => {
        const recs = await tx.audit.append(
          opts.writer,
          batch.map((p) => p.entry),
          sealRecord,
        );
        if (batch.some((p) => p.phase === 'abandoned')) throw WITHDRAWN;
        for (const p of batch) p.phase = 'committing';
        wrote();
        return recs;
      });
      opts.onCommit?.(records.length, performance.now() - started);
      batch.forEach((p, i) => p.resolve(records[i]!));
    } catch (cause) {
      if (cause === WITHDRAWN) {
        // Rolled back for the callers that gave up; the others go again, first, in their order.
        const again = batch.filter((p) => p.phase === 'writing');
        for (const p of again) p.phase = 'queued';
        queue = again.concat(queue);
        return;
      }
      const err = new AirlockError('ERR_AUDIT_UNAVAILABLE', `audit append failed: ${(cause as Error)?.message ?? cause}`, undefined, { cause });
      for (const p of batch) p.reject(err);
    }
  }

  return {
    writer: opts.writer,
    append(kind, record) {
      if (closed) return Promise.reject(new AirlockError('ERR_AUDIT_UNAVAILABLE', 'audit writer is closed'));
      return new Promise<AuditRecord>((resolve, reject) => {
        const p: Pending = {
          entry: { at: now(), kind, record },
          phase: 'queued',
          resolve: (r) => {
            clearTimeout(timer);
            if (p.phase !== 'settled' && p.phase !== 'abandoned') (p.phase = 'settled'), resolve(r);
          },
          reject: (e) => {
            clearTimeout(timer);
            if (p.phase !== 'settled' && p.phase !== 'abandoned') (p.phase = 'settled'), reject(e);
          },
        };
        const timer = setTimeout(() => {
          if (p.phase === 'queued') {
            queue = queue.filter((q) => q !== p); // withdrawn: it will never be written
          } else if (p.phase !== 'writing') {
            return; // committing: the commit's outcome answers; settled: already answered
          }
          p.phase = 'abandoned';
          reject(timeoutError(opts.timeoutMs));
        }, opts.timeoutMs);
        timer.unref?.();
        queue.push(p);
        schedule();
      });
    },
    transaction(work) {
      if (closed) return Promise.reject(new AirlockError('ERR_AUDIT_UNAVAILABLE', 'audit writer is closed'));
      let phase: 'working' | 'committing' | 'abandoned' | 'settled' = 'working';
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          if (phase !== 'working') return;
          phase = 'abandoned';
          reject(timeoutError(opts.timeoutMs));
        }, opts.timeoutMs);
        timer.unref?.();
        opts.store
          .transaction(async (tx) => {
            const log: LogFn = async (kind, record) => {
              if (phase === 'abandoned') throw WITHDRAWN;
              const [rec] = await tx.audit.append(opts.writer, [{ at: now(), kind, record }], sealRecord);
              return rec!;
            };
            const out = await work(tx, log);
            if (phase === 'abandoned') throw WITHDRAWN;
            phase = 'committing';
            return out;
          })
          .then(
            (out) => {
              clearTimeout(timer);
              if (phase === 'abandoned') return;
              phase = 'settled';
              resolve(out);
            },
            (err) => {
              clearTimeout(timer);
              if (phase === 'abandoned') return;
              phase = 'settled';
              reject(isAirlockError(err) ? err : new AirlockError('ERR_AUDIT_UNAVAILABLE', `audit unit failed: ${(err as Error)?.message ?? err}`, undefined, { cause: err }));
            },
          );
      });
    },
    async close() {
      closed = true;
      while (queue.length > 0 || flushing.size > 0 || scheduled) {
        if (flushing.size > 0) await Promise.allSettled([...flushing]);
        else await new Promise((r) => setImmediate(r));
      }
    },
  };
}
