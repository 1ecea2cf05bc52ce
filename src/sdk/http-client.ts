/**
 * The remote client: Airlock's own HTTP API through the shared transport (sdk/transport.ts:
 * `Authorization: Bearer <key>`, options validated once, a timeout on every request).
 */
import { AirlockRequestError } from './errors.js';
import { createTransport, type SendOptions, type TransportOptions } from './transport.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ClientAuthorizeOptions, ClientCapabilities, ExecutionReport, GatewayDecision, RefusalReport, WaitOptions } from './types.js';

/** Options of the remote client: those of the shared transport (sdk/transport.ts). */
export type HttpClientOptions = TransportOptions;

const OUTCOMES = new Set(['allow', 'deny', 'approval_required', 'confirmation_required']);
/** Longest single long-poll of `/wait`, s (the gateway may cap it lower). */
const WAIT_SLICE_S = 25;

function isDecision(v: unknown): v is GatewayDecision {
  const d = v as Partial<GatewayDecision> | null;
  return typeof d === 'object' && d !== null && typeof d.outcome === 'string' && OUTCOMES.has(d.outcome) && typeof d.requestId === 'string' && Array.isArray(d.reasons);
}

export function createHttpClient(options: HttpClientOptions): AirlockClient {
  const transport = createTransport(options);
  const call = (method: string, path: string, body?: unknown, extra?: SendOptions) => transport.call(method, path, body, extra);
  let reportsSupported = true;

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
    async decline(id: string, reason: string): Promise<void> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be a confirmation id');
      await call('POST', `/v1/approvals/${encodeURIComponent(id)}/cancel`, { reason });
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
