/**
 * Entity uids in Cedar's text form, `Airlock::Agent::"deploy-bot"`: one spelling per entity, so a
 * string comparison is an identity comparison. The one place types are qualified and uids written.
 */
export interface EntityRef {
  type: string;
  id: string;
}

/** `Agent` → `Airlock::Agent`; a type that already contains `::` is taken as fully qualified. */
export function qualifyType(type: string, namespace: string): string {
  return type.includes('::') ? type : `${namespace}::${type}`;
}

/** Text of a uid whose type is already qualified: the key of entity maps and of records. */
export function uidKey(uid: EntityRef): string {
  return `${uid.type}::${JSON.stringify(uid.id)}`;
}

/** Text of `{type, id}` with its type qualified by `namespace`. */
export function formatUid(uid: EntityRef, namespace: string): string {
  return uidKey({ type: qualifyType(uid.type, namespace), id: uid.id });
}
