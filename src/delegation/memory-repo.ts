import type { DelegationFilter, DelegationLink, DelegationRepo } from './repo.js';

const copy = (l: DelegationLink): DelegationLink => ({ ...l });

/** The in-memory adapter of `DelegationRepo`: the reference for the SQL adapters. Not durable. */
export function createMemoryDelegationRepo(): DelegationRepo & { snapshot(): () => void } {
  let links = new Map<string, DelegationLink>();
  let kids = new Map<string, string[]>();

  function path(id: string): DelegationLink[] {
    const out: DelegationLink[] = [];
    let cur = links.get(id);
    while (cur) {
      out.push(cur);
      if (cur.parentId === undefined) return out.reverse();
      cur = links.get(cur.parentId);
      if (out.length > 64) return []; // cannot happen through insert(); never loop
    }
    return [];
  }

  const matches = (l: DelegationLink, f: DelegationFilter): boolean =>
    (f.includeRevoked || l.revokedAt === undefined) &&
    (f.root === undefined || l.rootPrincipal === f.root) &&
    (f.actor === undefined || l.delegator === f.actor || l.delegate === f.actor);

  return {
    /** The memory store's undo for a unit of work that throws. */
    snapshot() {
      const savedLinks = new Map([...links].map(([k, v]) => [k, copy(v)]));
      const savedKids = new Map([...kids].map(([k, v]) => [k, [...v]]));
      return () => {
        links = savedLinks;
        kids = savedKids;
      };
    },
    async insert(link) {
      if (links.has(link.id)) throw new Error(`duplicate delegation link id ${link.id}`);
      if (link.parentId !== undefined && !links.has(link.parentId)) throw new Error(`unknown parent link ${link.parentId}`);
      links.set(link.id, copy(link));
      if (link.parentId !== undefined) kids.set(link.parentId, [...(kids.get(link.parentId) ?? []), link.id]);
    },
    async get(id) {
      const l = links.get(id);
      return l ? copy(l) : undefined;
    },
    async children(id) {
      return (kids.get(id) ?? []).map((k) => copy(links.get(k)!));
    },
    async path(id) {
      return path(id).map(copy);
    },
    async revokeCascade(id, at, by, reason) {
      if (!links.has(id)) return [];
      const revoked: string[] = [];
      const todo = [id];
      while (todo.length > 0) {
        const cur = links.get(todo.shift()!)!;
        if (cur.revokedAt === undefined) {
          cur.revokedAt = at;
          cur.revokedBy = by;
          cur.revokedReason = reason;
          revoked.push(cur.id);
        }
        todo.push(...(kids.get(cur.id) ?? []));
      }
      return revoked;
    },
    async linksWhereActor(uid) {
      return [...links.values()].filter((l) => matches(l, { actor: uid })).map(copy);
    },
    async list(filter) {
      const all = [...links.values()].filter((l) => matches(l, filter)).sort((a, b) => (a.issuedAt < b.issuedAt ? -1 : a.issuedAt > b.issuedAt ? 1 : a.id < b.id ? -1 : 1));
      return (filter.limit !== undefined ? all.slice(0, filter.limit) : all).map(copy);
    },
  };
}
