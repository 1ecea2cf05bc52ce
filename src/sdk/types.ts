/**
 * The SDK's public vocabulary. Every edge that enforces decisions (the MCP proxy, the agent hooks,
 * `guard()`) is written against `AirlockClient`, so it works the same against a remote gateway
 * (`Airlock.connect`) and the in-process one (`Airlock.embedded`).
 */
import type { ApprovalRef as CoreApprovalRef, AuthorizationRequest, Authorizer, Decision } from '../core/types.js';

export type { AuthorizationRequest, Authorizer, Decision, Outcome, Reason, Requirement, EntityRef, ActionRef } from '../core/types.js';

/** The approval a gateway opened for an `approval_required` decision (approvals API). */
export type ApprovalRef = CoreApprovalRef;

/** The confirmation a gateway opened for a `confirmation_required` decision. */
export type ConfirmationRef = CoreApprovalRef;

/**
 * A decision as a gateway returns it: `approval` on `approval_required`, `confirmation` on
 * `confirmation_required` (the core `Decision` carries both).
 */
export type GatewayDecision = Decision;

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed' | 'cancelled';

export interface ApprovalStatus {
  id: string;
  status: ApprovalState;
  /** Anything else the gateway said (approvers, votes, expiry). */
  [key: string]: unknown;
}

/** What an executor reports after running an allowed action (DESIGN §2: appended to the evidence). */
export interface ExecutionReport {
  /** The request id of the allow decision the execution ran under. */
  requestId: string;
  actionHash: string;
  status: 'succeeded' | 'failed';
  durationMs: number;
  /** Who executed: `mcp-proxy`, `hook`, `guard`, … */
  executor: string;
  /** A short, non-secret summary of the failure (never the result payload). */
  error?: string;
  /** How a confirmation was given, when the action needed one (`elicitation`, `callback`). */
  confirmedVia?: string;
  /** The confirmation the gateway opened, when the action ran after the agent asked its user. */
  confirmation?: string;
}

/**
 * A message an enforcement point refused before any decision was asked for (a JSON-RPC batch, a
 * method it does not know, oversized arguments…): nothing ran, and the refusal is recorded in the
 * audit log so that no stopped action is missing from the evidence (threats §3.12).
 */
export interface RefusalReport {
  /** Who refused: `mcp-proxy`, … */
  executor: string;
  /** A stable code: `batch`, `invalid_message`, `message_too_large`, `method_unknown`, … */
  code: string;
  /** The methods the refused message named (a batch names several). */
  methods?: string[];
  /** The tools, resources or prompts it named. */
  targets?: string[];
  /** The subject the enforcement point acts for. */
  subject?: { type: string; id: string };
  /** The upstream server, where the enforcement point fronts several. */
  server?: string;
  /** A short, non-secret description (never the arguments). */
  detail?: string;
}

export interface WaitOptions {
  /** Longest wait, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a client can do beyond `authorize`; edges check this before offering a flow. */
export interface ClientCapabilities {
  /** `waitForApproval` reaches a gateway that has the approvals API. */
  approvals: boolean;
  /** `confirm` reaches a gateway that has the confirmations API. */
  confirmations: boolean;
  /** `reportExecution` records the result in the evidence log. */
  executionReports: boolean;
}

/**
 * One interface for the remote and the embedded gateway.
 *
 * @example
 * const airlock = Airlock.connect({ url: 'http://127.0.0.1:8787', key: process.env.AIRLOCK_KEY! });
 * const d = await airlock.authorize({ subject: { type: 'Agent', id: 'bot' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'x/y' } });
 */
/** Per-call options of `AirlockClient.authorize`. */
export interface ClientAuthorizeOptions {
  /** A W3C `traceparent` the gateway's decision span joins (sent as the `traceparent` header). */
  traceparent?: string;
}

export interface AirlockClient extends Authorizer {
  authorize(request: AuthorizationRequest, options?: ClientAuthorizeOptions): Promise<GatewayDecision>;
  readonly capabilities: ClientCapabilities;
  /**
   * Waits until the approval leaves `pending` or `timeoutMs` passes (then answers `pending`).
   * @throws AirlockUnsupported (`ERR_UNSUPPORTED`) where the gateway has no approvals API.
   */
  waitForApproval(id: string, options: WaitOptions): Promise<ApprovalStatus>;
  /**
   * Records an explicit confirmation; the next `authorize` of the same action then allows.
   * @throws AirlockUnsupported (`ERR_UNSUPPORTED`) where the gateway has no confirmations API.
   */
  confirm(id: string): Promise<void>;
  /**
   * Records that the person asked said no to confirmation `id`: the gateway closes it
   * (`cancelled`, audit record `approval.cancelled` with `reason`). Optional: a client without it
   * leaves the confirmation to expire.
   */
  decline?(id: string, reason: string): Promise<void>;
  /** Appends an execution result to the decision's evidence record. Never throws for "unsupported". */
  reportExecution(report: ExecutionReport): Promise<void>;
  /** Records a message the enforcement point refused before asking (`POST /v1/refusals`). */
  reportRefusal?(report: RefusalReport): Promise<void>;
  close(): Promise<void>;
}
