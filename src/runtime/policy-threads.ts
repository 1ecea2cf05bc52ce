import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AirlockError } from '../core/errors.js';
import { emptySliceDeny, type AuthorizationAnswer, type CedarCall, type CompiledBundle, type PreparedSet } from '../policy/bundle.js';
import type { PolicyEvaluation, PolicyRequest } from '../policy/types.js';

/**
 * Cedar evaluation on worker threads (issue 14): the event loop maps the request and reads the
 * answer; the wasm call, the largest single cost of a decision, runs on another core. Each thread
 * holds its own cedar-wasm instance with the sliced policy sets of every bundle in force, under the
 * same set ids as the main thread, so a call names exactly the bundle it was mapped for; a set a
 * thread does not hold makes Cedar answer a failure, which is a deny.
 *
 * Fail closed: a thread that stops (crash, out of memory, terminated) rejects every evaluation it
 * held, which the gateway answers as deny, and is started again after a pause. While no thread is
 * ready (start-up, restart) evaluation runs on the event loop with the same bundle, so the answer
 * is the same either way. A thread that answers nothing for `stallMs` while it holds evaluations is
 * treated as stopped: they are denied at once and the thread is ended and started again.
 */
export interface PolicyThreads {
  readonly size: number;
  /** Prepares `bundle`'s sets on every thread (and on threads started later); before it is used. */
  load(bundle: CompiledBundle): Promise<void>;
  /** Drops `bundle`'s sets on every thread, after the evaluations already sent to it. */
  release(bundle: CompiledBundle): void;
  evaluate(bundle: CompiledBundle, req: PolicyRequest): Promise<PolicyEvaluation>;
  /** Threads ready now (for tests and the log). */
  ready(): number;
  /** Ends one thread as a crash would (tests, and an operator's last resort): it starts again. */
  stopThread(index: number): Promise<void>;
  /** Stops every thread; evaluations still held are rejected. */
  close(): Promise<void>;
}

export interface PolicyThreadOptions {
  size: number;
  /** A thread stopped or could not start: reported; the thread is started again after a pause. */
  onError(e: Error, thread: number): void;
  /** A thread holds every bundle in force and takes evaluations (at start and after a restart). */
  onReady?(thread: number): void;
  /** Where each evaluation ran (metrics): on a thread, or here because none was ready. */
  onEvaluation?(on: 'thread' | 'event_loop'): void;
  /** Pause before a stopped thread starts again (doubles per consecutive failure, at most 5 s). */
  restartMs?: number;
  /**
   * Longest a thread holding evaluations may go without answering one before it counts as stalled
   * (default 5 s; one Cedar call takes well under a millisecond).
   */
  stallMs?: number;
  /** The same while it prepares a bundle, which answers nothing until it is done (default 60 s). */
  loadStallMs?: number;
}

interface Pending {
  resolve(a: AuthorizationAnswer): void;
  reject(e: Error): void;
}

interface Thread {
  index: number;
  worker: Worker;
  ready: boolean;
  pending: Map<number, Pending>;
  loads: Map<number, { resolve(): void; reject(e: Error): void }>;
  /** Evaluations not yet sent: while the thread is busy, one message per turn of the event loop. */
  outbox: string[];
  flushing: boolean;
  /** Evaluations sent and not yet answered. */
  unanswered: number;
  /** When the thread last answered, or was sent work while it had none (performance.now()). */
  progressAt: number;
  /** Ends the thread as stopped (its evaluations denied) and starts another. */
  end(why: string): void;
}

// Evaluated source (no file to resolve beside the compiled module, in dist/ or under vitest alike),
// written to run as CommonJS or as a module (a worker inherits `--input-type=module`): dynamic
// imports only. cedar-wasm's Node build is CommonJS, so it is required.
const WORKER_SOURCE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  const cedar = createRequire(workerData.cedar)(workerData.cedar);
  const prepare = (sets) => {
    const problems = [];
    for (const s of sets) {
      const r = cedar.preparsePolicySet(s.id, { staticPolicies: s.policies });
      if (r.type !== 'success') problems.push(...r.errors.map((e) => s.id + ': ' + e.message));
    }
    return problems;
  };
  const problems = prepare(workerData.sets);
  if (problems.length > 0) throw new Error('could not prepare policies: ' + problems.join('; '));
  // One evaluation: "<n> <call as JSON>", answered "<n> <answer as JSON>".
  const evaluate = (m) => {
    const sp = m.indexOf(' ');
    let a;
    try {
      a = cedar.statefulIsAuthorized(JSON.parse(m.slice(sp + 1)));
    } catch (e) {
      a = { type: 'failure', errors: [{ message: 'cedar threw: ' + String((e && e.message) || e) }] };
    }
    return m.slice(0, sp) + ' ' + JSON.stringify(a);
  };
  parentPort.on('message', (m) => {
    if (Array.isArray(m)) {
      // Each answer as soon as it is ready, not the batch's at its end: the event loop finishes
      // those decisions (grant, audit) while this thread evaluates the rest, instead of the two
      // taking turns (in process with 16 callers, 3,300 → 4,300 decisions/s).
      for (const e of m) parentPort.postMessage(evaluate(e));
    } else if (m.t === 'load') {
      parentPort.postMessage({ load: m.n, problems: prepare(m.sets) });
    } else if (m.t === 'drop') {
      for (const id of m.ids) cedar.preparsePolicySet(id, { staticPolicies: {} });
    }
  });
  parentPort.postMessage({ ready: true });
})();
`;

const stopped = (index: number, why: string) => new AirlockError('ERR_INTERNAL', `policy thread ${index} stopped: ${why}`);

export function createPolicyThreads(opts: PolicyThreadOptions): PolicyThreads {
  if (!Number.isInteger(opts.size) || opts.size < 1) throw new TypeError('policy threads: size must be a positive integer');
  const cedar = createRequire(import.meta.url).resolve('@cedar-policy/cedar-wasm/nodejs');
  const restartMs = opts.restartMs ?? 100;
  /** The bundles in force and their sets: what a thread (re)started now must hold. */
  const live = new Map<CompiledBundle, readonly PreparedSet[]>();
  const threads: (Thread | undefined)[] = new Array(opts.size).fill(undefined);
  const failures: number[] = new Array(opts.size).fill(0);
  let seq = 0;
  let closed = false;

  function start(index: number): void {
    const sets = [...live.values()].flat();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { cedar, sets } });
    // Never what keeps a process alive: a runtime whose start failed part way still exits.
    worker.unref();
    const t: Thread = { index, worker, ready: false, pending: new Map(), loads: new Map(), outbox: [], flushing: false, unanswered: 0, progressAt: 0, end: (why) => end(why) };
    threads[index] = t;
    worker.on('message', (m: string | { ready?: true; load?: number; problems?: string[] }) => {
      if (typeof m === 'string') {
        t.unanswered--;
        t.progressAt = performance.now();
        const sp = m.indexOf(' ');
        const n = Number(m.slice(0, sp));
        const p = t.pending.get(n);
        t.pending.delete(n);
        try {
          p?.resolve(JSON.parse(m.slice(sp + 1)) as AuthorizationAnswer);
        } catch {
          // Never expected (the thread writes JSON.stringify's output); still a deny, never a throw here.
          p?.reject(new AirlockError('ERR_INTERNAL', `policy thread ${index} sent an unreadable answer`));
        }
      } else if (m.ready) {
        t.ready = true;
        failures[index] = 0;
        opts.onReady?.(index);
      } else if (m.load !== undefined) {
        const l = t.loads.get(m.load);
        t.loads.delete(m.load);
        t.progressAt = performance.now(); // the evaluations queued behind the load start now
        if (m.problems!.length === 0) l?.resolve();
        else l?.reject(new AirlockError('ERR_INTERNAL', `policy thread ${index} could not prepare the bundle: ${m.problems!.join('; ')}`));
      }
    });
    let ended = false;
    const end = (why: string, err?: Error) => {
      if (ended) return;
      ended = true;
      t.ready = false;
      if (threads[index] === t) threads[index] = undefined;
      const e = stopped(index, why);
      for (const p of t.pending.values()) p.reject(e);
      // A load it had not answered is not lost: the thread started again prepares every bundle in `live`.
      for (const l of t.loads.values()) l.resolve();
      t.pending.clear();
      t.loads.clear();
      if (closed) return;
      opts.onError(err ?? e, index);
      const pause = Math.min(5000, restartMs * 2 ** failures[index]!);
      failures[index]! += 1;
      setTimeout(() => {
        if (!closed && threads[index] === undefined) start(index);
      }, pause).unref();
    };
    worker.on('error', (err) => end(err.message, err));
    worker.on('exit', (code) => end(`exited with code ${code}`));
  }

  for (let i = 0; i < opts.size; i++) start(i);

  // A stalled thread (a Cedar call that never returns) would hold every decision queued on it until
  // the callers' own timeouts; instead they are denied now and the thread is replaced.
  const stallMs = opts.stallMs ?? 5000;
  const loadStallMs = opts.loadStallMs ?? 60_000;
  const tickMs = Math.max(10, Math.min(1000, stallMs / 4));
  let lastTick = performance.now();
  const watchdog = setInterval(
    () => {
      const now = performance.now();
      const late = now - lastTick > tickMs + stallMs / 2;
      lastTick = now;
      // This loop was the one held up (its answers may be waiting unread): start counting again.
      if (late) {
        for (const t of threads) if (t) t.progressAt = now;
        return;
      }
      for (const t of threads) {
        if (!t || (t.unanswered === 0 && t.loads.size === 0)) continue;
        // Preparing a bundle answers nothing until it is done: a longer limit then, never none (a
        // reload waits for every thread, and ending a stalled one is what lets it finish).
        const limit = t.loads.size > 0 ? Math.max(stallMs, loadStallMs) : stallMs;
        if (now - t.progressAt <= limit) continue;
        t.end(`no answer for ${Math.round(now - t.progressAt)} ms (stalled); ended`);
        void t.worker.terminate();
      }
    },
    tickMs,
  );
  watchdog.unref();

  /** The ready thread with the fewest evaluations in flight. */
  function pick(): Thread | undefined {
    let best: Thread | undefined;
    for (const t of threads) if (t?.ready && (!best || t.pending.size < best.pending.size)) best = t;
    return best;
  }

  /** Sends what the outbox holds; before any other message, so the thread sees everything in order. */
  function flush(t: Thread): void {
    t.flushing = false;
    if (t.outbox.length === 0) return;
    if (t.unanswered === 0 && t.loads.size === 0) t.progressAt = performance.now();
    t.unanswered += t.outbox.length;
    t.worker.postMessage(t.outbox);
    t.outbox = [];
  }

  /** A message other than an evaluation, after the evaluations queued before it. */
  function post(t: Thread, m: unknown): void {
    flush(t);
    t.worker.postMessage(m);
  }

  function send(t: Thread, call: CedarCall): Promise<AuthorizationAnswer> {
    return new Promise((resolve, reject) => {
      const n = ++seq;
      // Text: one JSON.stringify costs the event loop less than a structured clone of the objects.
      t.outbox.push(`${n} ${JSON.stringify(call)}`);
      t.pending.set(n, { resolve, reject });
      // An idle thread gets the evaluation at once, so it works while this loop maps the next
      // request. A busy one gets the evaluations of this turn of the loop as one message at its end:
      // each message wakes the thread (a system call on both sides) and it has work until then.
      if (t.unanswered === 0) flush(t);
      else if (!t.flushing) {
        t.flushing = true;
        setImmediate(() => flush(t));
      }
    });
  }

  return {
    size: opts.size,
    async load(bundle) {
      if (closed) throw new AirlockError('ERR_INTERNAL', 'policy threads are closed');
      const sets = bundle.preparedSets();
      live.set(bundle, sets);
      // Threads starting now read `live`; running ones are sent the sets and answer when done.
      await Promise.all(
        threads.map((t) => {
          if (!t) return undefined;
          return new Promise<void>((resolve, reject) => {
            const n = ++seq;
            if (t.unanswered === 0 && t.loads.size === 0) t.progressAt = performance.now();
            t.loads.set(n, { resolve, reject });
            post(t, { t: 'load', n, sets });
          });
        }),
      );
    },
    release(bundle) {
      const sets = live.get(bundle);
      if (!sets) return;
      live.delete(bundle);
      const ids = sets.map((s) => s.id);
      for (const t of threads) if (t) post(t, { t: 'drop', ids });
    },
    async evaluate(bundle, req) {
      const call = bundle.cedarCall(req);
      if (call === undefined) return emptySliceDeny();
      const t = live.has(bundle) ? pick() : undefined;
      // No ready thread (start-up, restart) or a bundle the threads never got: same answer here.
      if (!t) {
        opts.onEvaluation?.('event_loop');
        return bundle.evaluate(req);
      }
      opts.onEvaluation?.('thread');
      return bundle.readAnswer(await send(t, call));
    },
    ready: () => threads.filter((t) => t?.ready).length,
    async stopThread(index) {
      await threads[index]?.worker.terminate();
    },
    async close() {
      closed = true;
      clearInterval(watchdog);
      await Promise.all(threads.map((t) => t?.worker.terminate()));
    },
  };
}
