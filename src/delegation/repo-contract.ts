import { beforeEach, describe, expect, it } from 'vitest';
import { hashLink } from './links.js';
import type { DelegationLink, DelegationRepo } from './repo.js';

/**
 * One contract suite for every `DelegationRepo` adapter (memory now; SQLite and PostgreSQL when the
 * port moves into store/port.ts). Each adapter's test calls it with a factory for a fresh, empty repo.
 */
export function runDelegationRepoContract(name: string, open: () => Promise<DelegationRepo> | DelegationRepo): void {
  describe(`delegation repo contract: ${name}`, () => {
    let repo: DelegationRepo;
    beforeEach(async () => {
      repo = await open();
    });

    const T = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
    function link(id: string, parent: DelegationLink | undefined, delegate: string, extra: Partial<DelegationLink> = {}): DelegationLink {
      const content = {
        id,
        ...(parent ? { parentId: parent.id } : {}),
        rootPrincipal: parent?.rootPrincipal ?? 'Airlock::Human::"alice"',
        delegator: parent?.delegate ?? 'Airlock::Human::"alice"',
        delegate,
        scope: "tool.call:Tool::x' OR '1'='1",
        purpose: 'p',
        depth: (parent?.depth ?? 0) + 1,
        issuedAt: T(0),
        expiresAt: T(600),
        ...extra,
      };
      return { ...content, contentHash: hashLink(content, parent?.contentHash) };
    }
    /** r → a → b, r → c; plus an unrelated root s → d. */
    async function tree() {
      const r = link('r', undefined, 'Airlock::Agent::"a"');
      const a = link('a', r, 'Airlock::Agent::"b"');
      const b = link('b', a, 'Airlock::Agent::"c"');
      const c = link('c', r, 'Airlock::Agent::"x"', { issuedAt: T(1) });
      const s = link('s', undefined, 'Airlock::Agent::"d"', { rootPrincipal: 'Airlock::Human::"bob"', delegator: 'Airlock::Human::"bob"', issuedAt: T(2) });
      for (const l of [r, a, b, c, s]) await repo.insert(l);
      return { r, a, b, c, s };
    }

    it('stores and returns copies; strings verbatim', async () => {
      const { b } = await tree();
      const got = await repo.get('b');
      expect(got).toEqual(b);
      got!.scope = 'mutated';
      expect((await repo.get('b'))!.scope).toBe(b.scope);
      expect(await repo.get('nope')).toBeUndefined();
    });

    it('refuses a duplicate id and an unknown parent, writing nothing', async () => {
      const { r } = await tree();
      await expect(repo.insert({ ...r })).rejects.toThrow();
      await expect(repo.insert(link('z', { ...r, id: 'ghost' }, 'Airlock::Agent::"z"'))).rejects.toThrow();
      expect(await repo.get('z')).toBeUndefined();
    });

    it('children and path root → leaf', async () => {
      await tree();
      expect((await repo.children('r')).map((l) => l.id)).toEqual(['a', 'c']);
      expect(await repo.children('b')).toEqual([]);
      expect((await repo.path('b')).map((l) => l.id)).toEqual(['r', 'a', 'b']);
      expect((await repo.path('r')).map((l) => l.id)).toEqual(['r']);
      expect(await repo.path('nope')).toEqual([]);
    });

    it('revokeCascade revokes the subtree once, keeps the first revocation', async () => {
      await tree();
      expect((await repo.revokeCascade('a', T(10), 'Airlock::Human::"alice"', 'done')).sort()).toEqual(['a', 'b']);
      expect(await repo.get('b')).toMatchObject({ revokedAt: T(10), revokedBy: 'Airlock::Human::"alice"', revokedReason: 'done' });
      expect((await repo.get('r'))!.revokedAt).toBeUndefined();
      expect((await repo.revokeCascade('r', T(20), 'Airlock::Human::"bob"', 'all')).sort()).toEqual(['c', 'r']);
      expect(await repo.get('b')).toMatchObject({ revokedAt: T(10), revokedBy: 'Airlock::Human::"alice"' });
      expect(await repo.revokeCascade('nope', T(30), 'x', 'y')).toEqual([]);
      expect((await repo.get('s'))!.revokedAt).toBeUndefined();
    });

    it('a child inserted under an already revoked link is revoked by the next cascade', async () => {
      const { a } = await tree();
      await repo.revokeCascade('r', T(10), 'x', 'y');
      await repo.insert(link('late', a, 'Airlock::Agent::"late"'));
      expect(await repo.revokeCascade('r', T(11), 'x', 'y')).toEqual(['late']);
    });

    it('linksWhereActor (unrevoked, as delegator or delegate) and list filters', async () => {
      await tree();
      expect((await repo.linksWhereActor('Airlock::Agent::"b"')).map((l) => l.id).sort()).toEqual(['a', 'b']);
      expect((await repo.linksWhereActor('Airlock::Human::"alice"')).map((l) => l.id).sort()).toEqual(['r']);
      await repo.revokeCascade('b', T(5), 'x', 'y');
      expect((await repo.linksWhereActor('Airlock::Agent::"b"')).map((l) => l.id)).toEqual(['a']);
      expect((await repo.list({ root: 'Airlock::Human::"bob"' })).map((l) => l.id)).toEqual(['s']);
      expect((await repo.list({})).map((l) => l.id)).toEqual(['a', 'r', 'c', 's']); // by issuedAt, then id
      expect((await repo.list({ includeRevoked: true, limit: 2 })).map((l) => l.id)).toEqual(['a', 'b']); // a, b, r share issuedAt
      expect((await repo.list({ actor: 'Airlock::Agent::"c"', includeRevoked: true })).map((l) => l.id)).toEqual(['b']);
    });
  });
}
