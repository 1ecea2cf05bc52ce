/**
 * How the CLI edges (`airlock mcp`, `airlock hook`) reach a gateway: `--gateway URL` (or
 * AIRLOCK_URL) with `--key`/`--key-file`/AIRLOCK_KEY → HTTP; `--embedded` → the in-process
 * pipeline on `--data-dir`/`--policies`. Never silently one or the other: without either, it is
 * an error (a hook or proxy that guesses could end up allowing on the wrong policy).
 */
import { readFileSync } from 'node:fs';
import { AirlockError } from '../core/errors.js';
import type { Caller } from '../core/types.js';
import { createHttpClient } from './http-client.js';
import type { AirlockClient } from './types.js';

// Loaded only on the path that uses them: a hook or proxy talking to a gateway must not pay for
// zod, SQLite, Cedar or tree-sitter on every tool call (issue 14).
const loadConfigLazily = async () => (await import('../config/load.js')).loadConfig;

export interface ClientFlags {
  gateway?: string | undefined;
  key?: string | undefined;
  keyFile?: string | undefined;
  embedded?: boolean | undefined;
  policies?: string | undefined;
  dataDir?: string | undefined;
  timeoutMs?: number | undefined;
  /** The fetch the HTTP client uses (a CLI process passes a lighter one). */
  fetch?: typeof fetch | undefined;
}

export async function openClient(flags: ClientFlags, env: NodeJS.ProcessEnv, caller: Caller): Promise<AirlockClient> {
  if (flags.embedded) {
    if (flags.gateway) throw new AirlockError('ERR_REQUEST_INVALID', '--embedded and --gateway exclude each other');
    const config = (await loadConfigLazily())({ dataDir: flags.dataDir, policies: flags.policies, checkpointIntervalMs: 0, logLevel: 'silent' }, env);
    const { createEmbeddedClient } = await import('./embedded.js');
    return createEmbeddedClient({ dataDir: config.dataDir, policies: config.policies, caller });
  }
  // The two settings of the gateway path are read as loadConfig reads them (AIRLOCK_URL,
  // AIRLOCK_KEY), without loading the whole configuration schema.
  const url = flags.gateway ?? (env['AIRLOCK_URL'] || undefined);
  if (!url) throw new AirlockError('ERR_REQUEST_INVALID', 'say where decisions come from: --gateway URL (or AIRLOCK_URL) with --key-file FILE, --key K or AIRLOCK_KEY; or --embedded');
  let key = flags.key ?? (env['AIRLOCK_KEY'] || undefined);
  if (flags.keyFile) {
    try {
      key = readFileSync(flags.keyFile, 'utf8').trim();
    } catch (e) {
      throw new AirlockError('ERR_CONFIG_INVALID', `cannot read the key file ${flags.keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (!key) throw new AirlockError('ERR_UNAUTHENTICATED', 'no API key: pass --key-file FILE or --key K, or set AIRLOCK_KEY');
  try {
    return createHttpClient({ url, key, ...(flags.timeoutMs ? { timeoutMs: flags.timeoutMs } : {}), ...(flags.fetch ? { fetch: flags.fetch } : {}) });
  } catch (e) {
    throw new AirlockError('ERR_CONFIG_INVALID', `--gateway: ${(e as Error).message}`);
  }
}

/** The node:util parseArgs options every CLI edge that needs a decision source accepts. */
export const CLIENT_OPTIONS = {
  gateway: { type: 'string' },
  /** Old spelling of --gateway, accepted and not advertised. */
  url: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  embedded: { type: 'boolean' },
  policies: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

type Str = string | undefined;
/** Maps parsed `CLIENT_OPTIONS` values to `openClient` flags. */
export function clientFlags(v: { gateway?: Str; url?: Str; key?: Str; 'key-file'?: Str; embedded?: boolean | undefined; policies?: Str; 'data-dir'?: Str }): ClientFlags {
  if (v.gateway !== undefined && v.url !== undefined && v.gateway !== v.url) throw new AirlockError('ERR_REQUEST_INVALID', '--gateway and --url (its old name) disagree; pass --gateway only');
  return { gateway: v.gateway ?? v.url, key: v.key, keyFile: v['key-file'], embedded: v.embedded, policies: v.policies, dataDir: v['data-dir'] };
}
