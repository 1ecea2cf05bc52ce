import type { Clock } from '../core/clock.js';
import { AirlockError } from '../core/errors.js';
import type { AuditEntry, AuditTarget, CredentialRepo, IdentityRepo } from '../store/port.js';
import { generateApiKey } from './api-key.js';
import { authenticateKey, type AuthResult } from './authenticate.js';
import { entityTypeOf, registryTypeOf } from './entity.js';
import type { HumanCreateInput, HumanPatchInput, KeyCreateInput, NhiCreateInput, NhiPatchInput } from './validate.js';
import type { Actor, ApiKeyRecord, ApiKeyView, Human, Identity, IdentityFilter, Nhi, PepGrant } from './types.js';
import { uidKey } from '../core/entity-uid.js';

/** What the registry needs to know about the policy bundle in force. */
export interface RegistryBundleView {
  namespace: string;
  /** Is `<ns>::Group::"<id>"` a static entity of the bundle? */
  hasGroup(id: string): boolean;
  /** Is this uid (`Ns::Type::"id"`) a static entity of the bundle? */
  hasStatic(uidKey: string): boolean;
}

export interface IdentityServiceDeps {
  identities: IdentityRepo;
  credentials: CredentialRepo;
  clock: Clock;
  /** The audit chain changes are written to (same chain as decisions). */
  audit: AuditTarget;
  bundle(): RegistryBundleView | undefined;
  /**
   * Called after a suspend or retire (also a repeated one): the runtime revokes every delegation
   * link where the identity is an actor (issue #5). A failure is reported to the caller; the
   * status change stands, and the gateway already denies paths through an inactive identity.
   */
  onDeactivated?(identity: Identity, op: 'suspend' | 'retire', actor: Actor): Promise<void>;
}

/** A new key as returned once: the view plus the full secret `key`. */
export type IssuedKey = ApiKeyView & { key: string };

export interface ChangeResult<T> {
  value: T;
  /** Audit seq of the change's record; undefined when nothing changed. */
  auditSeq?: number;
}

export type StatusOp = 'suspend' | 'resume' | 'retire';

const iso = (ms: number) => new Date(ms).toISOString();
/** Audit records and answers carry no `undefined` members. */
const clean = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const uidKeyOf = (type: string, id: string) => uidKey({ type, id });

export function keyView(k: ApiKeyRecord, nowMs: number): ApiKeyView {
  const { hash: _hash, ...rest } = k;
  const state = k.revokedAt !== undefined ? 'revoked' : k.expiresAt !== undefined && Date.parse(k.expiresAt) <= nowMs ? 'expired' : 'active';
  return { ...rest, state };
}

/** Registry writes: validation against the store and the bundle, one transaction each, audited. */
export class IdentityService {
  private readonly deps: IdentityServiceDeps;

  constructor(deps: IdentityServiceDeps) {
    this.deps = deps;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private entry(op: string, actor: Actor, target: { class: 'nhi' | 'human' | 'key'; id: string }, before: unknown, after: unknown, extra: Record<string, unknown> = {}): AuditEntry {
    return { at: iso(this.now()), kind: 'identity', record: clean({ op, actor, target, before: before ?? null, after: after ?? null, ...extra }) };
  }

  private namespace(): string {
    return this.deps.bundle()?.namespace ?? 'Airlock';
  }

  private checkGroups(groups: readonly string[], path: string): void {
    if (groups.length === 0) return;
    const b = this.deps.bundle();
    groups.forEach((g, i) => {
      if (!b || !b.hasGroup(g)) {
        throw new AirlockError('ERR_GROUP_UNKNOWN', `${path}/${i}: group "${g}" is not defined in the policy bundle${b ? '' : ' (no bundle loaded)'}`, { path: `${path}/${i}`, group: g });
      }
    });
  }

  private async checkOwner(owner: string, path: string): Promise<void> {
    const o = await this.deps.identities.get(owner);
    if (!o || o.class !== 'human' || o.status === 'retired') {
      throw new AirlockError('ERR_OWNER_UNKNOWN', `${path}: owner "${owner}" is not an existing, non-retired human`, { path, owner });
    }
  }

  private checkPep(pep: PepGrant | undefined): void {
    if (!pep) return;
    const ns = this.namespace();
    pep.subjects.forEach((s, i) => {
      const type = s.type.includes('::') ? s.type : `${ns}::${s.type}`;
      if (s.id === '*' && registryTypeOf(type, ns) !== undefined) {
        const path = `/pep/subjects/${i}/id`;
        throw new AirlockError('ERR_IDENTITY_INVALID', `${path}: "*" is only allowed for subject types the registry does not manage; name the identities or use pep.groups`, { path });
      }
    });
    this.checkGroups(pep.groups, '/pep/groups');
  }

  private checkNoStaticClash(type: string, id: string): void {
    const b = this.deps.bundle();
    const key = uidKeyOf(type, id);
    if (b?.hasStatic(key)) {
      throw new AirlockError('ERR_IDENTITY_EXISTS', `${key} is a static entity of the policy bundle; registry and entities.json may not both define it`, { id, source: 'bundle' });
    }
  }

  private newKey(identityId: string, actor: Actor, label: string | undefined, expiresAt: string | undefined): { record: ApiKeyRecord; token: string } {
    const k = generateApiKey();
    const record: ApiKeyRecord = clean({ keyId: k.keyId, identityId, hash: k.hash, label, createdAt: iso(this.now()), expiresAt: expiresAt && iso(Date.parse(expiresAt)), createdBy: actor.id });
    return { record, token: k.token };
  }

  private issued(k: { record: ApiKeyRecord; token: string }): IssuedKey {
    return { ...keyView(k.record, this.now()), key: k.token };
  }

  async get(id: string, cls?: 'nhi' | 'human'): Promise<Identity> {
    const i = await this.deps.identities.get(id);
    if (!i || (cls !== undefined && i.class !== cls)) throw new AirlockError('ERR_NOT_FOUND', `no ${cls === 'human' ? 'human' : cls === 'nhi' ? 'identity' : 'identity or human'} "${id}"`, { id });
    return i;
  }

  list(filter: IdentityFilter): Promise<Identity[]> {
    return this.deps.identities.list(filter);
  }

  /** The identity `id`, or undefined (no error: callers decide what "unknown" answers). */
  find(id: string): Promise<Identity | undefined> {
    return this.deps.identities.get(id);
  }

  /** A stored key record by key id (no secret in it), or undefined. */
  keyRecord(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.deps.credentials.get(keyId);
  }

  /** Checks a presented API key against the registry as it is now (see `authenticateKey`). */
  authenticate(token: string | undefined, nowMs: number): Promise<AuthResult> {
    return authenticateKey(this.deps, token, nowMs);
  }

  async createNhi(input: NhiCreateInput, actor: Actor): Promise<ChangeResult<{ identity: Nhi; key?: IssuedKey }>> {
    const ns = this.namespace();
    this.checkNoStaticClash(entityTypeOf({ class: 'nhi', kind: input.kind }, ns), input.id);
    await this.checkOwner(input.owner, '/owner');
    this.checkGroups(input.groups, '/groups');
    this.checkPep(input.pep);
    const at = iso(this.now());
    const identity: Nhi = clean({
      class: 'nhi',
      id: input.id,
      kind: input.kind,
      displayName: input.displayName ?? input.id,
      owner: input.owner,
      groups: [...new Set(input.groups)],
      environments: [...new Set(input.environments)],
      purpose: input.purpose,
      status: 'active',
      expiresAt: input.expiresAt && iso(Date.parse(input.expiresAt)),
      attributes: input.attributes,
      pep: input.pep,
      delegatedOnly: input.delegatedOnly === true ? true : undefined,
      createdAt: at,
      updatedAt: at,
    });
    const key = input.key ? this.newKey(identity.id, actor, input.keyLabel, input.keyExpiresAt) : undefined;
    const rec = await this.deps.identities.create(identity, key ? [key.record] : [], {
      ...this.deps.audit,
      entry: this.entry('nhi.create', actor, { class: 'nhi', id: identity.id }, null, identity, key ? { keys: [keyView(key.record, this.now())] } : {}),
    });
    return { value: key ? { identity, key: this.issued(key) } : { identity }, auditSeq: rec.seq };
  }

  async createHuman(input: HumanCreateInput, actor: Actor): Promise<ChangeResult<{ identity: Human; key?: IssuedKey }>> {
    this.checkNoStaticClash(entityTypeOf({ class: 'human' }, this.namespace()), input.id);
    this.checkGroups(input.groups, '/groups');
    const at = iso(this.now());
    const identity: Human = clean({
      class: 'human',
      id: input.id,
      displayName: input.displayName ?? input.id,
      email: input.email,
      groups: [...new Set(input.groups)],
      roles: [...new Set(input.roles)],
      links: input.links,
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    const key = input.key ? this.newKey(identity.id, actor, input.keyLabel, input.keyExpiresAt) : undefined;
    const rec = await this.deps.identities.create(identity, key ? [key.record] : [], {
      ...this.deps.audit,
      entry: this.entry('human.create', actor, { class: 'human', id: identity.id }, null, identity, key ? { keys: [keyView(key.record, this.now())] } : {}),
    });
    return { value: key ? { identity, key: this.issued(key) } : { identity }, auditSeq: rec.seq };
  }

  private async mutate(cls: 'nhi' | 'human', id: string, op: string, actor: Actor, apply: (cur: Identity) => Identity | undefined): Promise<ChangeResult<Identity>> {
    const r = await this.deps.identities.update(
      id,
      (cur) => {
        if (cur.class !== cls) throw new AirlockError('ERR_NOT_FOUND', `no ${cls === 'human' ? 'human' : 'identity'} "${id}"`, { id });
        const next = apply(cur);
        if (!next || JSON.stringify(next) === JSON.stringify(cur)) return undefined;
        next.updatedAt = iso(this.now());
        const { lastUsedAt: _a, ...before } = cur;
        const { lastUsedAt: _b, ...after } = next;
        return { next, entry: this.entry(op, actor, { class: cls, id }, before, after) };
      },
      this.deps.audit,
    );
    if (!r) throw new AirlockError('ERR_NOT_FOUND', `no ${cls === 'human' ? 'human' : 'identity'} "${id}"`, { id });
    return r.record ? { value: r.identity, auditSeq: r.record.seq } : { value: r.identity };
  }

  async patchNhi(id: string, patch: NhiPatchInput, actor: Actor): Promise<ChangeResult<Identity>> {
    if (patch.owner !== undefined) await this.checkOwner(patch.owner, '/owner');
    if (patch.groups !== undefined) this.checkGroups(patch.groups, '/groups');
    if (patch.pep) this.checkPep(patch.pep);
    return this.mutate('nhi', id, 'nhi.update', actor, (cur) => {
      const n = cur as Nhi;
      if (n.status === 'retired') throw new AirlockError('ERR_IDENTITY_RETIRED', `identity ${id} is retired`, { id });
      const next: Nhi = { ...n };
      if (patch.displayName !== undefined) next.displayName = patch.displayName;
      if (patch.owner !== undefined) next.owner = patch.owner;
      if (patch.groups !== undefined) next.groups = [...new Set(patch.groups)];
      if (patch.environments !== undefined) next.environments = [...new Set(patch.environments)];
      if (patch.purpose !== undefined) next.purpose = patch.purpose;
      if (patch.attributes !== undefined) next.attributes = patch.attributes;
      if (patch.expiresAt === null) delete next.expiresAt;
      else if (patch.expiresAt !== undefined) next.expiresAt = iso(Date.parse(patch.expiresAt));
      if (patch.pep === null) delete next.pep;
      else if (patch.pep !== undefined) next.pep = patch.pep;
      if (patch.delegatedOnly === false) delete next.delegatedOnly;
      else if (patch.delegatedOnly === true) next.delegatedOnly = true;
      return clean(next);
    });
  }

  async patchHuman(id: string, patch: HumanPatchInput, actor: Actor): Promise<ChangeResult<Identity>> {
    if (patch.groups !== undefined) this.checkGroups(patch.groups, '/groups');
    return this.mutate('human', id, 'human.update', actor, (cur) => {
      const h = cur as Human;
      if (h.status === 'retired') throw new AirlockError('ERR_IDENTITY_RETIRED', `human ${id} is retired`, { id });
      const next: Human = { ...h };
      if (patch.displayName !== undefined) next.displayName = patch.displayName;
      if (patch.email === null) delete next.email;
      else if (patch.email !== undefined) next.email = patch.email;
      if (patch.groups !== undefined) next.groups = [...new Set(patch.groups)];
      if (patch.roles !== undefined) next.roles = [...new Set(patch.roles)];
      if (patch.links !== undefined) next.links = patch.links;
      return clean(next);
    });
  }

  /** suspend: active → suspended; resume: suspended → active; retire: → retired (final). Repeats change nothing. */
  async setStatus(cls: 'nhi' | 'human', id: string, op: StatusOp, actor: Actor): Promise<ChangeResult<Identity>> {
    const r = await this.mutate(cls, id, `${cls}.${op}`, actor, (cur) => {
      if (cur.status === 'retired') {
        if (op === 'retire') return undefined;
        throw new AirlockError('ERR_IDENTITY_RETIRED', `${cur.id} is retired; retirement is final`, { id });
      }
      const status = op === 'suspend' ? 'suspended' : op === 'resume' ? 'active' : 'retired';
      return { ...cur, status } as Identity;
    });
    if (op !== 'resume') await this.deps.onDeactivated?.(r.value, op, actor);
    return r;
  }

  async createKey(cls: 'nhi' | 'human', id: string, input: KeyCreateInput, actor: Actor): Promise<ChangeResult<IssuedKey>> {
    const identity = await this.get(id, cls);
    if (identity.status === 'retired') throw new AirlockError('ERR_IDENTITY_RETIRED', `${id} is retired; it gets no new keys`, { id });
    const key = this.newKey(id, actor, input.label, input.expiresAt);
    const rec = await this.deps.credentials.insert(key.record, {
      ...this.deps.audit,
      entry: this.entry('key.create', actor, { class: cls, id }, null, keyView(key.record, this.now())),
    });
    return { value: this.issued(key), auditSeq: rec.seq };
  }

  async listKeys(cls: 'nhi' | 'human', id: string): Promise<ApiKeyView[]> {
    await this.get(id, cls);
    const now = this.now();
    return (await this.deps.credentials.listFor(id)).map((k) => keyView(k, now));
  }

  async revokeKey(cls: 'nhi' | 'human', id: string, keyId: string, actor: Actor): Promise<ChangeResult<ApiKeyView>> {
    await this.get(id, cls);
    const notFound = () => new AirlockError('ERR_NOT_FOUND', `identity ${id} has no key ${keyId}`, { id, keyId });
    const r = await this.deps.credentials.update(
      keyId,
      (cur) => {
        if (cur.identityId !== id) throw notFound();
        if (cur.revokedAt !== undefined) return undefined;
        const next = { ...cur, revokedAt: iso(this.now()) };
        return { next, entry: this.entry('key.revoke', actor, { class: cls, id }, keyView(cur, this.now()), keyView(next, this.now())) };
      },
      this.deps.audit,
    );
    if (!r) throw notFound();
    const view = keyView(r.key, this.now());
    return r.record ? { value: view, auditSeq: r.record.seq } : { value: view };
  }
}

/** The system actor of changes Airlock makes itself (bootstrap). */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'airlock', via: 'bootstrap' };
