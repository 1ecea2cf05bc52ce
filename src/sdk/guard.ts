/**
 * `guard(client, fn, describe)`: a function with `fn`'s signature that cannot run `fn` without an
 * allow. A decision is a value; anything else — deny, a pending approval, a missing confirmation,
 * a gateway that cannot be reached — means `fn` does not run.
 */
import { AirlockApprovalRequired, AirlockConfirmationRequired, AirlockDenied } from './errors.js';
import type { AirlockClient, AuthorizationRequest, GatewayDecision } from './types.js';

export interface GuardOptions {
  /**
   * Wait this long for a pending approval before throwing `AirlockApprovalRequired`, ms.
   * Only used where the gateway opened an approval (`decision.approval.id`). @defaultValue 0
   */
  approvalWaitMs?: number;
  /**
   * Asked on `confirmation_required`; answering `true` confirms (recorded by the gateway) and the
   * action is authorized again. Without it the guard throws `AirlockConfirmationRequired`.
   */
  confirm?: (decision: GatewayDecision) => boolean | Promise<boolean>;
  /** Called when reporting the execution result failed (the result of `fn` is returned regardless). */
  onReportError?: (error: unknown) => void;
  /** Name recorded as the executor. @defaultValue 'guard' */
  executor?: string;
}

export type Guarded<A extends unknown[], R> = (...args: A) => Promise<Awaited<R>>;

/**
 * Settles a decision into an allow, or throws the typed error that says why not.
 * Shared by `guard()` and usable on its own.
 */
export async function settle(client: AirlockClient, request: AuthorizationRequest, decision: GatewayDecision, options: GuardOptions = {}): Promise<GatewayDecision & { confirmedVia?: string }> {
  switch (decision.outcome) {
    case 'allow':
      return decision;
    case 'deny':
      throw new AirlockDenied(decision);
    case 'approval_required': {
      const id = decision.approval?.id;
      const waitMs = options.approvalWaitMs ?? 0;
      if (!id || waitMs <= 0 || !client.capabilities.approvals) throw new AirlockApprovalRequired(decision);
      const st = await client.waitForApproval(id, { timeoutMs: waitMs });
      if (st.status !== 'approved') throw new AirlockApprovalRequired(decision, `approval is ${st.status}`);
      const again = await client.authorize(request);
      if (again.outcome !== 'allow') throw again.outcome === 'deny' ? new AirlockDenied(again) : new AirlockApprovalRequired(again, 'still not allowed after approval');
      return again;
    }
    case 'confirmation_required': {
      const id = decision.confirmation?.id;
      if (!options.confirm || !id || !client.capabilities.confirmations) throw new AirlockConfirmationRequired(decision);
      if ((await options.confirm(decision)) !== true) throw new AirlockConfirmationRequired(decision, 'not confirmed');
      await client.confirm(id);
      const again = await client.authorize(request);
      if (again.outcome !== 'allow') throw again.outcome === 'deny' ? new AirlockDenied(again) : new AirlockConfirmationRequired(again, 'still not allowed after confirmation');
      return { ...again, confirmedVia: 'callback' };
    }
    default:
      // fail closed: an outcome this SDK does not know is not an allow
      throw new AirlockDenied(decision);
  }
}

/**
 * Wraps `fn` so that every call is authorized first.
 *
 * @example
 * const deleteFile = guard(airlock, (path: string) => rm(path), (path) => ({
 *   subject: { type: 'Agent', id: 'cleanup-bot' }, action: { name: 'file.write' }, resource: { type: 'File', id: path, properties: { path } },
 * }));
 * await deleteFile('/workspace/tmp/x'); // throws AirlockDenied when policy says no
 * @throws AirlockDenied | AirlockApprovalRequired | AirlockConfirmationRequired | AirlockRequestError
 */
export function guard<A extends unknown[], R>(
  client: AirlockClient,
  fn: (...args: A) => R,
  describe: (...args: A) => AuthorizationRequest | Promise<AuthorizationRequest>,
  options: GuardOptions = {},
): Guarded<A, R> {
  if (typeof fn !== 'function') throw new TypeError('fn must be a function');
  if (typeof describe !== 'function') throw new TypeError('describe must be a function that builds the AuthorizationRequest');
  const executor = options.executor ?? 'guard';
  return async function guarded(...args: A): Promise<Awaited<R>> {
    const request = await describe(...args);
    const decision = await settle(client, request, await client.authorize(request), options);
    const started = performance.now();
    const report = (status: 'succeeded' | 'failed', error?: unknown) => {
      if (!client.capabilities.executionReports) return;
      client
        .reportExecution({
          requestId: decision.requestId,
          actionHash: decision.actionHash,
          status,
          durationMs: performance.now() - started,
          executor,
          ...(error !== undefined ? { error: String((error as Error)?.message ?? error).slice(0, 500) } : {}),
          ...(decision.confirmedVia ? { confirmedVia: decision.confirmedVia } : {}),
        })
        .catch((e: unknown) => options.onReportError?.(e));
    };
    try {
      const result = await fn(...args);
      report('succeeded');
      return result;
    } catch (e) {
      report('failed', e);
      throw e;
    }
  };
}
