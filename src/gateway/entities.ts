import type { CedarEntity, CedarUid } from '../policy/types.js';

/**
 * An asynchronous source of entities outside the bundle (the identity registry). The gateway asks
 * it for the request's principal and resource before evaluation; ancestors come from the bundle.
 */
export interface EntitySource {
  lookup(uids: CedarUid[]): Promise<Map<string, CedarEntity>>;
}
