/**
 * One set of connection flags for every command that talks to a running gateway (issue 13):
 * `--gateway URL` (env AIRLOCK_URL) and `--key-file FILE` or `--key KEY` (env AIRLOCK_KEY).
 * `--url` is the old spelling of `--gateway`, still accepted and no longer advertised.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { AirlockError } from '../core/errors.js';

export const CONNECTION_OPTIONS = {
  gateway: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
} as const;

export const CONNECTION_HELP = `  --gateway URL    the gateway (env AIRLOCK_URL)
  --key-file FILE  file holding your API key; or --key KEY (env AIRLOCK_KEY)`;

type Str = string | undefined;

/** `{url, key}` from the flags; the key file is read here, so every command says the same thing. */
export function connectionOf(values: { gateway?: Str; url?: Str; key?: Str; 'key-file'?: Str }): { url: Str; key: Str } {
  if (values.gateway !== undefined && values.url !== undefined && values.gateway !== values.url) throw new AirlockError('ERR_REQUEST_INVALID', '--gateway and --url (its old name) disagree; pass --gateway only');
  if (values['key-file'] !== undefined && values.key !== undefined) throw new AirlockError('ERR_REQUEST_INVALID', '--key-file and --key exclude each other');
  let key = values.key;
  const file = values['key-file'];
  if (file !== undefined) {
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new AirlockError('ERR_CONFIG_INVALID', `cannot read the key file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!key) throw new AirlockError('ERR_CONFIG_INVALID', `the key file ${file} is empty`);
  }
  return { url: values.gateway ?? values.url, key };
}

/** A running gateway for this data dir: `<dataDir>/serve.json` written by `airlock serve`, with a live pid. */
export function runningServer(dataDir: string): string | undefined {
  const file = join(dataDir, 'serve.json');
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown; pid?: unknown };
    if (typeof s.url !== 'string' || typeof s.pid !== 'number') return undefined;
    process.kill(s.pid, 0); // throws when no such process (a stale file after a crash)
    return s.url;
  } catch {
    return undefined;
  }
}

export function keyFor(config: Config): string {
  if (config.apiKey) return config.apiKey;
  const file = join(config.dataDir, 'admin.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new AirlockError('ERR_UNAUTHENTICATED', `no API key: pass --key-file FILE or --key KEY, set AIRLOCK_KEY, or keep ${file}`);
}
