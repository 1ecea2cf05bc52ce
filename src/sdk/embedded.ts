/**
 * `airlock/embedded` — the same pipeline in process: SQLite store and audit log in `dataDir`, the
 * Cedar bundle from `policies`. `waitForApproval` waits on the same approval desk as the HTTP API.
 * `confirm` records the confirmation on the same desk with this process as the enforcement point
 * that showed the prompt (the rules of `POST /v1/confirmations/{id}/confirm` for a pep apply: never
 * the requesting NHI itself, only on the initiator's behalf); the action then runs only when the
 * next `authorize` answers allow (issue 11).
 */
import { loadConfig } from '../config/load.js';
import { refusalRecord } from '../core/refusal-record.js';
import type { Caller } from '../core/types.js';
import type { Nhi } from '../identity/types.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { Airlock as BaseAirlock } from './airlock.js';
import { AirlockRequestError, AirlockUnsupported } from './errors.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ClientAuthorizeOptions, ClientCapabilities, ExecutionReport, GatewayDecision, RefusalReport } from './types.js';

/** How long an execution report waits for a decision to share its durable commit with, ms. */
const REPORT_LINGER_MS = 250;

export interface EmbeddedOptions {
  /** Directory of the SQLite database and audit log. @defaultValue '.airlock' */
  dataDir?: string;
  /** Policy bundle directory. @defaultValue 'policies/example' */
  policies?: string;
  /** Who the audit log names as the caller. @defaultValue {type:'process', id:'pid:<pid>', via:'embedded'} */
  caller?: Caller;
}

export interface EmbeddedClient extends AirlockClient {
  readonly runtime: Runtime;
}

/** Opens the in-process gateway. Close it to flush the audit log. @throws AirlockError ERR_CONFIG_INVALID | ERR_BUNDLE_INVALID */
export async function createEmbeddedClient(options: EmbeddedOptions = {}): Promise<EmbeddedClient> {
  // The SDK never reads the environment: only what the caller passes (STYLE §4).
  const config = loadConfig({ dataDir: options.dataDir, policies: options.policies, checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const runtime = await createRuntime(config);
  const caller: Caller = options.caller ?? { type: 'process', id: `pid:${process.pid}`, via: 'embedded' };
  const capabilities: ClientCapabilities = { approvals: true, confirmations: true, executionReports: true };
  // The process as the enforcement point that relays its own requests (it owns the data dir).
  const at = new Date(0).toISOString();
  const pep: Nhi = { class: 'nhi', kind: 'workload', id: caller.id, displayName: caller.id, owner: '', environments: [], purpose: `embedded enforcement point (${caller.via})`, attributes: {}, groups: [], status: 'active', createdAt: at, updatedAt: at, pep: { subjects: [], groups: [] } };
  // Execution reports linger briefly so that they share the next decision's durable commit
  // instead of costing an fsync of their own between two calls (issue 14: the MCP proxy's added
  // latency). A report is evidence of what already ran, not an answer anyone waits on; close()
  // and the linger timer write whatever is left.
  const reports: Array<{ record: Record<string, unknown>; resolve: () => void; reject: (e: unknown) => void }> = [];
  let reportTimer: NodeJS.Timeout | undefined;
  const flushReports = (): void => {
    if (reportTimer) clearTimeout(reportTimer);
    reportTimer = undefined;
    for (const r of reports.splice(0)) runtime.audit.append('execution', r.record).then(() => r.resolve(), r.reject);
  };
  return {
    runtime,
    capabilities,
    authorize(request: AuthorizationRequest, opts?: ClientAuthorizeOptions): Promise<GatewayDecision> {
      // Reports waiting to be written join this decision's commit (one fsync for both).
      flushReports();
      return runtime.gateway.authorize(request, opts?.traceparent ? { caller, traceparent: opts.traceparent } : { caller });
    },
    async waitForApproval(id: string, opts: { timeoutMs: number }): Promise<ApprovalStatus> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be an approval id');
      const a = await runtime.approvals.waitFor(id, opts.timeoutMs);
      if (!a) throw new AirlockUnsupported(`no approval request ${id}`);
      return { id: a.id, status: a.status, expiresAt: a.expiresAt, votes: a.votes, approvers: a.approvers, quorum: a.quorum };
    },
    async confirm(id: string): Promise<void> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be a confirmation id');
      // In process, this process relayed every request it asks about and speaks for its subjects.
      const r = await runtime.approvals.confirm(id, { identity: pep, caller: { type: caller.type, id: caller.id }, listsSubject: true }, 'api');
      if (r.ok) return;
      const code = r.code === 'not_found' ? 'ERR_APPROVAL_NOT_FOUND' : r.code === 'conflict' || r.code === 'not_pending' || r.code === 'expired' ? 'ERR_APPROVAL_CONFLICT' : 'ERR_APPROVAL_REFUSED';
      throw new AirlockRequestError(code, r.message, 0, { rule: r.code });
    },
    async decline(id: string, reason: string): Promise<void> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be a confirmation id');
      // This process opened every request it asks about (it is their caller), so it may close them.
      if (!(await runtime.approvals.cancel(id, caller.id, reason))) throw new AirlockRequestError('ERR_APPROVAL_CONFLICT', `confirmation ${id} is not pending`, 0);
    },
    reportExecution(report: ExecutionReport): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        reports.push({ record: { caller: { ...caller }, ...report }, resolve, reject });
        reportTimer ??= setTimeout(flushReports, REPORT_LINGER_MS);
      });
    },
    async reportRefusal(report: RefusalReport): Promise<void> {
      await runtime.audit.append('refusal', { caller: { type: caller.type, id: caller.id }, ...refusalRecord(report as unknown as Record<string, unknown>) });
    },
    async close() {
      flushReports();
      await runtime.close();
    },
  };
}

/** `Airlock` with `Airlock.embedded(...)` added. */
export class Airlock extends BaseAirlock {
  /** The in-process gateway behind the same interface as `Airlock.connect`. */
  static async embedded(options: EmbeddedOptions = {}): Promise<Airlock> {
    return new Airlock(await createEmbeddedClient(options));
  }
}

export { guard, settle } from './guard.js';
export { AirlockApprovalRequired, AirlockConfirmationRequired, AirlockDenied, AirlockRequestError, AirlockUnsupported } from './errors.js';
