import type { Config } from '../config/schema.js';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Store } from '../store/port.js';
import { openConfiguredStore } from './open-store.js';

/**
 * Opens the store of an existing deployment (for audit and admin commands): the PostgreSQL
 * database the config names, or the SQLite file of the data directory, which must exist.
 */
export function openDataDir(config: Config): Promise<Store> {
  return openConfiguredStore(config, { mustExist: true });
}

/**
 * SQLite's own structural check of the database file (`PRAGMA quick_check`: page structure,
 * records, not index contents), run at start before the store is used. Returns the problems
 * found, none when the file is sound or does not exist yet.
 */
export function quickCheck(path: string): string[] {
  if (!existsSync(path)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const rows = db.pragma('quick_check(20)') as { quick_check: string }[];
    const out = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
    return out;
  } catch (e) {
    return [`the database cannot be read: ${(e as Error).message}`];
  } finally {
    db?.close();
  }
}
