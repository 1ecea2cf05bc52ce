import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One request's registry reads (its API key, its caller, the subject and the subject's owner)
 * share one freshness check instead of asking the database before each of them: SQLite's
 * `PRAGMA data_version` opens a read transaction on the WAL, and four of them were a tenth of the
 * event loop's time per keyed HTTP decision.
 *
 * Why that keeps "a suspension or revocation applies to the very next request": the check runs
 * at the first read, which is after the request arrived; later reads of the same request use what
 * the cache holds at that moment or load fresher values from the store. So every read a request
 * makes is at least as fresh as a moment inside that request's own lifetime, and a request that
 * starts after a change committed (in any process) sees the change. The process's own writes
 * empty the cache whatever the scope.
 *
 * Outside a scope every cached read checks, as before.
 */
export interface ReadScope {
  /** The caches already checked in this scope. */
  readonly checked: Set<object>;
}

const scopes = new AsyncLocalStorage<ReadScope>();

/** Runs `fn` (and everything it starts) in a read scope; inside one already, in that one. */
export function inReadScope<T>(fn: () => T): T {
  return scopes.getStore() ? fn() : scopes.run({ checked: new Set() }, fn);
}

/** The scope the caller runs in, if any. */
export function currentReadScope(): ReadScope | undefined {
  return scopes.getStore();
}
