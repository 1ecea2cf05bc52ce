import type { CedarUid } from '../policy/types.js';
import { uidOf } from './entity.js';
import { isExpired } from './subject.js';
import type { ApiKeyRecord, Identity, Nhi, NhiKind } from './types.js';
import { uidKey } from '../core/entity-uid.js';

/**
 * The principal scope and actions of one permit policy that requires approval, as read from the
 * bundle (runtime/approval-scopes.ts). `when`/`unless` conditions and the resource scope are NOT
 * part of it: the report over-approximates ("could reach, subject to the policy's conditions").
 */
export interface ApprovalScope {
  policyId: string;
  /** Action names, or 'all' for an unconstrained action scope. */
  actions: string[] | 'all';
  principal: { op: 'all' } | { op: 'eq'; uid: CedarUid } | { op: 'in'; uid: CedarUid } | { op: 'is'; type: string; in?: CedarUid };
}

export interface ReportOptions {
  nowMs: number;
  unusedDays: number;
  rotationDays: number;
  expiringDays: number;
  namespace: string;
  policyVersion: string | undefined;
  /** All actions the bundle declares (to expand 'all'). */
  actions: readonly string[];
  approvalScopes: readonly ApprovalScope[];
  /** Parents of a static entity (group nesting), by uid key. */
  parentsOf(uidKey: string): readonly CedarUid[];
}

const DAY_MS = 86_400_000;
const key = (u: CedarUid) => uidKey(u);

export interface InventoryReport {
  generatedAt: string;
  policyVersion: string | null;
  thresholds: { unusedDays: number; rotationDays: number; expiringDays: number };
  counts: {
    nhis: { total: number; byKind: Record<string, number>; byStatus: Record<string, number> };
    humans: { total: number; byStatus: Record<string, number> };
    keys: { active: number; revoked: number; expired: number };
  };
  orphaned: { id: string; kind: NhiKind; owner: string; status: string; reason: 'owner_missing' | 'owner_not_human' | 'owner_retired' | 'owner_suspended' }[];
  unused: { id: string; kind: NhiKind; owner: string; lastUsedAt: string | null; neverUsed: boolean; idleDays: number | null }[];
  keys: {
    overRotationAge: { keyId: string; identityId: string; createdAt: string; ageDays: number; lastUsedAt: string | null }[];
    neverUsed: { keyId: string; identityId: string; createdAt: string; ageDays: number }[];
  };
  expiring: { id: string; kind: NhiKind; owner: string; expiresAt: string; inDays: number }[];
  expired: { id: string; kind: NhiKind; owner: string; expiresAt: string }[];
  approvalReach: { id: string; kind: NhiKind; owner: string; actions: { action: string; policies: string[] }[] }[];
  /** How `approvalReach` is computed, in one sentence, so nobody mistakes it for a proof. */
  approvalReachMethod: string;
}

function ancestors(start: readonly CedarUid[], parentsOf: ReportOptions['parentsOf']): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const u = stack.pop()!;
    const k = key(u);
    if (seen.has(k)) continue;
    seen.add(k);
    stack.push(...parentsOf(k));
  }
  return seen;
}

function scopeMatches(scope: ApprovalScope['principal'], uid: CedarUid, anc: Set<string>): boolean {
  switch (scope.op) {
    case 'all':
      return true;
    case 'eq':
      return key(scope.uid) === key(uid);
    case 'in':
      return key(scope.uid) === key(uid) || anc.has(key(scope.uid));
    case 'is':
      return scope.type === uid.type && (scope.in === undefined || key(scope.in) === key(uid) || anc.has(key(scope.in)));
  }
}

const round1 = (n: number) => Math.floor(n * 10) / 10;

/** The inventory report (pure): counts, orphans, stale identities and keys, expiry, approval reach. */
export function buildReport(identities: readonly Identity[], keys: readonly ApiKeyRecord[], o: ReportOptions): InventoryReport {
  const byId = new Map(identities.map((i) => [i.id, i]));
  const nhis = identities.filter((i): i is Nhi => i.class === 'nhi');
  const humans = identities.filter((i) => i.class === 'human');
  const tally = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ((acc[x] = (acc[x] ?? 0) + 1), acc), {});
  const live = nhis.filter((n) => n.status !== 'retired');
  const active = nhis.filter((n) => n.status === 'active');

  const orphaned: InventoryReport['orphaned'] = [];
  for (const n of live) {
    const owner = byId.get(n.owner);
    const reason = !owner ? 'owner_missing' : owner.class !== 'human' ? 'owner_not_human' : owner.status === 'retired' ? 'owner_retired' : owner.status === 'suspended' ? 'owner_suspended' : undefined;
    if (reason) orphaned.push({ id: n.id, kind: n.kind, owner: n.owner, status: n.status, reason });
  }

  const unusedCut = o.nowMs - o.unusedDays * DAY_MS;
  const unused: InventoryReport['unused'] = active
    .filter((n) => n.lastUsedAt === undefined || Date.parse(n.lastUsedAt) <= unusedCut)
    .map((n) => ({
      id: n.id,
      kind: n.kind,
      owner: n.owner,
      lastUsedAt: n.lastUsedAt ?? null,
      neverUsed: n.lastUsedAt === undefined,
      idleDays: n.lastUsedAt === undefined ? null : round1((o.nowMs - Date.parse(n.lastUsedAt)) / DAY_MS),
    }));

  const isActiveKey = (k: ApiKeyRecord) => k.revokedAt === undefined && (k.expiresAt === undefined || Date.parse(k.expiresAt) > o.nowMs);
  const liveKeys = keys.filter((k) => isActiveKey(k) && byId.get(k.identityId)?.status !== 'retired');
  const age = (k: ApiKeyRecord) => round1((o.nowMs - Date.parse(k.createdAt)) / DAY_MS);
  const overRotationAge = liveKeys
    .filter((k) => Date.parse(k.createdAt) <= o.nowMs - o.rotationDays * DAY_MS)
    .map((k) => ({ keyId: k.keyId, identityId: k.identityId, createdAt: k.createdAt, ageDays: age(k), lastUsedAt: k.lastUsedAt ?? null }));
  const neverUsedKeys = liveKeys.filter((k) => k.lastUsedAt === undefined).map((k) => ({ keyId: k.keyId, identityId: k.identityId, createdAt: k.createdAt, ageDays: age(k) }));

  const expiring: InventoryReport['expiring'] = [];
  const expired: InventoryReport['expired'] = [];
  for (const n of live) {
    if (n.expiresAt === undefined) continue;
    const at = Date.parse(n.expiresAt);
    if (isExpired(n, o.nowMs)) expired.push({ id: n.id, kind: n.kind, owner: n.owner, expiresAt: n.expiresAt });
    else if (at <= o.nowMs + o.expiringDays * DAY_MS) expiring.push({ id: n.id, kind: n.kind, owner: n.owner, expiresAt: n.expiresAt, inDays: round1((at - o.nowMs) / DAY_MS) });
  }

  const approvalReach: InventoryReport['approvalReach'] = [];
  for (const n of active) {
    const uid = uidOf(n, o.namespace);
    const anc = ancestors(
      n.groups.map((g) => ({ type: `${o.namespace}::Group`, id: g })),
      o.parentsOf,
    );
    const perAction = new Map<string, Set<string>>();
    for (const s of o.approvalScopes) {
      if (!scopeMatches(s.principal, uid, anc)) continue;
      for (const a of s.actions === 'all' ? o.actions : s.actions) {
        const set = perAction.get(a) ?? new Set<string>();
        set.add(s.policyId);
        perAction.set(a, set);
      }
    }
    if (perAction.size > 0) {
      approvalReach.push({
        id: n.id,
        kind: n.kind,
        owner: n.owner,
        actions: [...perAction.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([action, ps]) => ({ action, policies: [...ps].sort() })),
      });
    }
  }

  const keyStates = keys.map((k) => (k.revokedAt !== undefined ? 'revoked' : isActiveKey(k) ? 'active' : 'expired'));
  return {
    generatedAt: new Date(o.nowMs).toISOString(),
    policyVersion: o.policyVersion ?? null,
    thresholds: { unusedDays: o.unusedDays, rotationDays: o.rotationDays, expiringDays: o.expiringDays },
    counts: {
      nhis: { total: nhis.length, byKind: tally(nhis.map((n) => n.kind)), byStatus: tally(nhis.map((n) => n.status)) },
      humans: { total: humans.length, byStatus: tally(humans.map((h) => h.status)) },
      keys: { active: keyStates.filter((s) => s === 'active').length, revoked: keyStates.filter((s) => s === 'revoked').length, expired: keyStates.filter((s) => s === 'expired').length },
    },
    orphaned,
    unused,
    keys: { overRotationAge, neverUsed: neverUsedKeys },
    expiring,
    expired,
    approvalReach,
    approvalReachMethod:
      'scope match: an active NHI is listed for an action when a permit policy with @requires("approval") names that action (or any action) and its principal scope matches the NHI (==, in its groups or their ancestors, is its type); the policy\'s resource scope, when/unless conditions and any forbid are not evaluated, so this over-approximates',
  };
}
