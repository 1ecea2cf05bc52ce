/**
 * Typed errors of the SDK. `guard()` throws the decision errors when an action may not run now;
 * the client throws `AirlockRequestError` when the gateway could not be asked (a fault, not a
 * decision). Match on `code`, never on the message.
 */
import type { GatewayDecision } from './types.js';

export type SdkErrorCode =
  | 'ERR_DENIED'
  | 'ERR_APPROVAL_REQUIRED'
  | 'ERR_CONFIRMATION_REQUIRED'
  | 'ERR_UNSUPPORTED';

function summary(d: GatewayDecision): string {
  const why = d.reasons.map((r) => r.message).filter(Boolean).join('; ');
  return why ? `${why} (request ${d.requestId})` : `request ${d.requestId}`;
}

/** Base of the three "may not run now" errors; carries the decision. */
export class AirlockDecisionError extends Error {
  readonly code: SdkErrorCode;
  readonly decision: GatewayDecision;
  constructor(code: SdkErrorCode, message: string, decision: GatewayDecision) {
    super(message);
    this.name = 'AirlockDecisionError';
    this.code = code;
    this.decision = decision;
  }
  get requestId(): string {
    return this.decision.requestId;
  }
}

/** The gateway denied the action. */
export class AirlockDenied extends AirlockDecisionError {
  constructor(decision: GatewayDecision) {
    super('ERR_DENIED', `denied by Airlock: ${summary(decision)}`, decision);
    this.name = 'AirlockDenied';
  }
}

/**
 * The action needs an independent human approval. `approvalId` is set when the gateway opened an
 * approval request (gateways with the approvals API); retry the call once it is approved.
 */
export class AirlockApprovalRequired extends AirlockDecisionError {
  readonly approvalId: string | undefined;
  constructor(decision: GatewayDecision, detail?: string) {
    const id = decision.approval?.id;
    super('ERR_APPROVAL_REQUIRED', `approval required${id ? ` (approval ${id})` : ''}: ${summary(decision)}${detail ? ` — ${detail}` : ''}`, decision);
    this.name = 'AirlockApprovalRequired';
    this.approvalId = id;
  }
}

/** The action needs an explicit confirmation; `confirmationId` is set when the gateway opened one. */
export class AirlockConfirmationRequired extends AirlockDecisionError {
  readonly confirmationId: string | undefined;
  constructor(decision: GatewayDecision, detail?: string) {
    const id = decision.confirmation?.id;
    super('ERR_CONFIRMATION_REQUIRED', `confirmation required${id ? ` (confirmation ${id})` : ''}: ${summary(decision)}${detail ? ` — ${detail}` : ''}`, decision);
    this.name = 'AirlockConfirmationRequired';
    this.confirmationId = id;
  }
}

/** The client cannot do this with the gateway it talks to (e.g. approvals before that API exists). */
export class AirlockUnsupported extends Error {
  readonly code = 'ERR_UNSUPPORTED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'AirlockUnsupported';
  }
}

/**
 * The gateway could not be asked or refused the request itself: `code` is the gateway's stable
 * error code (`ERR_UNAUTHENTICATED`, `ERR_SUBJECT_FORBIDDEN`, `ERR_REQUEST_INVALID`, …), or
 * `ERR_SERVER_UNREACHABLE` when no answer came, or `ERR_BAD_RESPONSE` when the answer was not
 * Airlock's. `status` is the HTTP status (0 when unreachable).
 */
export class AirlockRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, status: number, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AirlockRequestError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export type AnyAirlockSdkError = AirlockDenied | AirlockApprovalRequired | AirlockConfirmationRequired | AirlockUnsupported | AirlockRequestError;
