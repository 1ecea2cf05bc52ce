import type { Config } from '../config/schema.js';
import type { Store } from '../store/port.js';
import { openConfiguredStore } from './open-store.js';

/**
 * Opens the store of an existing deployment (for audit and admin commands): the PostgreSQL
 * database the config names, or the SQLite file of the data directory, which must exist.
 */
export function openDataDir(config: Config): Promise<Store> {
  return openConfiguredStore(config, { mustExist: true });
}
