import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError } from '../core/errors.js';

export interface ServeLock {
  readonly path: string;
  release(): void;
}

/**
 * One data directory, one serving process (issue 13). An exclusive SQLite lock on
 * `<dataDir>/serve.lock` (an OS-level fcntl lock) is taken before anything else and held for the
 * life of the process; the kernel drops it when the process dies, even by kill -9, so there is no
 * stale-lock cleanup and nothing ever deletes another process's files.
 */
export function acquireServeLock(dataDir: string): ServeLock {
  const path = join(dataDir, 'serve.lock');
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (cause) {
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `cannot open the lock file ${path}: ${(cause as Error).message}`, undefined, { cause });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write in exclusive locking mode takes the EXCLUSIVE lock and keeps it until close.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
  } catch (cause) {
    db.close();
    const code = (cause as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new AirlockError('ERR_DATA_DIR_LOCKED', `another airlock serve is already running on ${dataDir}${holderOf(dataDir)}; stop it first (one data directory is served by one process)`, { dataDir });
    }
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `cannot lock ${path}: ${(cause as Error).message}`, undefined, { cause });
  }
  return {
    path,
    release() {
      if (db.open) db.close();
    },
  };
}

/** " (pid N, http://…)" from the other process's serve.json, when it is readable. */
function holderOf(dataDir: string): string {
  try {
    const s = JSON.parse(readFileSync(join(dataDir, 'serve.json'), 'utf8')) as { pid?: unknown; url?: unknown };
    return typeof s.pid === 'number' ? ` (pid ${s.pid}${typeof s.url === 'string' ? `, ${s.url}` : ''})` : '';
  } catch {
    return '';
  }
}
