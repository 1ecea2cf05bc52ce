import type { CedarEntity, CedarUid } from '../policy/types.js';

/** Key of an entity in lookup maps: `Ns::Type::"id"`, as Cedar writes uids. */
export function uidKey(uid: CedarUid): string {
  return `${uid.type}::${JSON.stringify(uid.id)}`;
}

/**
 * An asynchronous source of entities outside the bundle (the identity registry). The gateway asks
 * it for the request's principal and resource before evaluation; ancestors come from the bundle.
 */
export interface EntitySource {
  lookup(uids: CedarUid[]): Promise<Map<string, CedarEntity>>;
}
