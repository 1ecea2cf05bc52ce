/**
 * The one HTTP client of Airlock's own API, shared by the SDK's remote client and every CLI command
 * that talks to a running gateway: base URL and key checked once, `Authorization: Bearer <key>`,
 * a timeout on every request, JSON in and out, and Airlock's error body turned into a typed error.
 */
import { AirlockRequestError } from './errors.js';

export interface TransportOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** API key (`ak_…`), sent as `Authorization: Bearer`. */
  key: string;
  /** Per-request timeout, ms. @defaultValue 10000 */
  timeoutMs?: number;
  /** A fetch implementation (tests, proxies, the CLI's light fetch). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  traceparent?: string | undefined;
}

/** A request body: JSON (the API) or a form (RFC 8693 token exchange). */
export type Body = { json: unknown } | { form: URLSearchParams };

export interface Answer {
  status: number;
  ok: boolean;
  /** The parsed body; undefined when it was empty or not JSON. */
  json: unknown;
}

export interface Transport {
  /** The base URL without a trailing slash. */
  readonly root: string;
  /**
   * One request, whatever the status (for callers that read non-Airlock error bodies, e.g. OAuth's).
   * @throws AirlockRequestError ERR_SERVER_UNREACHABLE when no answer came (refused, timed out, aborted)
   */
  send(method: string, path: string, body?: Body, opts?: SendOptions): Promise<Answer>;
  /**
   * One request with a JSON body; a non-2xx answer throws the gateway's error.
   * @throws AirlockRequestError the gateway's code, ERR_SERVER_UNREACHABLE, or ERR_BAD_RESPONSE for
   *   a non-2xx answer without an Airlock error body
   */
  call(method: string, path: string, body?: unknown, opts?: SendOptions): Promise<Answer>;
}

export function createTransport(options: TransportOptions): Transport {
  if (typeof options?.url !== 'string') throw new TypeError('options.url must be the gateway base URL');
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new TypeError(`options.url is not a URL: ${options.url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('options.url must be http: or https:');
  if (typeof options.key !== 'string' || options.key.length === 0) throw new TypeError('options.key must be an API key');
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('options.timeoutMs must be a positive number');
  const doFetch = options.fetch ?? globalThis.fetch;
  const root = base.href.replace(/\/+$/, '');
  const auth = `Bearer ${options.key}`;

  async function send(method: string, path: string, body?: Body, opts?: SendOptions): Promise<Answer> {
    const signals = [AbortSignal.timeout(opts?.timeoutMs ?? timeoutMs)];
    if (opts?.signal) signals.push(opts.signal);
    const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
    let payload: string | undefined;
    if (body && 'json' in body) (headers['content-type'] = 'application/json'), (payload = JSON.stringify(body.json));
    else if (body && 'form' in body) (headers['content-type'] = 'application/x-www-form-urlencoded'), (payload = body.form.toString());
    if (opts?.traceparent) headers['traceparent'] = opts.traceparent;
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}), signal: AbortSignal.any(signals) });
    } catch (e) {
      throw new AirlockRequestError('ERR_SERVER_UNREACHABLE', `Airlock gateway at ${root} could not be reached: ${(e as Error).message}`, 0, undefined, { cause: e });
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, ok: res.ok, json };
  }

  return {
    root,
    send,
    async call(method, path, body, opts) {
      const answer = await send(method, path, body === undefined ? undefined : { json: body }, opts);
      if (answer.ok) return answer;
      const err = (answer.json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (err && typeof err.code === 'string') {
        throw new AirlockRequestError(err.code, typeof err.message === 'string' ? err.message : err.code, answer.status, err.details as Record<string, unknown> | undefined);
      }
      throw new AirlockRequestError('ERR_BAD_RESPONSE', `gateway answered HTTP ${answer.status} without an Airlock error body`, answer.status);
    },
  };
}
