/**
 * `airlock/embedded` — the same pipeline in process: SQLite store and audit log in `dataDir`, the
 * Cedar bundle from `policies`. `waitForApproval` waits on the same approval desk as the HTTP API;
 * `confirm` throws `AirlockUnsupported`: a confirmation names the person who gave it, and an
 * in-process client has no authenticated person (confirm through a running gateway).
 */
import { loadConfig } from '../config/load.js';
import type { Caller } from '../core/types.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { Airlock as BaseAirlock } from './airlock.js';
import { AirlockUnsupported } from './errors.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ClientCapabilities, ExecutionReport, GatewayDecision } from './types.js';

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
  const capabilities: ClientCapabilities = { approvals: true, confirmations: false, executionReports: true };
  return {
    runtime,
    capabilities,
    authorize(request: AuthorizationRequest): Promise<GatewayDecision> {
      return runtime.gateway.authorize(request, { caller });
    },
    async waitForApproval(id: string, opts: { timeoutMs: number }): Promise<ApprovalStatus> {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('id must be an approval id');
      const a = await runtime.approvals.waitFor(id, opts.timeoutMs);
      if (!a) throw new AirlockUnsupported(`no approval request ${id}`);
      return { id: a.id, status: a.status, expiresAt: a.expiresAt, votes: a.votes, approvers: a.approvers, quorum: a.quorum };
    },
    async confirm(): Promise<void> {
      throw new AirlockUnsupported('an embedded client has no authenticated person to confirm as; confirm through a running gateway (POST /v1/confirmations/{id}/confirm)');
    },
    async reportExecution(report: ExecutionReport): Promise<void> {
      await runtime.audit.append('execution', { caller: { ...caller }, ...report });
    },
    close: () => runtime.close(),
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
