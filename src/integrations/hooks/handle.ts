/**
 * One hook invocation: parse the agent's JSON, authorize, answer in the agent's contract.
 * A decision is a value; a fault (bad input, gateway unreachable) is answered with the on-error
 * verdict, `deny` by default and never `allow` (F7: fail closed).
 */
import type { Authorizer, Decision } from '../../core/types.js';
import type { ExecutionReport } from '../../sdk/types.js';
import { adapters, type Adapter, type AgentName, type HookOutput, type ParsedHook, type Verdict } from './adapters.js';
import { mapToolCall, type MapOptions } from './map.js';

/** Pre → post correlation, so PostToolUse can name the decision it ran under. */
export interface CorrelationStore {
  put(id: string, value: { requestId: string; actionHash: string }): Promise<void>;
  take(id: string): Promise<{ requestId: string; actionHash: string } | undefined>;
}

export interface HookOptions extends MapOptions {
  /** Verdict when no decision could be had (bad input, gateway down). @defaultValue 'deny' */
  onError?: 'deny' | 'ask';
  /** Records execution results (PostToolUse); absent = post events are acknowledged only. */
  reportExecution?: (r: ExecutionReport) => Promise<void>;
  correlation?: CorrelationStore;
  /** Diagnostics. */
  log?: (line: string) => void;
}

function reasonsOf(d: Decision): string {
  return d.reasons.map((r) => (r.policyId ? `${r.message} [${r.policyId}]` : r.message)).join('; ') || 'no reason given';
}

/** Decision → the agent's verdict and the reason it shows. */
export function verdictOf(d: Decision & { approval?: { id: string } }, canAsk: boolean): { verdict: Verdict; reason: string } {
  const tail = `(Airlock request ${d.requestId})`;
  switch (d.outcome) {
    case 'allow':
      return { verdict: 'allow', reason: `Allowed by Airlock: ${reasonsOf(d)} ${tail}` };
    case 'confirmation_required':
      return canAsk
        ? { verdict: 'ask', reason: `Airlock asks for your confirmation: ${reasonsOf(d)} ${tail}` }
        : { verdict: 'deny', reason: `Airlock requires an explicit confirmation this agent cannot ask for: ${reasonsOf(d)}. Run it yourself if you intend to. ${tail}` };
    case 'approval_required': {
      const id = d.approval?.id;
      const how = id ? `Approval ${id} is pending; once an approver runs \`airlock approve ${id}\`, retry the same call.` : 'Ask an approver; the gateway did not open an approval request.';
      return { verdict: 'deny', reason: `Airlock: this needs an independent human approval (${reasonsOf(d)}). ${how} ${tail}` };
    }
    default:
      return { verdict: 'deny', reason: `Denied by Airlock policy: ${reasonsOf(d)} ${tail}` };
  }
}

function failed(response: unknown): boolean {
  const r = response as Record<string, unknown> | undefined;
  return !!r && typeof r === 'object' && (r['is_error'] === true || r['isError'] === true || r['success'] === false || typeof r['error'] === 'string');
}

async function post(parsed: ParsedHook, opts: HookOptions, agent: string): Promise<void> {
  if (!opts.reportExecution || !parsed.correlationId || !opts.correlation) return;
  const pre = await opts.correlation.take(parsed.correlationId);
  if (!pre) return;
  await opts.reportExecution({ ...pre, status: failed(parsed.response) ? 'failed' : 'succeeded', durationMs: 0, executor: `hook:${agent}` });
}

/** Runs one hook for `adapter` on already-read input (a string is parsed as JSON). Never throws. */
export async function runHook(adapter: Adapter, input: unknown, authorizer: Authorizer, opts: HookOptions): Promise<HookOutput> {
  const onError = (why: string): HookOutput => {
    opts.log?.(why);
    const verdict: Verdict = opts.onError === 'ask' && adapter.canAsk ? 'ask' : 'deny';
    return adapter.render(verdict, `Airlock could not decide (${why}); ${verdict === 'deny' ? 'blocked (fail closed)' : 'asking you instead'}.`, 'pre');
  };
  let parsed: ParsedHook;
  try {
    parsed = adapter.parse(typeof input === 'string' ? JSON.parse(input) : input);
  } catch (e) {
    return onError(`bad hook input: ${(e as Error).message}`);
  }
  if (parsed.event === 'post') {
    try {
      await post(parsed, opts, adapter.name);
    } catch (e) {
      opts.log?.(`execution report failed: ${(e as Error).message}`);
    }
    return adapter.render('allow', '', 'post');
  }
  let decision: Decision & { approval?: { id: string } };
  try {
    decision = await authorizer.authorize(mapToolCall(parsed.call, opts));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return onError(`${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`);
  }
  const { verdict, reason } = verdictOf(decision, adapter.canAsk);
  if (verdict === 'allow' && parsed.correlationId && opts.correlation) {
    await opts.correlation.put(parsed.correlationId, { requestId: decision.requestId, actionHash: decision.actionHash }).catch(() => undefined);
  }
  return adapter.render(verdict, reason, 'pre');
}

export function adapterFor(name: string): Adapter | undefined {
  return (adapters as Record<string, Adapter>)[name];
}

/**
 * The body of `POST /v1/hooks/claude-code` (Claude Code `type: "http"` hooks). Always answer it
 * with HTTP 2xx: an HTTP hook cannot block by status code (standards §4.1), only by this JSON.
 * The subject is the authenticated caller the route resolved.
 *
 * @example
 * app.post('/v1/hooks/claude-code', async (req) => handleClaudeCodeHook(req.body, runtime.gateway, { subject, host: 'claude-code' }));
 */
export async function handleClaudeCodeHook(body: unknown, authorizer: Authorizer, opts: HookOptions): Promise<Record<string, unknown>> {
  const out = await runHook(adapters['claude-code'], body, authorizer, opts);
  return out.json ?? {};
}

export type { AgentName };
