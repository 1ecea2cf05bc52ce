/**
 * The decision flow of one gated call (issue 7, issue 11): allow → forward and record; deny →
 * refusal; confirmation_required → elicitation when the agent declared it, recorded by the
 * gateway, then decided again (it runs only on that allow); approval_required → wait with
 * progress, then retry. Any fault on the way is a refusal, never a forward (fail closed, DESIGN §6).
 * A `tools/call` is refused with an `isError` result the model can read; other methods have no
 * such result and are refused with a JSON-RPC error (-32001 denied, -32603 no decision).
 */
import { createHash } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { canonicalize } from '../core/canonical-json.js';
import type { AuthorizationRequest } from '../core/types.js';
import type { AirlockClient, GatewayDecision } from '../sdk/types.js';
import { approvalText, confirmRefusedText, deniedText, DECISION_META_KEY, notConfirmedText, refusal, unreachableText, type ToolResult } from './messages.js';

/** JSON-RPC error codes of a refusal outside tools/call (the COAZ-MCP draft uses the same two). */
export const DENIED_ERROR = -32001;
export const UNDECIDED_ERROR = -32603;

export interface GateDeps {
  client: AirlockClient;
  server: Server;
  approvalWaitMs: number;
  progressIntervalMs: number;
  log: (line: string) => void;
}

export interface GateExtra {
  signal: AbortSignal;
  requestId: string | number;
  _meta?: Record<string, unknown> | undefined;
  sendNotification: (n: never) => Promise<void>;
}

type Settled = { run: true; decision: GatewayDecision; confirmedVia?: string } | { run: false; result: ToolResult; undecided?: true };

const deny = (result: ToolResult): Settled => ({ run: false, result });
/** No decision could be had (gateway unreachable, a failed wait): -32603 outside tools/call. */
const undecided = (result: ToolResult): Settled => ({ run: false, result, undecided: true });

function argumentsDigest(req: AuthorizationRequest): { hash: string; preview: string } {
  const args = req.context?.['arguments'] ?? {};
  const text = canonicalize(args);
  return { hash: createHash('sha256').update(text).digest('hex').slice(0, 16), preview: text.length > 600 ? `${text.slice(0, 600)}…` : text };
}

function elicitationSupportsForm(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  if (!e) return false;
  // MCP 2025-11-25: `elicitation: {}` alone means form mode.
  return Object.keys(e).length === 0 || e['form'] !== undefined;
}

async function reauthorize(deps: GateDeps, tool: string, request: AuthorizationRequest): Promise<Settled> {
  let again: GatewayDecision;
  try {
    again = await deps.client.authorize(request);
  } catch (e) {
    return undecided(refusal(unreachableText(tool, e)));
  }
  if (again.outcome === 'allow') return { run: true, decision: again };
  return deny(refusal(deniedText(tool, again), again));
}

/**
 * A confirmation that got no yes is closed on the gateway with the reason in its audit record, so
 * the evidence says what the person answered. The call is refused either way; a failed record is
 * logged, never a reason to run.
 */
async function recordNo(deps: GateDeps, d: GatewayDecision, reason: string): Promise<void> {
  const id = d.confirmation?.id;
  if (!id || !deps.client.decline) return;
  await deps.client.decline(id, reason).catch((e: unknown) => deps.log(`recording the unconfirmed ${id} failed: ${(e as Error).message}`));
}

async function confirmByElicitation(deps: GateDeps, tool: string, request: AuthorizationRequest, d: GatewayDecision, extra: GateExtra): Promise<Settled> {
  if (!elicitationSupportsForm(deps.server)) return deny(refusal(notConfirmedText(tool, d, 'this MCP client cannot ask the user (it did not declare the elicitation capability)'), d));
  const { hash, preview } = argumentsDigest(request);
  const command = typeof request.context?.['command'] === 'string' ? `\nCommand: ${request.context['command']}` : '';
  const why = d.reasons.map((r) => r.message).join('; ');
  // The prompt is bound to the exact tool and argument hash (standards §3.5).
  const message = `Airlock: confirm the call to ${tool}.\nWhy: ${why}\nArguments (sha256 ${hash}): ${preview}${command}\nRequest: ${d.requestId}`;
  let res;
  try {
    res = await deps.server.elicitInput(
      {
        message,
        requestedSchema: {
          type: 'object',
          properties: { approve: { type: 'boolean', title: `Run ${tool}?`, description: 'Set to true to run this exact call' } },
          required: ['approve'],
        },
      },
      { signal: extra.signal, relatedRequestId: extra.requestId },
    );
  } catch (e) {
    await recordNo(deps, d, 'the confirmation prompt failed');
    return deny(refusal(notConfirmedText(tool, d, `the confirmation prompt failed (${(e as Error).message})`), d));
  }
  // Only `accept` with an explicit `approve: true` counts (standards §3.5).
  if (res.action !== 'accept' || res.content?.['approve'] !== true) {
    await recordNo(deps, d, `declined in the MCP client (${res.action === 'accept' ? 'accept without approve: true' : res.action})`);
    return deny(refusal(notConfirmedText(tool, d, `the user did not confirm (${res.action})`), d));
  }
  // The yes is recorded by the gateway and the action decided again: it runs only on that allow,
  // never on the client's word alone (issue 11).
  const id = d.confirmation?.id;
  if (!id || !deps.client.capabilities.confirmations) {
    return deny(refusal(notConfirmedText(tool, d, 'the gateway cannot record confirmations (it opened none, or has no confirmations API)'), d));
  }
  try {
    await deps.client.confirm(id);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_SERVER_UNREACHABLE' || code === 'ERR_BAD_RESPONSE') return undecided(refusal(unreachableText(tool, e), d));
    return deny(refusal(confirmRefusedText(tool, d, e), d));
  }
  const again = await reauthorize(deps, tool, request);
  return again.run ? { ...again, confirmedVia: 'elicitation' } : again;
}

async function waitForApproval(deps: GateDeps, tool: string, request: AuthorizationRequest, d: GatewayDecision, extra: GateExtra): Promise<Settled> {
  const id = d.approval?.id;
  if (!id || !deps.client.capabilities.approvals || deps.approvalWaitMs <= 0) return deny(refusal(approvalText(tool, d, 'is pending'), d));
  const token = extra._meta?.['progressToken'] as string | number | undefined;
  const started = Date.now();
  const totalS = Math.round(deps.approvalWaitMs / 1000);
  for (;;) {
    const left = deps.approvalWaitMs - (Date.now() - started);
    if (left <= 0 || extra.signal.aborted) return deny(refusal(approvalText(tool, d, `was not granted within ${totalS} s`), d));
    if (token !== undefined) {
      const progress = Math.round((Date.now() - started) / 1000);
      await extra
        .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: totalS, message: `waiting for approval ${id}` } } as never)
        .catch(() => undefined);
    }
    let st;
    try {
      st = await deps.client.waitForApproval(id, { timeoutMs: Math.min(left, deps.progressIntervalMs), signal: extra.signal });
    } catch (e) {
      if (extra.signal.aborted) return deny(refusal(approvalText(tool, d, 'was cancelled by the client'), d));
      return undecided(refusal(approvalText(tool, d, `could not be awaited (${(e as Error).message})`), d));
    }
    if (st.status === 'approved') return reauthorize(deps, tool, request); // the retry consumes the approval
    if (st.status !== 'pending') return deny(refusal(approvalText(tool, d, `is ${st.status}`), d));
  }
}

/** A refusal as a JSON-RPC error: the SDK answers with this code, message and data as they are. */
export class RefusalError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** How a refusal reaches the agent: an `isError` tool result, or a JSON-RPC error. */
export type RefusalShape = 'tool-result' | 'jsonrpc-error';

function refuse(shape: RefusalShape, s: { result: ToolResult; undecided?: true }): Record<string, unknown> {
  if (shape === 'tool-result') return s.result;
  throw new RefusalError(s.undecided ? UNDECIDED_ERROR : DENIED_ERROR, s.result.content[0]!.text, { [DECISION_META_KEY]: s.result._meta[DECISION_META_KEY] });
}

export async function gateToolCall(deps: GateDeps, tool: string, request: AuthorizationRequest, extra: GateExtra, run: () => Promise<Record<string, unknown>>, shape: RefusalShape = 'tool-result'): Promise<Record<string, unknown>> {
  let decision: GatewayDecision;
  try {
    decision = await deps.client.authorize(request);
  } catch (e) {
    // F7: gateway unreachable ⇒ the call is refused, the proxy stays up.
    deps.log(`decision failed for ${tool}: ${(e as Error).message}`);
    return refuse(shape, { result: refusal(unreachableText(tool, e), undefined, { outcome: 'deny', error: (e as { code?: string }).code ?? 'ERR_INTERNAL' }), undecided: true });
  }
  let settled: Settled;
  switch (decision.outcome) {
    case 'allow':
      settled = { run: true, decision };
      break;
    case 'confirmation_required':
      settled = await confirmByElicitation(deps, tool, request, decision, extra);
      break;
    case 'approval_required':
      settled = await waitForApproval(deps, tool, request, decision, extra);
      break;
    default:
      settled = deny(refusal(deniedText(tool, decision), decision));
  }
  if (!settled.run) return refuse(shape, settled);
  const allowed = settled.decision;
  const started = performance.now();
  const report = (status: 'succeeded' | 'failed', error?: string) => {
    if (!deps.client.capabilities.executionReports) return;
    deps.client
      .reportExecution({
        requestId: allowed.requestId,
        actionHash: allowed.actionHash,
        status,
        durationMs: performance.now() - started,
        executor: 'mcp-proxy',
        ...(error ? { error } : {}),
        ...(settled.run && settled.confirmedVia ? { confirmedVia: settled.confirmedVia } : {}),
      })
      .catch((e: unknown) => deps.log(`execution report for ${allowed.requestId} failed: ${(e as Error).message}`));
  };
  try {
    const result = await run();
    report(result['isError'] === true ? 'failed' : 'succeeded', result['isError'] === true ? 'tool returned isError' : undefined);
    return result;
  } catch (e) {
    report('failed', (e as Error).message.slice(0, 500));
    throw e;
  }
}
