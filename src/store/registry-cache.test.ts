import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord } from '../audit/chain.js';
import type { Elevation } from '../elevation/types.js';
import type { ApiKeyRecord, Identity, Nhi } from '../identity/types.js';
import type { AuditEntry, CredentialRepo, IdentityRepo, Store } from './port.js';
import { cacheRegistry, type RegistryVersion } from './registry-cache.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { inReadScope } from './read-scope.js';

const T0 = '2026-01-01T00:00:00.000Z';
const nhi = (id: string): Nhi => ({ class: 'nhi', id, kind: 'agent', displayName: id, owner: 'erin', groups: ['g'], environments: [], purpose: 'p', status: 'active', attributes: {}, createdAt: T0, updatedAt: T0 });
const apiKey = (keyId: string, identityId: string): ApiKeyRecord => ({ keyId, identityId, hash: 'a'.repeat(64), createdAt: T0, createdBy: 'test' });
const intent = (op: string): { writer: string; seal: typeof sealRecord; entry: AuditEntry } => ({ writer: 'main', seal: sealRecord, entry: { at: T0, kind: 'identity', record: { op } } });
const target = { writer: 'main', seal: sealRecord };
const suspend = (repo: IdentityRepo, id: string) => repo.update(id, (cur) => ({ next: { ...cur, status: 'suspended' } as Identity, entry: intent('suspend').entry }), target);
const revoke = (repo: CredentialRepo, keyId: string) => repo.update(keyId, (cur) => ({ next: { ...cur, revokedAt: '2026-01-02T00:00:00.000Z' }, entry: intent('revoke').entry }), target);

/** The real SQLite repos with their `get` calls counted, so a test sees when the cache answers. */
function counted(store: Store) {
  const reads = { identities: 0, keys: 0 };
  const identities: IdentityRepo = { ...store.identities, get: (id) => (reads.identities++, store.identities.get(id)) };
  const credentials: CredentialRepo = { ...store.credentials, get: (id) => (reads.keys++, store.credentials.get(id)) };
  return { reads, repos: { identities, credentials } };
}

/** A fresh directory per test and the SQLite stores opened in it, closed after the test. */
function storesInTempDir(prefix: string): () => Store {
  let dir: string;
  const stores: Store[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const s = openSqliteStore({ path: join(dir, 'airlock.db') });
    stores.push(s);
    return s;
  };
}

describe('registry cache (identities and API keys in memory, exact invalidation)', () => {
  const open = storesInTempDir('airlock-registry-cache-');

  it('answers repeated reads from memory, each caller with its own copy', async () => {
    const store = open();
    await store.identities.create(nhi('a'), [apiKey('k1', 'a')], intent('create'));
    const { reads, repos } = counted(store);
    let version = 1;
    const cache = cacheRegistry(repos, { current: () => version });
    const first = await cache.identities.get('a');
    first!.groups.push('mutated');
    const second = await cache.identities.get('a');
    expect(second).toEqual(nhi('a'));
    expect(await cache.credentials.get('k1')).toEqual(apiKey('k1', 'a'));
    expect(await cache.credentials.get('k1')).toEqual(apiKey('k1', 'a'));
    expect(await cache.identities.get('nobody')).toBeUndefined();
    expect(await cache.identities.get('nobody')).toBeUndefined();
    expect(reads).toEqual({ identities: 2, keys: 1 });
    // Another writer (the version moved): everything is read again.
    version = 2;
    await cache.identities.get('a');
    await cache.credentials.get('k1');
    expect(reads).toEqual({ identities: 3, keys: 2 });
  });

  it("applies this process's suspension and revocation to the very next read", async () => {
    const store = open();
    await store.identities.create(nhi('a'), [apiKey('k1', 'a')], intent('create'));
    // The store's own (cached) repos: warm them, change through them, read again.
    expect((await store.identities.get('a'))!.status).toBe('active');
    expect((await store.credentials.get('k1'))!.revokedAt).toBeUndefined();
    await suspend(store.identities, 'a');
    expect((await store.identities.get('a'))!.status).toBe('suspended');
    await revoke(store.credentials, 'k1');
    expect((await store.credentials.get('k1'))!.revokedAt).toBe('2026-01-02T00:00:00.000Z');
    // A key added for an id read as missing before is found.
    expect(await store.credentials.get('k2')).toBeUndefined();
    await store.credentials.insert(apiKey('k2', 'a'), intent('key'));
    expect(await store.credentials.get('k2')).toEqual(apiKey('k2', 'a'));
  });

  it("applies another connection's suspension and revocation to the very next read (PRAGMA data_version)", async () => {
    const a = open();
    const b = open();
    await a.identities.create(nhi('x'), [apiKey('kx', 'x')], intent('create'));
    for (let i = 0; i < 2; i++) {
      expect((await a.identities.get('x'))!.status).toBe('active');
      expect((await a.credentials.get('kx'))!.revokedAt).toBeUndefined();
    }
    await suspend(b.identities, 'x');
    expect((await a.identities.get('x'))!.status).toBe('suspended');
    await revoke(b.credentials, 'kx');
    expect((await a.credentials.get('kx'))!.revokedAt).toBe('2026-01-02T00:00:00.000Z');
    // And the other way round: a's writes reach b's warm cache.
    expect((await b.identities.get('x'))!.groups).toEqual(['g']);
    await a.identities.update('x', (cur) => ({ next: { ...cur, groups: ['h'] } as Identity, entry: intent('groups').entry }), target);
    expect((await b.identities.get('x'))!.groups).toEqual(['h']);
  });

  it('does not keep a value read while a write ran', async () => {
    const store = open();
    await store.identities.create(nhi('a'), [], intent('create'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    // The first read takes the row, then is held until the suspension has committed.
    const slow: IdentityRepo = {
      ...store.identities,
      get: async (id) => {
        reads++;
        const v = await store.identities.get(id);
        if (reads === 1) await gate;
        return v;
      },
    };
    const cache = cacheRegistry({ identities: slow, credentials: store.credentials }, { current: () => 1 });
    const stale = cache.identities.get('a');
    await suspend(cache.identities, 'a');
    release();
    expect((await stale)!.status).toBe('active');
    expect((await cache.identities.get('a'))!.status).toBe('suspended');
    expect(reads).toBe(2);
  });

  it('reads the store every time while the version cannot be had, and fails closed with the store', async () => {
    const store = open();
    await store.identities.create(nhi('a'), [apiKey('k1', 'a')], intent('create'));
    const { reads, repos } = counted(store);
    let broken = false;
    const version: RegistryVersion = {
      current: () => {
        if (broken) throw new Error('disk I/O error');
        return 1;
      },
    };
    const cache = cacheRegistry(repos, version);
    await cache.identities.get('a');
    await cache.identities.get('a');
    expect(reads.identities).toBe(1);
    broken = true;
    await cache.identities.get('a');
    await cache.identities.get('a');
    expect(reads.identities).toBe(3);
    // The store itself gone: the read fails (the caller denies), nothing comes from memory.
    await store.close();
    await expect(store.credentials.get('k1')).rejects.toThrow();
    await expect(store.identities.get('a')).rejects.toThrow();
  });
});

describe('registry cache in a read scope (one freshness check per request)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-registry-scope-'));
    store = openSqliteStore({ path: join(dir, 'airlock.db') });
    await store.identities.create(nhi('a'), [apiKey('k1', 'a')], intent('create'));
    await store.identities.create(nhi('erin'), [], intent('create'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A key, the caller and the owner, as an authenticated request reads them. */
  const request = async (cache: ReturnType<typeof cacheRegistry>) => {
    const key = await cache.credentials.get('k1');
    const caller = await cache.identities.get(key!.identityId);
    const owner = await cache.identities.get((caller as Nhi).owner);
    return { key, caller, owner };
  };

  it('asks for the version once per scope, and at every read outside one', async () => {
    let asked = 0;
    const cache = cacheRegistry(store, { current: () => (asked++, 1) });
    await inReadScope(() => request(cache));
    expect(asked).toBe(1);
    await inReadScope(() => request(cache));
    expect(asked).toBe(2);
    await request(cache);
    expect(asked).toBe(5);
    // Nested scopes are the outer one.
    await inReadScope(() => inReadScope(() => request(cache)));
    expect(asked).toBe(6);
  });

  it("applies another writer's suspension to the next scope after it committed", async () => {
    const other = openSqliteStore({ path: join(dir, 'airlock.db') });
    try {
      const dataVersion = (store as unknown as { db: { prepare(s: string): { pluck(): { get(): unknown } } } }).db.prepare('PRAGMA data_version').pluck();
      const cache = cacheRegistry(store, { current: () => dataVersion.get() });
      expect((await inReadScope(() => request(cache))).caller!.status).toBe('active');
      await suspend(other.identities, 'a');
      const next = await inReadScope(() => request(cache));
      expect(next.caller!.status).toBe('suspended');
    } finally {
      await other.close();
    }
  });

  it('checks again within a scope after a check failed (nothing is served from memory unchecked)', async () => {
    const { reads, repos } = counted(store);
    let fail = false;
    let asked = 0;
    const cache = cacheRegistry(repos, {
      current: () => {
        asked++;
        if (fail) throw new Error('disk I/O error');
        return 1;
      },
    });
    await request(cache); // warm
    const before = reads.identities;
    await inReadScope(async () => {
      fail = true;
      await cache.identities.get('a');
      fail = false;
      await cache.identities.get('a');
      await cache.identities.get('a');
    });
    // The failed check emptied the cache and read the store; the next read checked again and read
    // the store once more (nothing cached survived the failure); the last was served from memory.
    expect(reads.identities - before).toBe(2);
    expect(asked).toBe(3 + 2);
  });
});

describe('active elevations in the registry cache', () => {
  const E0 = Date.parse('2030-01-01T00:00:00.000Z');
  const at = (ms: number) => new Date(E0 + ms).toISOString();
  const elevation = (id: string, over: Partial<Elevation> = {}): Elevation => ({
    id,
    principal: 'a',
    group: 'prod-deployers',
    reason: 'hotfix',
    durationS: 900,
    requestedBy: 'Agent:a',
    requestId: `req-${id}`,
    grantedAt: at(0),
    expiresAt: at(900_000),
    ...over,
  });
  const open = storesInTempDir('airlock-registry-elevations-');
  const ids = (es: Elevation[]) => es.map((e) => e.id);

  it('answers later instants from memory, ending each elevation at its expiry, and sends earlier instants to the store', async () => {
    const store = open();
    await store.elevations.insert(elevation('e1'));
    await store.elevations.insert(elevation('e2', { expiresAt: at(60_000) }));
    let reads = 0;
    const counted = { ...store.elevations, active: (p: string, now: string) => (reads++, store.elevations.active(p, now)) };
    const cache = cacheRegistry({ identities: store.identities, credentials: store.credentials, elevations: counted }, { current: () => 1 });
    expect(ids(await cache.elevations.active('a', at(1_000)))).toEqual(['e1', 'e2']);
    expect(ids(await cache.elevations.active('a', at(59_999)))).toEqual(['e1', 'e2']);
    expect(ids(await cache.elevations.active('a', at(60_000)))).toEqual(['e1']);
    expect(ids(await cache.elevations.active('a', at(900_000)))).toEqual([]);
    expect(reads).toBe(1);
    expect(ids(await cache.elevations.active('a', at(0)))).toEqual(['e1', 'e2']);
    expect(reads).toBe(2);
    expect(await cache.elevations.active('nobody', at(1_000))).toEqual([]);
    expect(await cache.elevations.active('nobody', at(2_000))).toEqual([]);
    expect(reads).toBe(3);
  });

  it('applies a grant and a revocation made in a unit of work to the very next read', async () => {
    const store = open();
    await store.transaction(async (tx) => tx.elevations.insert(elevation('e1')));
    expect(ids(await store.elevations.active('a', at(1_000)))).toEqual(['e1']);
    await store.transaction(async (tx) => tx.elevations.insert(elevation('e2')));
    expect(ids(await store.elevations.active('a', at(1_001)))).toEqual(['e1', 'e2']);
    await store.transaction(async (tx) => {
      await tx.elevations.revoke('e1', at(2_000), 'human:erin', 'done');
    });
    expect(ids(await store.elevations.active('a', at(2_001)))).toEqual(['e2']);
    // A unit that wrote and then failed leaves what was committed.
    await expect(
      store.transaction(async (tx) => {
        await tx.elevations.revoke('e2', at(3_000), 'human:erin', 'oops');
        throw new Error('the rest of the unit failed');
      }),
    ).rejects.toThrow('the rest of the unit failed');
    expect(ids(await store.elevations.active('a', at(3_001)))).toEqual(['e2']);
  });

  it("applies another connection's revocation to the very next read (PRAGMA data_version)", async () => {
    const a = open();
    const b = open();
    await a.elevations.insert(elevation('e1'));
    for (let i = 0; i < 2; i++) expect(ids(await a.elevations.active('a', at(1_000 + i)))).toEqual(['e1']);
    await b.transaction(async (tx) => {
      await tx.elevations.revoke('e1', at(2_000), 'human:erin', 'done');
    });
    expect(await a.elevations.active('a', at(2_001))).toEqual([]);
  });
});
