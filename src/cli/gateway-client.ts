import { loadConfig } from '../config/load.js';
import { AirlockError, errorCodes, type ErrorCode } from '../core/errors.js';
import { AirlockRequestError } from '../sdk/errors.js';
import { createTransport, type Answer, type Body } from '../sdk/transport.js';
import { lightFetchAsFetch } from './light-fetch.js';
import { keyFor, runningServer } from './connection.js';

/** A CLI command waits this long for one answer (a loaded gateway can be slow; nothing here long-polls). */
const CLI_TIMEOUT_MS = 60_000;

/** A JSON client for the running gateway, for CLI commands that only make sense against it. */
export interface GatewayClient {
  readonly url: string;
  get(path: string): Promise<any>;
  post(path: string, body?: unknown): Promise<any>;
  /** Any method; answers the parsed body. */
  call(method: string, path: string, body?: unknown): Promise<any>;
  /** Any status comes back (for the OAuth token endpoint's own error body); an Airlock error body still throws. */
  send(method: string, path: string, body?: Body): Promise<Answer>;
}

/** The gateway's error as the CLI's own (its code decides the exit status; an unknown code is internal). */
function cliError(e: unknown): unknown {
  if (!(e instanceof AirlockRequestError)) return e;
  const code = e.code in errorCodes ? (e.code as ErrorCode) : 'ERR_INTERNAL';
  const rule = typeof e.details?.['rule'] === 'string' ? ` [${e.details['rule']}]` : '';
  return new AirlockError(code, `${e.message}${rule}`, e.details);
}

/**
 * The CLI's client of a gateway at `url`: the SDK's transport (sdk/transport.ts) over the light
 * node:http fetch (no undici start-up in a short-lived process), errors as AirlockError.
 */
export function gatewayClientAt(url: string, key: string): GatewayClient {
  const t = createTransport({ url, key, timeoutMs: CLI_TIMEOUT_MS, fetch: lightFetchAsFetch });
  const call = async (method: string, path: string, body?: unknown) => {
    try {
      return (await t.call(method, path, body)).json as any;
    } catch (e) {
      throw cliError(e);
    }
  };
  return {
    url: t.root,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    call,
    async send(method, path, body) {
      let answer: Answer;
      try {
        answer = await t.send(method, path, body);
      } catch (e) {
        throw cliError(e);
      }
      const err = (answer.json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (!answer.ok && err && typeof err.code === 'string') {
        throw cliError(new AirlockRequestError(err.code, typeof err.message === 'string' ? err.message : err.code, answer.status, err.details as Record<string, unknown> | undefined));
      }
      return answer;
    },
  };
}

/**
 * `--gateway`/AIRLOCK_URL, else the gateway running on the data dir (serve.json); the key from `--key-file`/`--key`,
 * AIRLOCK_KEY or `<dataDir>/admin.key`. Approvers use their own key, not the admin's.
 */
export function openGatewayClient(flags: { dataDir?: string | undefined; url?: string | undefined; key?: string | undefined }, env: NodeJS.ProcessEnv): GatewayClient {
  const config = loadConfig({ dataDir: flags.dataDir, serverUrl: flags.url, apiKey: flags.key, checkpointIntervalMs: 0 }, env);
  const url = config.serverUrl ?? runningServer(config.dataDir);
  if (!url) throw new AirlockError('ERR_SERVER_UNREACHABLE', `no running gateway: start \`airlock serve\` or pass --gateway URL / AIRLOCK_URL`);
  return gatewayClientAt(url, keyFor(config));
}
