/**
 * Just-in-time elevation (issue 16; docs/elevation.md). A request is an ordinary decision: subject
 * the identity to elevate, action `elevate`, resource the group, context `{durationSeconds, reason}`.
 * Policy permits, requires an approval (the approval desk's flow and SoD, bound to this exact
 * request), or denies; on allow the elevation is stored and recorded in one unit of work. While it
 * lasts, the gateway adds the group to the identity's memberships on every decision.
 */
import type { AuditWriter } from '../audit/writer.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { AirlockError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Caller, Decision } from '../core/types.js';
import type { ElevationRepo } from '../elevation/repo.js';
import { elevationStatus, type Elevation, type ElevationStatus } from '../elevation/types.js';
import type { Gateway } from '../gateway/gateway.js';
import type { PolicyHolder } from '../gateway/policy-holder.js';
import { entityTypeOf } from '../identity/entity.js';
import { hasRole } from '../identity/subject.js';
import type { Identity } from '../identity/types.js';
import type { IdentityRepo } from '../store/port.js';
import { formatUid, uidKey } from '../core/entity-uid.js';

export interface ElevationCaller {
  identity: Identity;
  caller: Caller;
}

export interface ElevationInput {
  /** Registry id to elevate; default the caller. */
  principal?: unknown;
  group?: unknown;
  /** `15m`, `PT15M`, `900s`… */
  duration?: unknown;
  reason?: unknown;
}

export type ElevationView = Elevation & { status: ElevationStatus };

export type ElevationAnswer =
  | { status: 'active'; elevation: ElevationView; decision: Decision }
  | { status: 'pending' | 'denied'; decision: Decision };

export interface ElevationDesk {
  request(input: ElevationInput, who: ElevationCaller): Promise<ElevationAnswer>;
  get(id: string, who: ElevationCaller): Promise<ElevationView>;
  list(filter: { principal?: string; active?: boolean }, who: ElevationCaller): Promise<ElevationView[]>;
  revoke(id: string, reason: string | undefined, who: ElevationCaller): Promise<ElevationView>;
  /**
   * Writes an `elevation.expired` record for each elevation that ran out since the last call (at
   * most `limit`); answers how many. Each record commits with the row's mark, so across replicas
   * every expiry is recorded exactly once. The runtime calls it on a timer.
   */
  recordExpiries(limit?: number): Promise<number>;
}

export interface ElevationDeskDeps {
  repo: ElevationRepo;
  registry: IdentityRepo;
  audit: AuditWriter;
  clock: Clock;
  gateway: Gateway;
  policies: PolicyHolder;
  /** Longest elevation anyone may ask for, ms, whatever a policy would permit. */
  maxTtlMs: number;
}

const GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MIN_S = 60;

/** The caller is the principal, the principal's owner, or an admin. */
function mayActFor(who: ElevationCaller, principal: Identity): boolean {
  if (who.identity.id === principal.id) return true;
  if (principal.class === 'nhi' && who.identity.class === 'human' && principal.owner === who.identity.id) return true;
  return hasRole(who.identity, 'admin');
}

const invalid = (message: string, field: string) => new AirlockError('ERR_REQUEST_INVALID', message, { field });

export function createElevationDesk(deps: ElevationDeskDeps): ElevationDesk {
  const iso = (ms: number) => new Date(ms).toISOString();
  const view = (e: Elevation): ElevationView => ({ ...e, status: elevationStatus(e, deps.clock.now()) });

  async function visible(e: Elevation, who: ElevationCaller): Promise<boolean> {
    if (hasRole(who.identity, 'admin') || hasRole(who.identity, 'auditor')) return true;
    const p = await deps.registry.get(e.principal);
    return p !== undefined && mayActFor(who, p);
  }

  return {
    async request(input, who) {
      const principalId = input.principal === undefined ? who.identity.id : input.principal;
      if (typeof principalId !== 'string' || principalId.length === 0) throw invalid('principal must be a registry id', 'principal');
      if (typeof input.group !== 'string' || !GROUP_ID.test(input.group)) throw invalid('group must be a group id', 'group');
      if (typeof input.reason !== 'string' || input.reason.trim().length === 0 || input.reason.length > 500) throw invalid('reason is required (at most 500 characters)', 'reason');
      let ms: number;
      try {
        if (typeof input.duration !== 'string') throw new Error('duration is required, e.g. "15m"');
        ms = parseDuration(input.duration);
      } catch (e) {
        throw invalid(`duration: ${(e as Error).message}`, 'duration');
      }
      const durationS = Math.floor(ms / 1000);
      if (durationS < MIN_S || ms > deps.maxTtlMs) throw invalid(`duration must be between ${MIN_S}s and ${Math.floor(deps.maxTtlMs / 1000)}s`, 'duration');
      const bundle = deps.policies.current();
      if (!bundle) throw new AirlockError('ERR_NOT_READY');
      if (!bundle.staticEntities.has(formatUid({ type: 'Group', id: input.group }, bundle.namespace))) throw new AirlockError('ERR_GROUP_UNKNOWN', `group ${input.group} is not defined in the policy bundle`, { group: input.group });
      const principal = await deps.registry.get(principalId);
      if (!principal) throw new AirlockError('ERR_NOT_FOUND', `no identity ${principalId}`);
      if (!mayActFor(who, principal)) throw new AirlockError('ERR_FORBIDDEN', 'only the identity itself, its owner or an admin may ask to elevate it');

      // The decision: the same pipeline as any other action (registry checks, policy, approvals,
      // audit). Asking again with the same group, duration and reason is the same action, so an
      // approval granted for it is used by the repeat.
      const decision = await deps.gateway.authorize(
        {
          subject: { type: entityTypeOf(principal, bundle.namespace), id: principal.id },
          action: { name: 'elevate' },
          resource: { type: `${bundle.namespace}::Group`, id: input.group },
          context: { durationSeconds: durationS, reason: input.reason },
        },
        { caller: who.caller },
      );
      if (decision.outcome === 'deny') return { status: 'denied', decision };
      if (decision.outcome !== 'allow') return { status: 'pending', decision };

      const now = deps.clock.now();
      const e: Elevation = {
        id: uuidv7(now),
        principal: principal.id,
        group: input.group,
        reason: input.reason,
        durationS,
        requestedBy: `${who.caller.type}:${who.caller.id}`,
        requestId: decision.requestId,
        grantedAt: iso(now),
        expiresAt: iso(now + durationS * 1000),
      };
      const principalUid = uidKey({ type: entityTypeOf(principal, bundle.namespace), id: principal.id });
      await deps.audit.transaction(async (tx, log) => {
        await tx.elevations.insert(e);
        await log('elevation.granted', { requestId: decision.requestId, elevationId: e.id, principal: principalUid, group: e.group, reason: e.reason, durationS, grantedAt: e.grantedAt, expiresAt: e.expiresAt, by: e.requestedBy });
      });
      return { status: 'active', elevation: view(e), decision };
    },

    async get(id, who) {
      const e = await deps.repo.get(id);
      if (!e || !(await visible(e, who))) throw new AirlockError('ERR_NOT_FOUND', `no elevation ${id}`);
      return view(e);
    },

    async list(filter, who) {
      const seeAll = hasRole(who.identity, 'admin') || hasRole(who.identity, 'auditor');
      const rows = await deps.repo.list({ ...(filter.principal ? { principal: filter.principal } : {}), ...(filter.active ? { activeAt: iso(deps.clock.now()) } : {}), limit: 1000 });
      const out: ElevationView[] = [];
      for (const e of rows) if (seeAll || (await visible(e, who))) out.push(view(e));
      return out;
    },

    async revoke(id, reason, who) {
      const e = await deps.repo.get(id);
      if (!e || !(await visible(e, who))) throw new AirlockError('ERR_NOT_FOUND', `no elevation ${id}`);
      const principal = await deps.registry.get(e.principal);
      if (!hasRole(who.identity, 'admin') && !(principal && mayActFor(who, principal))) throw new AirlockError('ERR_FORBIDDEN', 'only the identity, its owner or an admin may revoke its elevation');
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw invalid('reason must be text (at most 500 characters)', 'reason');
      const by = `${who.caller.type}:${who.caller.id}`;
      const at = iso(deps.clock.now());
      const revoked = await deps.audit.transaction(async (tx, log) => {
        const r = await tx.elevations.revoke(id, at, by, reason);
        const ns = deps.policies.current()?.namespace ?? 'Airlock';
        const principalUid = principal ? uidKey({ type: entityTypeOf(principal, ns), id: principal.id }) : r?.principal;
        if (r) await log('elevation.revoked', { requestId: r.requestId, elevationId: r.id, principal: principalUid, group: r.group, by, ...(reason !== undefined ? { reason } : {}), revokedAt: at });
        return r;
      });
      if (!revoked) throw new AirlockError('ERR_ELEVATION_INACTIVE', `elevation ${id} already ended (${elevationStatus(e, deps.clock.now())})`, { status: elevationStatus((await deps.repo.get(id)) ?? e, deps.clock.now()) });
      return view(revoked);
    },

    async recordExpiries(limit = 100) {
      const at = iso(deps.clock.now());
      const due = await deps.repo.expiredUnrecorded(at, limit);
      if (due.length === 0) return 0;
      const ns = deps.policies.current()?.namespace ?? 'Airlock';
      // Principals are read before the unit of work (inside it only its own tx may be used).
      const principalUid = new Map<string, string>();
      for (const e of due) {
        const p = await deps.registry.get(e.principal);
        principalUid.set(e.id, p ? uidKey({ type: entityTypeOf(p, ns), id: p.id }) : e.principal);
      }
      return deps.audit.transaction(async (tx, log) => {
        let n = 0;
        for (const e of due) {
          if (!(await tx.elevations.markExpiryRecorded(e.id, at))) continue;
          await log('elevation.expired', { requestId: e.requestId, elevationId: e.id, principal: principalUid.get(e.id), group: e.group, expiresAt: e.expiresAt, recordedAt: at });
          n++;
        }
        return n;
      });
    },
  };
}
