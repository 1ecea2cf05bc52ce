/**
 * The identity registry's values: non-human identities (NHIs), the humans who own and approve
 * them, and the API keys callers authenticate with. Plain data; rules live beside it.
 */

export const NHI_KINDS = ['agent', 'bot', 'service_account', 'ci_job', 'workload'] as const;
export type NhiKind = (typeof NHI_KINDS)[number];

export const STATUSES = ['active', 'suspended', 'retired'] as const;
export type IdentityStatus = (typeof STATUSES)[number];

export const HUMAN_ROLES = ['admin', 'approver', 'auditor'] as const;
export type HumanRole = (typeof HUMAN_ROLES)[number];

/**
 * Cedar entity type (in the bundle's namespace) of each NHI kind, and of humans. `CiJob` and
 * `Workload` must be declared by a bundle whose policies name them.
 */
export const KIND_ENTITY_TYPE = {
  agent: 'Agent',
  bot: 'Bot',
  service_account: 'ServiceAccount',
  ci_job: 'CiJob',
  workload: 'Workload',
} as const satisfies Record<NhiKind, string>;
export const HUMAN_ENTITY_TYPE = 'Human';

/** One subject a `pep` may ask about: `{type, id}` in AuthZEN form; `id: "*"` = every id of a non-registry type. */
export interface PepSubject {
  type: string;
  id: string;
}

/** What an enforcement point (MCP proxy, hook, app PEP) may ask about besides itself. */
export interface PepGrant {
  subjects: PepSubject[];
  groups: string[];
  /**
   * The registry trusts this enforcement point to say who started the task (`context.initiator`)
   * of the requests it relays for other subjects (e.g. an app that authenticated its user).
   * Default false: everyone else's `context.initiator` is refused (ERR_CONTEXT_RESERVED).
   */
  assertsInitiator?: boolean;
}

interface IdentityBase {
  id: string;
  displayName: string;
  groups: string[];
  status: IdentityStatus;
  createdAt: string;
  updatedAt: string;
  lastUsedAt?: string;
}

export interface Nhi extends IdentityBase {
  class: 'nhi';
  kind: NhiKind;
  /** Id of the owning Human (required). */
  owner: string;
  environments: string[];
  /** Why it exists (required, free text). */
  purpose: string;
  expiresAt?: string;
  /** Handed to Cedar as entity attributes (JSON values Cedar can represent). */
  attributes: Record<string, unknown>;
  pep?: PepGrant;
  /**
   * Acts only under delegation: every request with it as the subject must carry a valid delegation
   * token (a chain rooted in someone who may act), else deny `delegation_required`.
   */
  delegatedOnly?: boolean;
}

export interface Human extends IdentityBase {
  class: 'human';
  email?: string;
  roles: HumanRole[];
  /** Accounts elsewhere, e.g. `{ "slack": "U0123" }`. */
  links: Record<string, string>;
}

export type Identity = Nhi | Human;

/** A stored API key: never the secret, only its SHA-256. */
export interface ApiKeyRecord {
  keyId: string;
  identityId: string;
  /** Hex SHA-256 of the secret part of the key. */
  hash: string;
  label?: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
  /** Who created it (actor id). */
  createdBy: string;
}

/** A key as shown to clients: no hash, no secret. */
export type ApiKeyView = Omit<ApiKeyRecord, 'hash'> & { state: 'active' | 'expired' | 'revoked' };

export interface IdentityFilter {
  class?: 'nhi' | 'human';
  kind?: NhiKind;
  status?: IdentityStatus;
  owner?: string;
  group?: string;
  environment?: string;
  /** Most rows returned (default and cap decided by the caller). */
  limit?: number;
}

/** Who made a change, as written into audit records. */
export interface Actor {
  type: string;
  id: string;
  via: string;
  keyId?: string;
}
