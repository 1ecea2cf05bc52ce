import type { CedarUid } from '../policy/types.js';
import { matchesUid, registryTypeOf } from './entity.js';
import type { Human, Identity } from './types.js';
import { uidKey } from '../core/entity-uid.js';

export type SubjectVerdict = { ok: true } | { ok: false; code: 'subject_inactive' | 'subject_unowned'; message: string };

/** Has the NHI's `expiresAt` passed at `nowMs`? */
export function isExpired(identity: Identity, nowMs: number): boolean {
  return identity.class === 'nhi' && identity.expiresAt !== undefined && Date.parse(identity.expiresAt) <= nowMs;
}

/**
 * DESIGN §2 step 2 for a registry subject: it must be active and not expired, and an NHI must have
 * an owner that exists, is a human and is active ("visibility before convenience").
 */
export function checkRegistrySubject(subject: Identity, owner: Identity | undefined, nowMs: number): SubjectVerdict {
  if (subject.status !== 'active') return { ok: false, code: 'subject_inactive', message: `subject ${subject.id} is ${subject.status}` };
  if (isExpired(subject, nowMs)) return { ok: false, code: 'subject_inactive', message: `subject ${subject.id} expired at ${(subject as { expiresAt: string }).expiresAt}` };
  if (subject.class === 'human') return { ok: true };
  if (!owner || owner.class !== 'human') return { ok: false, code: 'subject_unowned', message: `owner ${subject.owner} of ${subject.id} does not exist` };
  if (owner.status !== 'active') return { ok: false, code: 'subject_unowned', message: `owner ${owner.id} of ${subject.id} is ${owner.status}` };
  return { ok: true };
}

export type CallerScope = { ok: true; vouched: boolean } | { ok: false; message: string };

/**
 * May this authenticated caller ask about `subject`? Every identity may ask about itself. An NHI
 * with a `pep` grant may also ask about the subjects it lists (`id: "*"` covers every id of a type
 * the registry does not manage, and marks the subject as vouched for) and about any subject whose
 * groups (with their ancestors) meet the grant's groups. Nobody else may (403).
 */
export function callerMayAskFor(caller: Identity, subject: CedarUid, subjectGroups: ReadonlySet<string>, namespace: string): CallerScope {
  if (matchesUid(caller, subject, namespace)) return { ok: true, vouched: false };
  if (caller.class === 'nhi' && caller.pep) {
    for (const s of caller.pep.subjects) {
      const type = s.type.includes('::') ? s.type : `${namespace}::${s.type}`;
      if (type !== subject.type) continue;
      if (s.id === subject.id) return { ok: true, vouched: false };
      if (s.id === '*' && registryTypeOf(type, namespace) === undefined) return { ok: true, vouched: true };
    }
    if (caller.pep.groups.some((g) => subjectGroups.has(g))) return { ok: true, vouched: false };
  }
  return { ok: false, message: `${caller.id} may not ask about ${uidKey(subject)}` };
}

/** Does the identity carry a role (humans only)? */
export function hasRole(identity: Identity, role: Human['roles'][number]): boolean {
  return identity.class === 'human' && identity.roles.includes(role);
}
