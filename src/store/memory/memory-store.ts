import { createMemoryElevationRepo } from '../../elevation/memory-repo.js';
import { createMemoryApprovalRepo } from '../../approval/memory-repo.js';
import { createMemoryDelegationRepo } from '../../delegation/memory-repo.js';
import { AirlockError } from '../../core/errors.js';
import { createMemoryChatRefs, createMemoryReplayLedger } from './chat-state.js';
import { createMemoryHookPairings } from './hook-pairings.js';
import type { ApiKeyRecord, Identity, IdentityFilter } from '../../identity/types.js';
import type {
  AuditEntry,
  AuditRecord,
  AuditRepo,
  CredentialRepo,
  GrantLedger,
  IdentityRepo,
  KeyRepo,
  SealFn,
  SignedCheckpoint,
  Store,
  StoredKey,
  UnitOfWork,
} from '../port.js';
import { createGate } from '../gate.js';
import { APPROVAL_WRITES, AUDIT_WRITES, CREDENTIAL_WRITES, DELEGATION_WRITES, ELEVATION_WRITES, GRANT_WRITES, IDENTITY_WRITES, KEY_WRITES, gatedRepo, unitRepo } from '../views.js';

/** Deep copy through JSON, so callers never hold a reference into the store. */
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function matchesFilter(i: Identity, f: IdentityFilter): boolean {
  if (f.class !== undefined && i.class !== f.class) return false;
  if (f.kind !== undefined && (i.class !== 'nhi' || i.kind !== f.kind)) return false;
  if (f.status !== undefined && i.status !== f.status) return false;
  if (f.owner !== undefined && (i.class !== 'nhi' || i.owner !== f.owner)) return false;
  if (f.group !== undefined && !i.groups.includes(f.group)) return false;
  if (f.environment !== undefined && (i.class !== 'nhi' || !i.environments.includes(f.environment))) return false;
  return true;
}

/** The reference adapter: plain maps, same contract as SQLite and PostgreSQL. Not durable. */
export function openMemoryStore(): Store {
  let chains = new Map<string, AuditRecord[]>();
  let checkpoints: SignedCheckpoint[] = [];
  const keys: StoredKey[] = [];
  const identities = new Map<string, Identity>();
  const apiKeys = new Map<string, ApiKeyRecord>();

  /** Seals every entry first, then publishes: all or nothing. */
  function appendSync(writer: string, entries: AuditEntry[], seal: SealFn): AuditRecord[] {
    const chain = chains.get(writer) ?? [];
    const last = chain.at(-1);
    let head = last ? { seq: last.seq, hash: last.hash } : undefined;
    const out: AuditRecord[] = [];
    for (const e of entries) {
      const rec = seal(writer, head, e);
      out.push(rec);
      head = { seq: rec.seq, hash: rec.hash };
    }
    chains.set(writer, chain.concat(out));
    return out;
  }

  const audit: AuditRepo = {
    async append(writer, entries, seal) {
      return appendSync(writer, entries, seal);
    },
    async read(writer, fromSeq, limit) {
      return (chains.get(writer) ?? []).filter((r) => r.seq >= fromSeq).slice(0, limit);
    },
    async get(writer, seq) {
      const chain = chains.get(writer) ?? [];
      // seq n sits at index n-1 in an intact chain; search if something was removed.
      const at = chain[seq - 1];
      return at?.seq === seq ? at : chain.find((r) => r.seq === seq);
    },
    async writers() {
      return [...chains.keys()].sort();
    },
    async head(writer) {
      const last = chains.get(writer)?.at(-1);
      return last ? { seq: last.seq, hash: last.hash } : undefined;
    },
    async saveCheckpoint(cp) {
      checkpoints.push(cp);
    },
    async latestCheckpoint(writer) {
      return checkpoints.filter((c) => c.writer === writer).sort((a, b) => b.seq - a.seq)[0];
    },
    async find(filter, limit = 1000) {
      const out: AuditRecord[] = [];
      for (const chain of chains.values()) {
        for (const r of chain) {
          const rec = JSON.parse(r.recordText) as { requestId?: unknown; approvalId?: unknown };
          if ((filter.requestId !== undefined && rec.requestId === filter.requestId) || (filter.approvalId !== undefined && rec.approvalId === filter.approvalId)) out.push(r);
        }
      }
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : a.seq - b.seq)).slice(0, limit);
    },
  };

  const keyRepo: KeyRepo = {
    async list(purpose) {
      return keys.filter((k) => k.purpose === purpose).reverse();
    },
    async insert(k) {
      if (keys.some((x) => x.kid === k.kid)) throw new Error(`duplicate kid ${k.kid}`);
      keys.push({ ...k });
    },
    async retire(kid, at) {
      const k = keys.find((x) => x.kid === kid);
      if (k && !k.retiredAt) k.retiredAt = at;
    },
    async remove(kid) {
      const i = keys.findIndex((x) => x.kid === kid);
      if (i >= 0) keys.splice(i, 1);
    },
  };

  const identityRepo: IdentityRepo = {
    async get(id) {
      const i = identities.get(id);
      return i ? copy(i) : undefined;
    },
    async list(filter) {
      const all = [...identities.values()].filter((i) => matchesFilter(i, filter)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return copy(filter.limit !== undefined ? all.slice(0, filter.limit) : all);
    },
    async count() {
      return identities.size;
    },
    async create(identity, newKeys, intent) {
      if (identities.has(identity.id)) throw new AirlockError('ERR_IDENTITY_EXISTS', `identity ${identity.id} already exists`, { id: identity.id });
      for (const k of newKeys) if (apiKeys.has(k.keyId)) throw new Error(`duplicate key id ${k.keyId}`);
      // Seal first (it can throw); publish only when everything is ready.
      const [rec] = appendSync(intent.writer, [intent.entry], intent.seal);
      identities.set(identity.id, copy(identity));
      for (const k of newKeys) apiKeys.set(k.keyId, copy(k));
      return rec!;
    },
    async update(id, mutate, target) {
      const cur = identities.get(id);
      if (!cur) return undefined;
      const change = mutate(copy(cur));
      if (!change) return { identity: copy(cur) };
      const [rec] = appendSync(target.writer, [change.entry], target.seal);
      identities.set(id, copy(change.next));
      return { identity: copy(change.next), record: rec! };
    },
    async recordUse(uses) {
      for (const [id, at] of uses) {
        const i = identities.get(id);
        if (i && (i.lastUsedAt === undefined || i.lastUsedAt < at)) i.lastUsedAt = at;
      }
    },
  };

  const credentialRepo: CredentialRepo = {
    async get(keyId) {
      const k = apiKeys.get(keyId);
      return k ? copy(k) : undefined;
    },
    async listFor(identityId) {
      return copy([...apiKeys.values()].filter((k) => k.identityId === identityId));
    },
    async listAll() {
      return copy([...apiKeys.values()]);
    },
    async countActive(nowIso) {
      return [...apiKeys.values()].filter((k) => k.revokedAt === undefined && (k.expiresAt === undefined || k.expiresAt > nowIso)).length;
    },
    async insert(key, intent) {
      if (!identities.has(key.identityId)) throw new AirlockError('ERR_NOT_FOUND', `no identity ${key.identityId}`);
      if (apiKeys.has(key.keyId)) throw new Error(`duplicate key id ${key.keyId}`);
      const [rec] = appendSync(intent.writer, [intent.entry], intent.seal);
      apiKeys.set(key.keyId, copy(key));
      return rec!;
    },
    async update(keyId, mutate, target) {
      const cur = apiKeys.get(keyId);
      if (!cur) return undefined;
      const change = mutate(copy(cur));
      if (!change) return { key: copy(cur) };
      const [rec] = appendSync(target.writer, [change.entry], target.seal);
      apiKeys.set(keyId, copy(change.next));
      return { key: copy(change.next), record: rec! };
    },
    async recordUse(uses) {
      for (const [id, at] of uses) {
        const k = apiKeys.get(id);
        if (k && (k.lastUsedAt === undefined || k.lastUsedAt < at)) k.lastUsedAt = at;
      }
    },
  };

  let redeemed = new Set<string>();
  const grants: GrantLedger = {
    async redeem(jti) {
      if (redeemed.has(jti)) return false;
      redeemed.add(jti);
      return true;
    },
  };
  const approvals = createMemoryApprovalRepo();
  const delegations = createMemoryDelegationRepo();
  const elevations = createMemoryElevationRepo();

  // Undo for a unit of work that throws: each repo is copied before the unit first writes to it.
  const snapshots = {
    audit: () => {
      const savedChains = new Map(chains); // append replaces a chain's array, never edits it
      const savedCheckpoints = [...checkpoints];
      return () => {
        chains = savedChains;
        checkpoints = savedCheckpoints;
      };
    },
    approvals: () => approvals.snapshot(),
    delegations: () => delegations.snapshot(),
    elevations: () => elevations.snapshot(),
    grants: () => {
      const saved = new Set(redeemed);
      return () => {
        redeemed = saved;
      };
    },
  };

  const gate = createGate();
  return {
    kind: 'memory',
    audit: gatedRepo(audit, gate, undefined, AUDIT_WRITES),
    keys: gatedRepo(keyRepo, gate, undefined, KEY_WRITES),
    identities: gatedRepo(identityRepo, gate, undefined, IDENTITY_WRITES),
    credentials: gatedRepo(credentialRepo, gate, undefined, CREDENTIAL_WRITES),
    approvals: gatedRepo<typeof approvals>(approvals, gate, undefined, APPROVAL_WRITES),
    delegations: gatedRepo<typeof delegations>(delegations, gate, undefined, DELEGATION_WRITES),
    grants: gatedRepo(grants, gate, undefined, GRANT_WRITES),
    elevations: gatedRepo<typeof elevations>(elevations, gate, undefined, ELEVATION_WRITES),
    replay: gatedRepo(createMemoryReplayLedger(), gate, undefined, ['firstSeen']),
    chatRefs: gatedRepo(createMemoryChatRefs(), gate, undefined, ['put', 'claimAnnouncement']),
    hookPairings: gatedRepo(createMemoryHookPairings(), gate, undefined, ['put', 'take']),
    transaction(work) {
      return gate.exclusive(async () => {
        const unit = { open: true };
        const undo: Array<() => void> = [];
        const once = (take: () => () => void) => {
          let taken = false;
          return () => {
            if (!taken) (taken = true), undo.push(take());
          };
        };
        const tx: UnitOfWork = {
          audit: unitRepo(audit, unit, AUDIT_WRITES, once(snapshots.audit)),
          approvals: unitRepo<typeof approvals>(approvals, unit, APPROVAL_WRITES, once(snapshots.approvals)),
          delegations: unitRepo<typeof delegations>(delegations, unit, DELEGATION_WRITES, once(snapshots.delegations)),
          grants: unitRepo(grants, unit, GRANT_WRITES, once(snapshots.grants)),
          elevations: unitRepo<typeof elevations>(elevations, unit, ELEVATION_WRITES, once(snapshots.elevations)),
        };
        try {
          return await work(tx);
        } catch (err) {
          for (const u of undo.reverse()) u();
          throw err;
        } finally {
          unit.open = false;
        }
      });
    },
    async close() {},
  };
}
