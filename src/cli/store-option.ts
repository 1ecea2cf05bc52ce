import { AirlockError } from '../core/errors.js';
import type { ConfigFlags } from '../config/load.js';

/** `--store` for commands that open the store: `sqlite` (the data directory) or a postgres:// URL. */
export const STORE_OPTION = { store: { type: 'string' } } as const;

export const STORE_HELP = `  --store STORE     sqlite (default: DIR/airlock.db) or postgres://user@host:5432/db
                    (env AIRLOCK_DATABASE_URL; see docs/deployment.md)`;

/** The config flags `--store` stands for. */
export function storeFlags(value: string | undefined): Pick<ConfigFlags, 'database'> {
  if (value === undefined) return {};
  if (value === 'sqlite') return { database: null };
  if (/^postgres(ql)?:\/\//.test(value)) return { database: { url: value } };
  throw new AirlockError('ERR_REQUEST_INVALID', '--store must be "sqlite" or a postgres:// URL');
}
