/**
 * How the CLI edges (`airlock mcp`, `airlock hook`) reach a gateway: `--gateway URL` (or
 * AIRLOCK_URL) with `--key`/`--key-file`/AIRLOCK_KEY → HTTP; `--embedded` → the in-process
 * pipeline on `--data-dir`/`--policies`. Never silently one or the other: without either, it is
 * an error (a hook or proxy that guesses could end up allowing on the wrong policy).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { AirlockError } from '../core/errors.js';
import type { Caller } from '../core/types.js';
import { createEmbeddedClient } from './embedded.js';
import { createHttpClient } from './http-client.js';
import type { AirlockClient } from './types.js';

export interface ClientFlags {
  gateway?: string | undefined;
  key?: string | undefined;
  keyFile?: string | undefined;
  embedded?: boolean | undefined;
  policies?: string | undefined;
  dataDir?: string | undefined;
  timeoutMs?: number | undefined;
}

export async function openClient(flags: ClientFlags, env: NodeJS.ProcessEnv, caller: Caller): Promise<AirlockClient> {
  const config = loadConfig({ serverUrl: flags.gateway, apiKey: flags.key, dataDir: flags.dataDir, policies: flags.policies, checkpointIntervalMs: 0, logLevel: 'silent' }, env);
  if (flags.embedded) {
    if (flags.gateway) throw new AirlockError('ERR_REQUEST_INVALID', '--embedded and --gateway exclude each other');
    return createEmbeddedClient({ dataDir: config.dataDir, policies: config.policies, caller });
  }
  const url = config.serverUrl;
  if (!url) throw new AirlockError('ERR_REQUEST_INVALID', 'say where decisions come from: --gateway URL (or AIRLOCK_URL) with --key/--key-file/AIRLOCK_KEY, or --embedded');
  let key = config.apiKey;
  if (flags.keyFile) key = readFileSync(flags.keyFile, 'utf8').trim();
  if (!key) throw new AirlockError('ERR_UNAUTHENTICATED', 'no API key: pass --key-file FILE or --key K, or set AIRLOCK_KEY');
  return createHttpClient({ url, key, ...(flags.timeoutMs ? { timeoutMs: flags.timeoutMs } : {}) });
}

/** The node:util parseArgs options every CLI edge that needs a decision source accepts. */
export const CLIENT_OPTIONS = {
  gateway: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  embedded: { type: 'boolean' },
  policies: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

type Str = string | undefined;
/** Maps parsed `CLIENT_OPTIONS` values to `openClient` flags. */
export function clientFlags(v: { gateway?: Str; key?: Str; 'key-file'?: Str; embedded?: boolean | undefined; policies?: Str; 'data-dir'?: Str }): ClientFlags {
  return { gateway: v.gateway, key: v.key, keyFile: v['key-file'], embedded: v.embedded, policies: v.policies, dataDir: v['data-dir'] };
}
