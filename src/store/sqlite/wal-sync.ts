import { close, fsync as fsyncFd, open } from 'node:fs';
import { promisify } from 'node:util';

const openFd = promisify(open);
const fsyncAsync = promisify(fsyncFd);
const closeFd = promisify(close);

/**
 * The fsync that synchronous=FULL would do after each commit, done on the libuv thread pool
 * instead of the event loop. SQLite's own definition (pragma synchronous): in WAL mode, FULL is
 * NORMAL plus a sync of the WAL file after each commit; NORMAL already syncs the WAL before every
 * checkpoint and the database after it. So a commit made with NORMAL and followed by `durable()`
 * is exactly as durable as one made with FULL, and the caller waits for it before answering.
 *
 * `durable()` resolves after an fsync that STARTED after it was called, so it covers every commit
 * made before the call. Calls arriving while one fsync runs share the next one (group sync).
 * WAL frames are checksummed in order, so a crash keeps a prefix of the commits: a later commit
 * never survives without an earlier one.
 *
 * The WAL file stays (same inode) while this process's connection is open: SQLite deletes it only
 * when the last connection closes, and restarts it in place after a checkpoint.
 */
export interface WalSync {
  durable(): Promise<void>;
  /** Waits for the fsyncs asked for, then closes the file. */
  close(): Promise<void>;
}

/**
 * `fsync` is replaceable for tests of the ordering and failure rules. A plain descriptor, not a
 * FileHandle: like the connection's own descriptors it lives as long as the store, and the garbage
 * collector never closes it behind our back.
 */
export function createWalSync(walPath: string, fsync: (fd: number) => Promise<void> = fsyncAsync): WalSync {
  let handle: Promise<number> | undefined;
  /** The fsync running now, and the one queued behind it for callers that came after it began. */
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  /**
   * After a failed fsync the kernel may have dropped the dirty pages it could not write, so a later
   * fsync could succeed without them: no commit is called durable again (fail closed).
   */
  let broken: unknown;

  async function syncOnce(): Promise<void> {
    if (broken !== undefined) throw broken;
    handle ??= openFd(walPath, 'r+');
    let fh: number;
    try {
      fh = await handle;
    } catch (e) {
      handle = undefined; // retried by the next caller; this one fails (closed)
      throw e;
    }
    try {
      await fsync(fh);
    } catch (e) {
      broken = e;
      throw e;
    }
  }

  function start(): Promise<void> {
    const p = syncOnce();
    running = p;
    const clear = () => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  return {
    durable() {
      if (!running) return start();
      // One is in flight but may have begun before our commit: wait for the next one.
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
      return queued;
    },
    async close() {
      await Promise.allSettled([running, queued]);
      const h = handle;
      handle = undefined;
      if (h) await h.then((fd) => closeFd(fd), () => undefined);
    },
  };
}
