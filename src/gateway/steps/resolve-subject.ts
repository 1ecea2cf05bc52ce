import type { AuthorizationRequest, Reason } from '../../core/types.js';
import { decisionCodes } from '../../core/decision-codes.js';
import { checkRegistrySubject } from '../../identity/subject.js';
import { matchesUid, registryTypeOf, toCedarEntity } from '../../identity/entity.js';
import type { CompiledBundle } from '../../policy/bundle.js';
import type { CedarEntity, CedarUid } from '../../policy/types.js';
import type { IdentityRepo } from '../../store/port.js';

import { qualifyType } from '../../core/entity-uid.js';
import { uidKey } from '../../core/entity-uid.js';
import { inSpan } from '../../core/tracing.js';
import { endWith, NEXT, type StepFactory } from '../pipeline.js';

/** `delegatedOnly`: the registry says this NHI acts only under delegation (step 3 then requires a token). */
export type SubjectResolution = { ok: true; entities: Map<string, CedarEntity>; delegatedOnly: boolean } | { ok: false; reason: Reason };

function deny(code: 'unknown_subject' | 'subject_inactive' | 'subject_unowned', detail: string): SubjectResolution {
  return { ok: false, reason: { code, message: `${decisionCodes[code]}: ${detail}` } };
}

/**
 * DESIGN §2 step 2: resolve the subject in the registry. A subject of a registry type (Agent, Bot,
 * ServiceAccount, CiJob, Workload, Human) must be a registry identity that is active, not expired
 * and (NHI) owned by an active human — or a static entity of the bundle. A subject of any other
 * type must be a static entity, unless the calling pep vouches for it (`vouched`). Reads the store
 * on every call: a suspension applies to the very next request. Registry identities named as the
 * resource are resolved too (e.g. the target of `delegate`), without status rules.
 */
export async function resolveSubject(
  bundle: CompiledBundle,
  req: AuthorizationRequest,
  registry: IdentityRepo,
  nowMs: number,
  vouched: boolean,
): Promise<SubjectResolution> {
  const ns = bundle.namespace;
  const entities = new Map<string, CedarEntity>();
  const subject: CedarUid = { type: qualifyType(req.subject.type, ns), id: req.subject.id };
  const key = uidKey(subject);
  const kind = registryTypeOf(subject.type, ns);
  let delegatedOnly = false;
  if (kind) {
    const found = await registry.get(subject.id);
    if (found && matchesUid(found, subject, ns)) {
      const owner = found.class === 'nhi' ? await registry.get(found.owner) : undefined;
      const verdict = checkRegistrySubject(found, owner, nowMs);
      if (!verdict.ok) return deny(verdict.code, verdict.message);
      entities.set(key, toCedarEntity(found, ns));
      delegatedOnly = found.class === 'nhi' && found.delegatedOnly === true;
    } else if (!bundle.staticEntities.has(key)) {
      return deny('unknown_subject', `${key} is not registered`);
    }
  } else if (!bundle.staticEntities.has(key) && !vouched) {
    return deny('unknown_subject', `${key} is not a static entity and no enforcement point vouches for it`);
  }

  const resource: CedarUid = { type: qualifyType(req.resource.type, ns), id: req.resource.id };
  if (registryTypeOf(resource.type, ns) && uidKey(resource) !== key) {
    const r = await registry.get(resource.id);
    if (r && matchesUid(r, resource, ns)) entities.set(uidKey(resource), toCedarEntity(r, ns));
  }
  return { ok: true, entities, delegatedOnly };
}

/** uid text of an entity reference attribute (`{__entity: {type, id}}`), if it is one. */
function refText(v: unknown): string | undefined {
  const e = (v as { __entity?: { type?: unknown; id?: unknown } } | undefined)?.__entity;
  return e && typeof e.type === 'string' && typeof e.id === 'string' ? uidKey({ type: e.type, id: e.id }) : undefined;
}

/**
 * Step 2: unknown, inactive or unowned subjects end the pipeline here. A registry subject's active
 * elevations become group memberships for this decision only, read now (docs/elevation.md). The
 * record names the subject and its owner.
 */
export const subjectStep: StepFactory = (deps) => ({
  name: 'subject',
  phase: 'decide',
  async run(s) {
    if (deps.registry) {
      const registry = deps.registry;
      const elevations = deps.elevations;
      const subject = await inSpan(s.span, 'airlock.subject', async (span) => {
        const r = await resolveSubject(s.bundle, s.request, registry, deps.clock.now(), s.vouched);
        const entity = r.ok ? r.entities.get(s.requester) : undefined;
        if (!r.ok || !entity || !elevations) return r;
        const active = await elevations.active(s.request.subject.id, new Date(deps.clock.now()).toISOString());
        if (active.length === 0) return r;
        const parents = [...entity.parents];
        const have = new Set(parents.map(uidKey));
        for (const e of active) {
          const g = { type: `${s.bundle.namespace}::Group`, id: e.group };
          if (!have.has(uidKey(g))) (parents.push(g), have.add(uidKey(g)));
        }
        r.entities.set(s.requester, { ...entity, parents });
        s.audit['elevations'] = active.map((e) => ({ id: e.id, group: e.group, expiresAt: e.expiresAt }));
        span.set({ 'airlock.elevations': active.map((e) => e.group) });
        return r;
      });
      if (!subject.ok) return endWith('deny', [subject.reason]);
      s.prefetched = subject.entities;
      s.delegatedOnly = subject.delegatedOnly;
    }
    const subjectEntity = s.prefetched?.get(s.requester) ?? s.bundle.staticEntities.get(s.requester);
    const owner = refText(subjectEntity?.attrs['owner']);
    if (owner) s.owner = owner;
    s.audit['subject'] = owner ? { uid: s.requester, owner } : { uid: s.requester };
    return NEXT;
  },
});
