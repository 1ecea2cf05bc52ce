import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a worker thread with its own connection, instead of inside the commit that
 * crosses `wal_autocheckpoint` on the event loop. A checkpoint copies the WAL's pages into the
 * database and fsyncs both files; under load that was a stall of the event loop every ~1,700
 * decisions, with every request in flight waiting behind it (issue 14: the p99).
 *
 * PASSIVE checkpoints never wait for, nor block, the serving connection's readers and writers;
 * the durability of commits is untouched (the serving connection's WAL fsync, wal-sync.ts, answers
 * for that; a checkpoint only moves committed pages).
 *
 * SQLite starts the WAL over only when a write finds all of it copied; under a steady stream of
 * commits a checkpoint running beside them never catches the last frames, and the WAL would grow
 * without end. So the serving connection keeps its automatic checkpoint as a backstop
 * (`backstopPages`): when it fires, the worker has already copied nearly everything, so the commit
 * copies only the remainder (where it used to copy the whole WAL and fsync the database on the event
 * loop) and the WAL starts over. The backstop is set only
 * once the worker has opened its connection, and SQLite's default is back when the worker fails or
 * stops, so the WAL stays bounded whatever happens here.
 */
export interface Checkpointer {
  /** Stops the worker and closes its connection; SQLite's default automatic checkpoint is back. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  /** The database file (its WAL is `<path>-wal`). */
  path: string;
  /** Sets the serving connection's automatic checkpoint (`wal_autocheckpoint`, in pages). */
  setAutoCheckpoint(pages: number): void;
  /** The serving connection's automatic checkpoint while the worker runs. */
  backstopPages: number;
  /** A failure of the worker: reported, and SQLite's default automatic checkpoint is back. */
  onError(e: Error): void;
  /** Pause between two PASSIVE checkpoints. */
  intervalMs?: number;
}

/** SQLite's default `wal_autocheckpoint` (pages). */
export const DEFAULT_AUTOCHECKPOINT = 1000;

// Evaluated source (no file to resolve beside the compiled module, in dist/ or under vitest alike),
// written to run as CommonJS or as a module (a worker inherits `--input-type=module`): dynamic
// imports only. A failure to load or open rejects, which ends the worker with an 'error' event.
const WORKER_SOURCE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { default: Database } = await import(workerData.driver);
  const db = new Database(workerData.path, { fileMustExist: true });
  let timer;
  const tick = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e) {
      parentPort.postMessage({ error: String((e && e.message) || e) });
      return;
    }
    timer = setTimeout(tick, workerData.intervalMs);
  };
  parentPort.on('message', (m) => {
    if (m !== 'stop') return;
    clearTimeout(timer);
    db.close();
    parentPort.close();
  });
  parentPort.postMessage({ ready: true });
  tick();
})();
`;

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const driver = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: opts.path, intervalMs: opts.intervalMs ?? 250 } });
  // The store's close() stops it; it never keeps the process alive by itself.
  worker.unref();
  let closing = false;
  let failed = false;
  const fail = (e: Error): void => {
    if (failed || closing) return;
    failed = true;
    opts.setAutoCheckpoint(DEFAULT_AUTOCHECKPOINT);
    opts.onError(e);
    void worker.terminate();
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { ready?: boolean; error?: string }) => {
    if (m.ready && !failed && !closing) opts.setAutoCheckpoint(opts.backstopPages);
    else if (m.error !== undefined) fail(new Error(`WAL checkpoint failed: ${m.error}`));
  });
  worker.on('error', (e) => fail(e));
  worker.once('exit', (code) => {
    if (!closing) fail(new Error(`the WAL checkpoint worker exited (code ${code})`));
  });
  return {
    async close() {
      if (!closing) {
        closing = true;
        // Waiting for its exit must keep the process alive until it has closed its connection.
        worker.ref();
        if (!failed) opts.setAutoCheckpoint(DEFAULT_AUTOCHECKPOINT);
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
