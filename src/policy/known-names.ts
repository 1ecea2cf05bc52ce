import type { AuthorizationRequest } from '../core/types.js';
import { qualifyType } from '../core/entity-uid.js';

/** The schema facts {@link unknownName} reads. */
export interface DeclaredNames {
  readonly namespace: string;
  readonly actions: readonly string[];
  readonly entityTypes: ReadonlySet<string>;
}

/**
 * A name the schema does not declare can match no policy, so Cedar would answer a silent
 * `default_deny`; naming it makes a typo visible (issue 13): `unknown_action` for the action,
 * `unknown_entity_type` for the subject's or the resource's type.
 */
export function unknownName(bundle: DeclaredNames, req: AuthorizationRequest): { code: 'unknown_action' | 'unknown_entity_type'; detail: string } | undefined {
  if (!bundle.actions.includes(req.action.name)) return { code: 'unknown_action', detail: JSON.stringify(req.action.name) };
  for (const ref of [req.subject, req.resource]) {
    const type = qualifyType(ref.type, bundle.namespace);
    if (!bundle.entityTypes.has(type)) return { code: 'unknown_entity_type', detail: type };
  }
  return undefined;
}
