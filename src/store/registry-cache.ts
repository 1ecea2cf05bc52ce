import type { ElevationRepo } from '../elevation/repo.js';
import type { Elevation } from '../elevation/types.js';
import type { CredentialRepo, IdentityRepo } from './port.js';
import { currentReadScope } from './read-scope.js';

/**
 * Tells the cache whether anyone else may have changed the registry. `current()` runs on every
 * cached read, so it must be synchronous and cheap (SQLite: `PRAGMA data_version`, a few µs).
 * It returns a value that changes whenever another connection or process has committed since the
 * last call, or `undefined` when it cannot tell (an error, a closed connection): then the cache is
 * dropped and the read goes to the store.
 */
export interface RegistryVersion {
  current(): unknown;
}

/** Past this many entries per map the map is emptied (unknown key ids must not grow memory). */
const MAX_ENTRIES = 10_000;

/** A cached slot that cannot answer this read (see `through`). */
const MISS = Symbol('miss');

/**
 * Identities and API-key records kept in memory between reads, each read checked against
 * `version` first, so a suspension or revocation by any writer applies to the very next read:
 *
 * - **This process's writes** go through the returned repos; each write empties both maps before
 *   it starts and after it ends, and a read that overlapped a write does not fill the cache (a
 *   generation counter), so a value read before a change is never kept after it.
 * - **Other writers** (another connection or process on the same database) change `version`; a
 *   read that sees a new version empties both maps before it looks.
 * - A read takes the version before the store read, so a cached value is never older than the
 *   version it is filed under.
 * - Inside a read scope (read-scope.ts: one HTTP request) the version is taken at the scope's
 *   first read only; why that is as fresh is explained there.
 *
 * Each read returns its own copy (callers may change what they get, as from the store); the maps
 * hold JSON text, which these values are (plain data). Lists, counts and the
 * `recordUse` writes go to the store as before (`recordUse` also empties the cache: `lastUsedAt`
 * is part of the values).
 */
export function cacheRegistry<E extends ElevationRepo | undefined = undefined>(
  inner: { identities: IdentityRepo; credentials: CredentialRepo; elevations?: E },
  version: RegistryVersion,
): { identities: IdentityRepo; credentials: CredentialRepo; elevations: E; invalidate(): void } {
  // JSON text of each value; undefined: the store has no such id.
  const identities = new Map<string, string | undefined>();
  const keys = new Map<string, string | undefined>();
  // A principal's elevations active at `at` (JSON text of the rows, in the store's order).
  const elevated = new Map<string, { at: string; text: string }>();
  let seen: unknown;
  let generation = 0;

  const drop = (): void => {
    identities.clear();
    keys.clear();
    elevated.clear();
    generation++;
  };

  // This cache's mark in a request's read scope (read-scope.ts): checked once per request.
  const mark = {};

  /** The version now; empties the cache when it changed. False: the cache may not be used. */
  function fresh(): boolean {
    const scope = currentReadScope();
    // Checked earlier in this request, and no failed check since (which resets `seen`).
    if (scope?.checked.has(mark) && seen !== undefined) return true;
    let v: unknown;
    try {
      v = version.current();
    } catch {
      v = undefined;
    }
    if (v === undefined) {
      drop();
      seen = undefined;
      return false;
    }
    if (v !== seen) {
      drop();
      seen = v;
    }
    scope?.checked.add(mark);
    return true;
  }

  /**
   * The one read path of every map: a hit that `use` can answer is returned from memory; anything
   * else goes to the store and is filed (as `keep` makes it) only if no write and no version
   * change came in between, else the next read reloads.
   */
  async function through<S, T>(map: Map<string, S>, key: string, load: () => Promise<T>, use: (slot: S) => T | typeof MISS, keep: (value: T) => S): Promise<T> {
    if (!fresh()) return load();
    if (map.has(key)) {
      const answer = use(map.get(key) as S);
      if (answer !== MISS) return answer;
    }
    const gen = generation;
    const value = await load();
    if (gen === generation) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, keep(value));
    }
    return value;
  }

  const read = <T>(map: Map<string, string | undefined>, id: string, load: (id: string) => Promise<T | undefined>): Promise<T | undefined> =>
    through(
      map,
      id,
      () => load(id),
      (text) => (text === undefined ? undefined : (JSON.parse(text) as T)),
      (value) => (value === undefined ? undefined : JSON.stringify(value)),
    );

  /**
   * Rows active at `at` stay active at any later time until they expire, unless a write (ours: the
   * cache is dropped; anyone else's: the version moves) revokes one or adds one. So the rows read
   * at `at` answer any `nowIso >= at` once filtered by expiry; an earlier `nowIso` goes to the store.
   */
  const activeElevations = (load: ElevationRepo, principal: string, nowIso: string): Promise<Elevation[]> =>
    through(
      elevated,
      principal,
      () => load.active(principal, nowIso),
      (hit) => (hit.at <= nowIso ? (JSON.parse(hit.text) as Elevation[]).filter((e) => e.expiresAt > nowIso) : MISS),
      (rows) => ({ at: nowIso, text: JSON.stringify(rows) }),
    );

  async function write<T>(run: () => Promise<T>): Promise<T> {
    drop();
    try {
      return await run();
    } finally {
      drop();
    }
  }

  const i = inner.identities;
  const c = inner.credentials;
  const el = inner.elevations;
  return {
    invalidate: drop,
    // Only with an elevation repo to wrap (E is then ElevationRepo).
    elevations: (el
      ? ({
          insert: (e) => write(() => el.insert(e)),
          get: (id) => el.get(id),
          active: (principal, nowIso) => activeElevations(el, principal, nowIso),
          list: (f) => el.list(f),
          revoke: (id, at, by, reason) => write(() => el.revoke(id, at, by, reason)),
          expiredUnrecorded: (nowIso, limit) => el.expiredUnrecorded(nowIso, limit),
          markExpiryRecorded: (id, atIso) => write(() => el.markExpiryRecorded(id, atIso)),
        } satisfies ElevationRepo)
      : undefined) as E,
    identities: {
      get: (id) => read(identities, id, (x) => i.get(x)),
      list: (f) => i.list(f),
      count: () => i.count(),
      create: (identity, k, audit) => write(() => i.create(identity, k, audit)),
      update: (id, mutate, audit) => write(() => i.update(id, mutate, audit)),
      recordUse: (uses) => write(() => i.recordUse(uses)),
    },
    credentials: {
      get: (keyId) => read(keys, keyId, (x) => c.get(x)),
      listFor: (id) => c.listFor(id),
      listAll: () => c.listAll(),
      countActive: (now) => c.countActive(now),
      insert: (key, audit) => write(() => c.insert(key, audit)),
      update: (keyId, mutate, audit) => write(() => c.update(keyId, mutate, audit)),
      recordUse: (uses) => write(() => c.recordUse(uses)),
    },
  };
}
