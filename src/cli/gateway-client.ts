import { loadConfig } from '../config/load.js';
import { AirlockError, errorCodes, type ErrorCode } from '../core/errors.js';
import { keyFor, runningServer } from './registry-client.js';

/** A JSON client for the running gateway, for CLI commands that only make sense against it. */
export interface GatewayClient {
  readonly url: string;
  get(path: string): Promise<any>;
  post(path: string, body?: unknown): Promise<any>;
}

/**
 * `--gateway`/AIRLOCK_URL, else the gateway running on the data dir (serve.json); the key from `--key-file`/`--key`,
 * AIRLOCK_KEY or `<dataDir>/admin.key`. Approvers use their own key, not the admin's.
 */
export function openGatewayClient(flags: { dataDir?: string | undefined; url?: string | undefined; key?: string | undefined }, env: NodeJS.ProcessEnv): GatewayClient {
  const config = loadConfig({ dataDir: flags.dataDir, serverUrl: flags.url, apiKey: flags.key, checkpointIntervalMs: 0 }, env);
  const url = (config.serverUrl ?? runningServer(config.dataDir))?.replace(/\/$/, '');
  if (!url) throw new AirlockError('ERR_SERVER_UNREACHABLE', `no running gateway: start \`airlock serve\` or pass --gateway URL / AIRLOCK_URL`);
  const key = keyFor(config);
  async function call(method: string, path: string, body?: unknown): Promise<any> {
    let res: Response;
    try {
      res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new AirlockError('ERR_SERVER_UNREACHABLE', `cannot reach ${url}: ${(e as Error).message}`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as any) : undefined;
    if (!res.ok) {
      const code = json?.error?.code as string | undefined;
      const rule = json?.error?.details?.rule ? ` [${json.error.details.rule}]` : '';
      throw new AirlockError(code && code in errorCodes ? (code as ErrorCode) : 'ERR_INTERNAL', `${json?.error?.message ?? `HTTP ${res.status}`}${rule}`, json?.error?.details);
    }
    return json;
  }
  return { url, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) };
}
