import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.js';
import type { Store } from '../store/port.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';

/** Opens the store of an existing data directory (for audit and admin commands). */
export function openDataDir(dataDir: string): Store {
  const path = join(dataDir, 'airlock.db');
  if (!existsSync(path)) throw new AirlockError('ERR_STORE_UNAVAILABLE', `no Airlock data in ${dataDir} (expected ${path}); pass --data-dir`);
  return openSqliteStore({ path });
}
