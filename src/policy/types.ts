import type { Outcome, Reason, Requirement } from '../core/types.js';

/** A Cedar entity uid in JSON form, e.g. `{ type: 'Airlock::Agent', id: 'deploy-bot' }`. */
export interface CedarUid {
  type: string;
  id: string;
}

/** A Cedar entity in the JSON entity format. */
export interface CedarEntity {
  uid: CedarUid;
  attrs: Record<string, unknown>;
  parents: CedarUid[];
  /** Cedar entity tags (`hasTag` / `getTag`), when the entity has any. */
  tags?: Record<string, unknown>;
}

/** What the engine evaluates: uids are already namespaced, entities already selected. */
export interface PolicyRequest {
  principal: CedarUid;
  action: CedarUid;
  resource: CedarUid;
  context: Record<string, unknown>;
  entities: CedarEntity[];
}

/** The raw Cedar answer, with ids that are ours (from `@id` or `file:index`). */
export interface PolicyEvaluation {
  decision: 'allow' | 'deny';
  /** Ids of the determining policies (permits on allow, forbids on deny). */
  determining: string[];
  /** Policies whose evaluation errored. Cedar skips them; Airlock denies (threats.md F4). */
  errors: { policyId: string; message: string }[];
}

export interface PolicyInfo {
  id: string;
  effect: 'permit' | 'forbid';
  file: string;
  /** 1-based line of the policy's first line in its file. */
  line: number;
  annotations: Readonly<Record<string, string>>;
  /** What `@requires` and its companions demand when this permit determines an allow (read at load). */
  requirement?: Requirement;
  /** `@reason`, when present. */
  reason?: string;
  /** `@notify` channels, when present. */
  notify?: string[];
}

/** One problem in a bundle, located where possible. */
export interface BundleProblem {
  file: string;
  line?: number;
  column?: number;
  policyId?: string;
  message: string;
}

/** One policy test from `tests/*.yaml`. */
export interface PolicyTestCase {
  file: string;
  name: string;
  /** 1-based line of the case in its file. */
  line?: number;
  request: import('../core/types.js').AuthorizationRequest;
  expect: Outcome;
  /** Extra entities only for this test, in Cedar JSON entity form. */
  entities?: CedarEntity[];
}

/** Outcome of the policy step: what the annotations of the determining policies demand. */
export interface PolicyOutcome {
  outcome: Outcome;
  reasons: Reason[];
  requirements: Requirement[];
  determining: string[];
}
