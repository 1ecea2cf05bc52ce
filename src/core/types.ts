import type { TraceSpan } from './tracing.js';

/** AuthZEN-shaped request entities (OpenID AuthZEN Authorization API 1.0 §5). */
export interface EntityRef {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
}

export interface ActionRef {
  name: string;
  properties?: Record<string, unknown>;
}

export interface AuthorizationRequest {
  subject: EntityRef;
  action: ActionRef;
  resource: EntityRef;
  context?: Record<string, unknown>;
}

export type Outcome = 'allow' | 'deny' | 'approval_required' | 'confirmation_required';

/** Strictness order: the strictest outcome wins when several apply. */
export const outcomeRank: Record<Outcome, number> = {
  allow: 0,
  confirmation_required: 1,
  approval_required: 2,
  deny: 3,
};

export interface Reason {
  /** Stable decision code (see decision-codes.ts). */
  code: string;
  /** The policy that produced the reason, when there is one. */
  policyId?: string;
  message: string;
}

export interface Requirement {
  kind: 'approval' | 'confirmation';
  policyId: string;
  /** Cedar entity uid text of who may approve, e.g. `Airlock::Group::"finance-approvers"`. */
  approvers?: string;
  quorum?: number;
  approvalTtlMs?: number;
  /** Extra separation-of-duties rules named by `@sod`, e.g. `owner`. */
  sod?: string[];
  reason?: string;
}

/** Who asked the gateway (the authenticated caller), as opposed to the subject of the request. */
export interface Caller {
  type: string;
  id: string;
  /** How the request reached the gateway: http, cli, embedded, mcp, hook, … */
  via: string;
  /** Id of the API key the caller authenticated with (never the secret). */
  keyId?: string;
}

/** How a decision points at its open approval or confirmation. */
export interface ApprovalRef {
  id: string;
  status?: 'pending' | 'approved' | 'denied' | 'expired' | 'consumed' | 'cancelled';
  kind?: 'approval' | 'confirmation';
  expiresAt?: string;
  /** Cedar uid text of who may approve. */
  approvers?: string;
  quorum?: number;
  /** Gateway-relative URLs: poll, and long-poll wait. */
  pollUrl?: string;
  waitUrl?: string;
}

export interface Decision {
  outcome: Outcome;
  reasons: Reason[];
  actionHash: string;
  policyVersion: string;
  requestId: string;
  decidedAt: string;
  /** Requirements from the determining policies (approval / confirmation), strictest first. */
  requirements?: Requirement[];
  /** Audit sequence number of the record that holds this decision. */
  auditSeq?: number;
  /** approval_required: the approval request this decision waits for. */
  approval?: ApprovalRef;
  /** confirmation_required: the confirmation this decision waits for. */
  confirmation?: ApprovalRef;
  /** On allow: a short-lived signed execution grant (JWT) bound to `actionHash`. */
  grant?: string;
  /** When the request carried a command: what the analyzer found (secrets redacted). */
  command?: {
    shell: string;
    risk: string;
    verdict: string;
    categories: string[];
    summary: string[];
    findings: { rule: string; category: string; severity: string; explanation: string }[];
  };
}

export interface AuthorizeOptions {
  caller?: Caller;
  requestId?: string;
  /**
   * Set by the HTTP edge when the caller is an enforcement point (`pep`) whose grant covers every
   * subject of the request's (non-registry) subject type, e.g. `user:*`: such a subject need not be
   * registered, the pep vouches for it. Never makes an unregistered Agent/Bot/… or Human acceptable.
   */
  vouchedSubject?: boolean;
  /** The caller's W3C `traceparent` (HTTP header): the decision's span joins that trace. */
  traceparent?: string;
  /** An in-process span the decision's span is a child of (a hook or MCP call span). */
  parentSpan?: TraceSpan;
  /**
   * Set by the HTTP edge when the caller is an enforcement point the registry trusts to assert
   * initiators (`pep.assertsInitiator`) and asks about another subject: only then may the request
   * carry `context.initiator`. Everyone else gets ERR_CONTEXT_RESERVED (a bot never names who asked it).
   */
  assertsInitiator?: boolean;
  /**
   * Context that the gateway's own paths add after the caller's context is checked (a reversal's
   * `reverses`, the delegation desk's link facts). Never taken from a wire request.
   */
  gatewayContext?: Record<string, unknown>;
}

/** Anything that can decide: the in-process gateway and the SDK's HTTP client alike. */
export interface Authorizer {
  authorize(request: AuthorizationRequest, options?: AuthorizeOptions): Promise<Decision>;
}
