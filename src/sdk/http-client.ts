/**
 * The remote client: Airlock's own HTTP API over global `fetch`, authenticated with
 * `Authorization: Bearer <key>`. Validates its options once (jose `createRemoteJWKSet` style).
 */
import { AirlockRequestError } from './errors.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ClientAuthorizeOptions, ClientCapabilities, ExecutionReport, GatewayDecision, RefusalReport, WaitOptions } from './types.js';

export interface HttpClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** API key (`ak_…`), sent as `Authorization: Bearer`. */
  key: string;
  /** Per-request timeout, ms. @defaultValue 10000 */
  timeoutMs?: number;
  /** A fetch implementation (tests, proxies). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

const OUTCOMES = new Set(['allow', 'deny', 'approval_required', 'confirmation_required']);
/** Longest single long-poll of `/wait`, s (the gateway may cap it lower). */
const WAIT_SLICE_S = 25;

function isDecision(v: unknown): v is GatewayDecision {
  const d = v as Partial<GatewayDecision> | null;
  return typeof d === 'object' && d !== null && typeof d.outcome === 'string' && OUTCOMES.has(d.outcome) && typeof d.requestId === 'string' && Array.isArray(d.reasons);
}

export function createHttpClient(options: HttpClientOptions): AirlockClient {
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
  let reportsSupported = true;

  async function call(method: string, path: string, body?: unknown, extra?: { timeoutMs?: number; signal?: AbortSignal; traceparent?: string | undefined }): Promise<{ status: number; json: unknown }> {
    const signals = [AbortSignal.timeout(extra?.timeoutMs ?? timeoutMs)];
    if (extra?.signal) signals.push(extra.signal);
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, {
        method,
        headers: { authorization: auth, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(extra?.traceparent ? { traceparent: extra.traceparent } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.any(signals),
      });
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
    if (!res.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (err && typeof err.code === 'string') {
        throw new AirlockRequestError(err.code, typeof err.message === 'string' ? err.message : err.code, res.status, err.details as Record<string, unknown> | undefined);
      }
      throw new AirlockRequestError('ERR_BAD_RESPONSE', `gateway answered HTTP ${res.status} without an Airlock error body`, res.status);
    }
    return { status: res.status, json };
  }

  const capabilities: ClientCapabilities = { approvals: true, confirmations: true, executionReports: true };
  return {
    capabilities,
    async authorize(request: AuthorizationRequest, opts?: ClientAuthorizeOptions): Promise<GatewayDecision> {
      const { json, status } = await call('POST', '/v1/authorize', request, opts?.traceparent ? { traceparent: opts.traceparent } : undefined);
      if (!isDecision(json)) throw new AirlockRequestError('ERR_BAD_RESPONSE', 'gateway answered something that is not a decision', status);
      return json;
    },
    async waitForApproval(id: string, opts: WaitOptions): Promise<ApprovalStatus> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be an approval id');
      const deadline = Date.now() + opts.timeoutMs;
      const path = `/v1/approvals/${encodeURIComponent(id)}`;
      for (;;) {
        const leftMs = deadline - Date.now();
        const slice = Math.max(0, Math.min(WAIT_SLICE_S, Math.floor(leftMs / 1000)));
        const { json } = slice > 0
          ? await call('GET', `${path}/wait?timeout=${slice}`, undefined, { timeoutMs: (slice + 10) * 1000, ...(opts.signal ? { signal: opts.signal } : {}) })
          : await call('GET', path, undefined, opts.signal ? { signal: opts.signal } : undefined);
        const st = json as ApprovalStatus | undefined;
        if (!st || typeof st.status !== 'string') throw new AirlockRequestError('ERR_BAD_RESPONSE', 'gateway answered something that is not an approval', 200);
        if (st.status !== 'pending' || slice === 0 || opts.signal?.aborted) return { ...st, id: st.id ?? id };
      }
    },
    async confirm(id: string): Promise<void> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be a confirmation id');
      await call('POST', `/v1/confirmations/${encodeURIComponent(id)}/confirm`, {});
    },
    async reportExecution(report: ExecutionReport): Promise<void> {
      if (!reportsSupported) return;
      try {
        await call('POST', '/v1/executions', report);
      } catch (e) {
        // A gateway without the executions endpoint: stop trying, it is not an error of the action.
        if (e instanceof AirlockRequestError && (e.status === 404 || e.status === 405)) {
          reportsSupported = false;
          capabilities.executionReports = false;
          return;
        }
        throw e;
      }
    },
    async reportRefusal(report: RefusalReport): Promise<void> {
      await call('POST', '/v1/refusals', report);
    },
    async close() {},
  };
}
