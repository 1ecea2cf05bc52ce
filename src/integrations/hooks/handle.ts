/**
 * One hook invocation: parse the agent's JSON, map it to requests, decide them as a batch, answer
 * in the agent's contract. A decision is a value; a fault (bad input, gateway unreachable) is
 * answered with the on-error verdict, `deny` by default and never `allow` (F7: fail closed).
 *
 * `ask` leaves a record: the gateway opened a confirmation with the `confirmation_required`
 * decision; the pre hook keeps its id, and the post hook (which only runs if the person at the
 * agent's prompt accepted) reports the execution against that decision and names the confirmation.
 */
import type { Authorizer, Decision } from '../../core/types.js';
import type { ExecutionReport, RefusalReport } from '../../sdk/types.js';
import { adapters, type Adapter, type AgentName, type HookOutput, type ParsedHook, type Verdict } from './adapters.js';
import { mapToolCall, type MapOptions } from './map.js';

/** What the pre hook remembers of each decision of one tool call, for its post hook. */
export interface PreDecision {
  requestId: string;
  actionHash: string;
  outcome?: Decision['outcome'];
  /** confirmation_required: the confirmation the gateway opened. */
  confirmation?: string;
}

/** Stored pre decisions read back: anything that is not a list of them is no pairing at all. */
export function parsePreDecisions(text: string): PreDecision[] | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.every((d: PreDecision) => typeof d?.requestId === 'string' && typeof d.actionHash === 'string') ? (v as PreDecision[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Pre → post correlation, so PostToolUse can name the decisions it ran under. */
export interface CorrelationStore {
  put(id: string, value: PreDecision[]): Promise<void>;
  take(id: string): Promise<PreDecision[] | undefined>;
}

export interface HookOptions extends MapOptions {
  /** Verdict when no decision could be had (bad input, gateway down). @defaultValue 'deny' */
  onError?: 'deny' | 'ask';
  /** The agent user's home (for `~`) when the hook input does not reveal it. */
  home?: string | undefined;
  /** Records execution results (PostToolUse); absent = post events are acknowledged only. */
  reportExecution?: (r: ExecutionReport) => Promise<void>;
  correlation?: CorrelationStore;
  /** Diagnostics. */
  log?: (line: string) => void;
  /**
   * Judges the scripts a shell command runs by path, read here where the agent runs (the gateway
   * only sees the command text). It can only make the answer stricter: `deny` blocks, `ask` turns an
   * allow into a question (a deny where the agent cannot ask). A failure blocks (fail closed).
   */
  scripts?: (command: string, shell: string, cwd: string) => Promise<{ verdict: 'deny' | 'ask'; reason: string } | undefined>;
  /**
   * Records a tool call the hook refused before any decision (input it could not read, a target it
   * could not find) in the audit log, so a stopped action is never missing from the evidence. The
   * refusal stands whether or not the record is written.
   */
  reportRefusal?: (report: RefusalReport) => Promise<void>;
}

async function recordRefusal(opts: HookOptions, agent: string, code: string, detail: string, tool: string | undefined): Promise<void> {
  if (!opts.reportRefusal) return;
  try {
    await opts.reportRefusal({ executor: `hook:${agent}`, code, subject: opts.subject, detail: detail.slice(0, 500), ...(tool ? { targets: [tool.slice(0, 200)] } : {}) });
  } catch (e) {
    opts.log?.(`refusal ${code} not recorded in the audit log: ${(e as Error).message}`);
  }
}

type Decided = Decision & { approval?: { id: string }; confirmation?: { id: string } };

function reasonsOf(d: Decision): string {
  return d.reasons.map((r) => (r.policyId ? `${r.message} [${r.policyId}]` : r.message)).join('; ') || 'no reason given';
}

/** Decision → the agent's verdict and the reason it shows. */
export function verdictOf(d: Decided, canAsk: boolean): { verdict: Verdict; reason: string } {
  const tail = `(Airlock request ${d.requestId})`;
  switch (d.outcome) {
    case 'allow':
      return { verdict: 'allow', reason: `Allowed by Airlock: ${reasonsOf(d)} ${tail}` };
    case 'confirmation_required':
      return canAsk
        ? { verdict: 'ask', reason: `Airlock asks for your confirmation: ${reasonsOf(d)}${d.confirmation?.id ? ` (confirmation ${d.confirmation.id}; your answer is recorded with the execution)` : ''} ${tail}` }
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

/** Strictest first: one deny decides the batch, then approval, then confirmation. */
const RANK: Record<Decision['outcome'], number> = { allow: 0, confirmation_required: 1, approval_required: 2, deny: 3 };

function failed(response: unknown): boolean {
  const r = response as Record<string, unknown> | undefined;
  return !!r && typeof r === 'object' && (r['is_error'] === true || r['isError'] === true || r['success'] === false || typeof r['error'] === 'string');
}

async function post(parsed: ParsedHook, opts: HookOptions, agent: string): Promise<void> {
  if (!opts.reportExecution || !parsed.correlationId || !opts.correlation) return;
  const pre = await opts.correlation.take(parsed.correlationId);
  if (!pre) return;
  const status = failed(parsed.response) ? 'failed' : 'succeeded';
  for (const d of pre) {
    const report: ExecutionReport = { requestId: d.requestId, actionHash: d.actionHash, status, durationMs: 0, executor: `hook:${agent}` };
    // It ran after the agent asked its user: the confirmation was given at the agent's prompt.
    if (d.outcome === 'confirmation_required') {
      report.confirmedVia = `${agent}-prompt`;
      if (d.confirmation) report.confirmation = d.confirmation;
    }
    await opts.reportExecution(report);
  }
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
    await recordRefusal(opts, adapter.name, 'invalid_input', `the hook input could not be read: ${(e as Error).message}`, undefined);
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
  const mapped = mapToolCall({ ...parsed.call, home: parsed.call.home ?? opts.home }, opts);
  if (!mapped.ok) {
    // Never decided on a guessed target: a tool whose command or path is not where it should be.
    opts.log?.(`${mapped.code}: ${mapped.message}`);
    await recordRefusal(opts, adapter.name, mapped.code, mapped.message, parsed.call.toolName);
    return adapter.render('deny', `Denied by Airlock (${mapped.code}): ${mapped.message}. Nothing was sent for a decision on a guessed target.`, 'pre');
  }
  // A batch: every target must be allowed; the first deny ends it (AuthZEN deny_on_first_deny).
  const decided: Decided[] = [];
  try {
    for (const request of mapped.requests) {
      const d = (await authorizer.authorize(request)) as Decided;
      decided.push(d);
      if (d.outcome === 'deny') break;
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return onError(`${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`);
  }
  const worst = decided.reduce((a, b) => (RANK[b.outcome] > RANK[a.outcome] ? b : a));
  let { verdict, reason } = verdictOf(worst, adapter.canAsk);
  if (decided.length > 1 || mapped.requests.length > 1) reason = `${reason} [${mapped.requests.length} targets, every one must be allowed]`;
  if (verdict !== 'deny' && opts.scripts) {
    const shell = mapped.requests.find((r) => r.action.name === 'shell.exec');
    const command = shell?.context?.['command'];
    const cwd = shell?.context?.['workdir'] ?? shell?.context?.['cwd'];
    if (typeof command === 'string' && typeof cwd === 'string') {
      let judged: Awaited<ReturnType<NonNullable<HookOptions['scripts']>>>;
      try {
        judged = await opts.scripts(command, typeof shell?.context?.['shell'] === 'string' ? (shell.context['shell'] as string) : 'bash', cwd);
      } catch (e) {
        opts.log?.(`script check failed: ${(e as Error).message}`);
        judged = { verdict: 'deny', reason: 'the scripts this command runs could not be checked' };
      }
      if (judged?.verdict === 'deny') return adapter.render('deny', `Denied by Airlock: ${judged.reason} (Airlock request ${worst.requestId})`, 'pre');
      if (judged?.verdict === 'ask' && verdict === 'allow') {
        verdict = adapter.canAsk ? 'ask' : 'deny';
        reason = `Airlock asks for your confirmation: ${judged.reason} (Airlock request ${worst.requestId})`;
      }
    }
  }
  if ((verdict === 'allow' || verdict === 'ask') && parsed.correlationId && opts.correlation) {
    const keep: PreDecision[] = decided.map((d) => ({ requestId: d.requestId, actionHash: d.actionHash, outcome: d.outcome, ...(d.confirmation?.id ? { confirmation: d.confirmation.id } : {}) }));
    // Best effort (the verdict stands), but a lost correlation means the result report cannot be
    // tied to its decision: say so on the hook's stderr log.
    await opts.correlation
      .put(parsed.correlationId, keep)
      .catch((e: unknown) => opts.log?.(`hook correlation write failed for ${decided.map((d) => d.requestId).join(', ')}: ${(e as Error).message}`));
  }
  return adapter.render(verdict, reason, 'pre');
}

export function adapterFor(name: string): Adapter | undefined {
  return (adapters as Record<string, Adapter>)[name];
}

/**
 * The body of `POST /v1/hooks/claude-code` (Claude Code `type: "http"` hooks). A hook body that
 * the route accepted is answered 200 with the decision JSON, also when it cannot be decided (deny):
 * an HTTP hook cannot block by status code (standards §4.1), only by this JSON. The subject is the
 * authenticated caller the route resolved.
 */
export async function handleClaudeCodeHook(body: unknown, authorizer: Authorizer, opts: HookOptions): Promise<Record<string, unknown>> {
  const out = await runHook(adapters['claude-code'], body, authorizer, opts);
  return out.json ?? {};
}

export type { AgentName };
