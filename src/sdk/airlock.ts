import { createHttpClient, type HttpClientOptions } from './http-client.js';
import { guard, type GuardOptions, type Guarded } from './guard.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ClientCapabilities, ExecutionReport, GatewayDecision, WaitOptions } from './types.js';

/**
 * The SDK's entry point: one object for the remote gateway (`Airlock.connect`) or the in-process
 * one (`Airlock.embedded`, from `airlock/embedded`), with `guard()` bound to it.
 *
 * @example
 * const airlock = Airlock.connect({ url: 'http://127.0.0.1:8787', key: 'ak_…' });
 * const pay = airlock.guard(submitPayment, (p) => ({ subject: { type: 'Agent', id: 'payments-agent' },
 *   action: { name: 'payment.submit' }, resource: { type: 'Payee', id: p.payee }, context: { amount: p.amount } }));
 */
export class Airlock implements AirlockClient {
  readonly client: AirlockClient;

  constructor(client: AirlockClient) {
    if (!client || typeof client.authorize !== 'function') throw new TypeError('client must implement AirlockClient');
    this.client = client;
  }

  /** A client for a running gateway. @throws TypeError on bad options. */
  static connect(options: HttpClientOptions): Airlock {
    return new Airlock(createHttpClient(options));
  }

  get capabilities(): ClientCapabilities {
    return this.client.capabilities;
  }
  authorize(request: AuthorizationRequest): Promise<GatewayDecision> {
    return this.client.authorize(request);
  }
  waitForApproval(id: string, options: WaitOptions): Promise<ApprovalStatus> {
    return this.client.waitForApproval(id, options);
  }
  confirm(id: string): Promise<void> {
    return this.client.confirm(id);
  }
  reportExecution(report: ExecutionReport): Promise<void> {
    return this.client.reportExecution(report);
  }
  close(): Promise<void> {
    return this.client.close();
  }

  /** `guard(fn, describe)` bound to this client; see {@link guard}. */
  guard<A extends unknown[], R>(fn: (...args: A) => R, describe: (...args: A) => AuthorizationRequest | Promise<AuthorizationRequest>, options?: GuardOptions): Guarded<A, R> {
    return guard(this.client, fn, describe, options);
  }
}
