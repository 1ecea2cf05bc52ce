import type { CedarEntity, CedarUid } from '../policy/types.js';
import { HUMAN_ENTITY_TYPE, KIND_ENTITY_TYPE, NHI_KINDS, type Identity, type NhiKind } from './types.js';

/** Cedar entity type (qualified) of a registry identity. */
export function entityTypeOf(identity: Pick<Identity, 'class'> & { kind?: NhiKind }, namespace: string): string {
  const t = identity.class === 'human' ? HUMAN_ENTITY_TYPE : KIND_ENTITY_TYPE[identity.kind!];
  return `${namespace}::${t}`;
}

export function uidOf(identity: Identity, namespace: string): CedarUid {
  return { type: entityTypeOf(identity, namespace), id: identity.id };
}

/** Which registry class/kind a Cedar type names, or undefined for a type the registry does not manage. */
export function registryTypeOf(qualifiedType: string, namespace: string): { class: 'human' } | { class: 'nhi'; kind: NhiKind } | undefined {
  const prefix = `${namespace}::`;
  if (!qualifiedType.startsWith(prefix)) return undefined;
  const t = qualifiedType.slice(prefix.length);
  if (t === HUMAN_ENTITY_TYPE) return { class: 'human' };
  const kind = NHI_KINDS.find((k) => KIND_ENTITY_TYPE[k] === t);
  return kind ? { class: 'nhi', kind } : undefined;
}

/** Does the identity answer to this uid (type and id)? */
export function matchesUid(identity: Identity, uid: CedarUid, namespace: string): boolean {
  return identity.id === uid.id && entityTypeOf(identity, namespace) === uid.type;
}

/**
 * The Cedar entity of a registry identity. NHI: its `attributes`, then the registry's own facts
 * (which win): `owner` (entity ref to the Human), `kind`, `environments` (set), `environment` (when
 * there is exactly one), `status`, `suspended`. Human: `email`, `roles`, `status`, `suspended`.
 * Parents: its groups (`<ns>::Group::"<g>"`). Attribute values are already Cedar JSON (checked at
 * write time: strings, booleans, safe integers, sets, records).
 */
export function toCedarEntity(identity: Identity, namespace: string): CedarEntity {
  const parents = identity.groups.map((g) => ({ type: `${namespace}::Group`, id: g }));
  const inactive = identity.status !== 'active';
  if (identity.class === 'human') {
    const attrs: Record<string, unknown> = { roles: [...identity.roles], status: identity.status, suspended: inactive };
    if (identity.email !== undefined) attrs['email'] = identity.email;
    return { uid: uidOf(identity, namespace), attrs, parents };
  }
  const attrs: Record<string, unknown> = { ...identity.attributes };
  attrs['owner'] = { __entity: { type: `${namespace}::${HUMAN_ENTITY_TYPE}`, id: identity.owner } };
  attrs['kind'] = identity.kind;
  attrs['environments'] = [...identity.environments];
  if (identity.environments.length === 1) attrs['environment'] = identity.environments[0];
  attrs['status'] = identity.status;
  attrs['suspended'] = inactive;
  return { uid: uidOf(identity, namespace), attrs, parents };
}
