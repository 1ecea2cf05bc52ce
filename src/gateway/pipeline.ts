import type { ApprovalRepo } from '../approval/repo.js';
import type { ApprovalRequest } from '../approval/types.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Analyzer, CommandAnalysis } from '../commands/types.js';
import type { Clock } from '../core/clock.js';
import { decisionCodes } from '../core/decision-codes.js';
import type { TraceSpan, Tracer } from '../core/tracing.js';
import type { AuthorizationRequest, Caller, Decision, Outcome, Reason, Requirement } from '../core/types.js';
import type { ElevationRepo } from '../elevation/repo.js';
import type { GrantClaims } from '../grants/grant.js';
import type { KeyRing, SigningKey } from '../grants/keyring.js';
import type { CompiledBundle } from '../policy/bundle.js';
import type { CedarEntity, PolicyEvaluation, PolicyRequest } from '../policy/types.js';
import type { AuditRepo, IdentityRepo } from '../store/port.js';
import type { EntitySource } from './entities.js';
import type { PolicyHolder } from './policy-holder.js';
import type { Identity } from '../identity/types.js';
import type { DelegationRepo } from '../delegation/repo.js';
import type { TokenCache } from '../delegation/token.js';

/**
 * The chat step's rule, injected by the composition root (the gateway knows no chat edge): validate
 * `context.chat`, apply the binding rule to the subject's registry identity, and set
 * `context.initiator` from the chat user. The runtime wires `prepareChatRequest` here.
 */
export interface ChatStepDeps {
  prepare(request: AuthorizationRequest, subject: Identity | undefined): Promise<ChatPrepared>;
}

export type ChatPrepared =
  | { ok: true; request: AuthorizationRequest }
  | { ok: false; code: 'chat_requires_nhi' | 'chat_context_invalid'; message: string };

export interface DelegationStepDeps {
  repo: DelegationRepo;
  /** The grant key ring: delegation tokens are signed with it and verified against it only. */
  keys: KeyRing;
  issuer: string;
  audience: string;
  maxDepth?: number;
  /** Verified-signature cache; revocation, path, actors and scope are still read on every request. */
  tokenCache?: TokenCache;
}

/** What step 6 needs, gathered from steps 2–5 before the unit of work opens. */
export interface SettleInput {
  outcome: Outcome;
  reasons: Reason[];
  requirements: Requirement[];
  request: AuthorizationRequest;
  actionHash: string;
  requestId: string;
  caller: Caller;
  /** uid text of the subject (requester). */
  requester: string;
  /** uid text of the subject's owner, for `@sod("owner")`. */
  owner?: string;
  /** uid text of the Human in `context.initiator`, when it names one. */
  initiator?: string;
  /** uid texts of every identity on the delegation path. */
  delegationChain: string[];
  /** `@notify` channels of the determining policies (kept on a new request for the chat edges). */
  notify?: string[];
  /** The command analyzer's view, kept on a new request so approvers see the risk. */
  command?: ApprovalRequest['command'];
  nowMs: number;
}

export interface GatewayObserver {
  onDecision?(outcome: Outcome, ms: number, reasons: Reason[], decision: Decision): void;
  /** The records contradict each other (e.g. an approved request whose votes the chain lacks). */
  onIntegrityAlarm?(alarm: IntegrityAlarm): void;
}

export interface IntegrityAlarm {
  kind: 'approval_unverified';
  requestId: string;
  approvalId: string;
  problem: string;
}

/** Something happened that outside parties (webhooks, long-poll waiters, chat) may want to know. */
export interface GatewayEvents {
  approvalOpened?(a: ApprovalRequest): void;
}

/** Evaluates a mapped request against `bundle` (the same answer as `bundle.evaluate`). */
export type PolicyEvaluator = (bundle: CompiledBundle, req: PolicyRequest) => Promise<PolicyEvaluation>;

export interface GatewayDeps {
  policies: PolicyHolder;
  audit: AuditWriter;
  clock: Clock;
  entities?: EntitySource;
  /**
   * Where Cedar runs (runtime/policy-threads.ts: worker threads); without it, `bundle.evaluate` on
   * the event loop. Either answers exactly as `bundle.evaluate` would; a throw is a deny.
   */
  evaluator?: PolicyEvaluator;
  /** The identity registry (DESIGN §2 step 2). Without it, subjects are not checked (unit tests only). */
  registry?: IdentityRepo;
  /** The command analyzer (DESIGN §2 step 4). Without it, a request carrying a command is denied. */
  analyzer?: Analyzer;
  /** Approvals and confirmations (DESIGN §2 step 6). Without them, approval_required stays as is. */
  approvals?: { repo: ApprovalRepo; approvalTtlMs: number; confirmationTtlMs: number; maxPendingPerRequester?: number };
  /** Execution grants on allow (DESIGN §2 step 8). */
  grants?: { keys: KeyRing; ttlMs: number; issuer: string };
  /** Delegated execution paths (DESIGN §2 step 3). Without it, a request carrying a delegation token is denied. */
  delegation?: DelegationStepDeps;
  /**
   * Just-in-time elevations (docs/elevation.md): a registry subject's active elevations are added
   * to its groups for this decision, read from the store every time (no cache outlives an expiry
   * or a revocation).
   */
  elevations?: Pick<ElevationRepo, 'active'>;
  /** Chat provenance and the binding rule (DESIGN §1). Without it, a request carrying `context.chat` is denied. */
  chat?: ChatStepDeps;
  events?: GatewayEvents;
  observer?: GatewayObserver;
  /** Where the cause of an internal fault goes (the server log); the caller gets only a code. */
  onInternalError?(err: unknown, context: { requestId: string; stage: 'decide' | 'audit' }): void;
  /** Spans per decision and per step (docs/observability.md). Default: the no-op tracer. */
  tracer?: Tracer;
}

/**
 * What is known so far about one decision. The gateway fills the first block before step 2; each
 * step reads what earlier steps found and adds its own part, including its part of the audit record.
 */
export interface PipelineState {
  readonly requestId: string;
  readonly decidedAt: string;
  readonly caller: Caller;
  /** The calling pep vouches for a subject outside the registry and the bundle. */
  readonly vouched: boolean;
  readonly bundle: CompiledBundle;
  /** uid text of the subject. */
  readonly requester: string;
  /** The decision's span; each step opens its child span under it. */
  readonly span: TraceSpan;
  /** The request as the pipeline sees it (the chat step sets `context.initiator`): what the audit records. */
  request: AuthorizationRequest;
  /** Over `request`: recomputed by a step that changes it. */
  actionHash: string;
  /** What policy sees: `request` plus the verified delegation and the command analysis. */
  policyRequest: AuthorizationRequest;
  /** The record's fields after `request` and `decision`, in the order the steps add them. */
  audit: Record<string, unknown>;

  /** Step 2: registry entities for the subject (and a registry resource), handed to policy. */
  prefetched?: Map<string, CedarEntity>;
  /** Step 2: the registry says this NHI acts only under delegation. */
  delegatedOnly: boolean;
  /** Step 2: uid text of the subject's owner. */
  owner?: string;
  /** Step 3: uid texts of every identity on the verified delegation path. */
  delegationChain: string[];
  /** Step 3: the delegation token's expiry (s); a grant never outlives it. */
  delegationEndS: number;
  /** Step 4: the analyzer's result, and the caller's view of it. */
  analysis?: CommandAnalysis;
  command?: Decision['command'];
  /** Step 5: the decision; record-phase steps may change its outcome. */
  decision?: Decision;
  /** Step 5: what policy requires before an allow. */
  requirements: Requirement[];

  /** Record phase: the unit of work's repos, when the record phase runs in one (see `Step.changesState`). */
  unit?: { approvals: ApprovalRepo; audit: Pick<AuditRepo, 'get'> };
  /** Step 6, prepared before the unit opens. */
  settle?: SettleInput;
  /** Step 8: the signing key, read before the unit opens (the unit may use only its own repos). */
  signingKey?: SigningKey;
  opened?: ApprovalRequest;
  consumed?: ApprovalRequest;
  unverified?: { approvalId: string; problem: string };
  grantClaims?: GrantClaims;
}

/** A step's answer: go on with the (updated) state, or end the pipeline with this decision. */
export type StepResult = { kind: 'next' } | { kind: 'end'; outcome: Outcome; reasons: Reason[] };

export const NEXT: StepResult = Object.freeze({ kind: 'next' });

export const endWith = (outcome: Outcome, reasons: Reason[]): StepResult => ({ kind: 'end', outcome, reasons });

/**
 * One step of the pipeline (DESIGN §2). `decide` steps (2–5) run for every entry point, AuthZEN
 * search candidates included, and may only read. `record` steps (6, 8) run for authorize() only,
 * after step 5 and around step 7 (the audit record): when any of them `changesState`, all of them
 * run inside the unit of work that commits the record, so a state change never outlives a lost
 * record. Record steps usually change `state.decision` and go on (the decision keeps its
 * requirements and command); an `end` from one replaces the decision and skips the steps after it.
 */
export interface Step {
  readonly name: string;
  readonly phase: 'decide' | 'record';
  /** Record phase: will this step change stored state for this decision (then a unit of work is opened)? */
  changesState?(s: PipelineState): boolean;
  /** Record phase, unit path: reads done before the unit opens. A failure here counts as the unit's. */
  beforeUnit?(s: PipelineState): Promise<void> | void;
  run(s: PipelineState): Promise<StepResult> | StepResult;
}

/** A step is built once per gateway from its dependencies. */
export type StepFactory = (deps: GatewayDeps) => Step;

export function reason(code: keyof typeof decisionCodes, message?: string, policyId?: string): Reason {
  const r: Reason = { code, message: message ?? decisionCodes[code] };
  if (policyId !== undefined) r.policyId = policyId;
  return r;
}
