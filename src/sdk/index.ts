/**
 * `airlock` — the SDK's root export: the HTTP client, `guard()` and the types. Free of SQLite,
 * Cedar and `node:fs` (pinned by test/sdk/barrel-clean.test.ts); the in-process gateway is in
 * `airlock/embedded`.
 */
export { Airlock } from './airlock.js';
export { createHttpClient } from './http-client.js';
export type { HttpClientOptions } from './http-client.js';
export { guard, settle } from './guard.js';
export type { GuardOptions, Guarded } from './guard.js';
export {
  AirlockApprovalRequired,
  AirlockConfirmationRequired,
  AirlockDecisionError,
  AirlockDenied,
  AirlockRequestError,
  AirlockUnsupported,
} from './errors.js';
export type { AnyAirlockSdkError, SdkErrorCode } from './errors.js';
export type {
  ActionRef,
  AirlockClient,
  ApprovalRef,
  ApprovalState,
  ApprovalStatus,
  AuthorizationRequest,
  Authorizer,
  ClientCapabilities,
  ConfirmationRef,
  Decision,
  EntityRef,
  ExecutionReport,
  RefusalReport,
  GatewayDecision,
  Outcome,
  Reason,
  Requirement,
  WaitOptions,
} from './types.js';
