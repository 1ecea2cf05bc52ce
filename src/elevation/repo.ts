import type { Elevation, ElevationFilter } from './types.js';

/**
 * Granted elevations (requests that need an approval wait as approvals, not here). Rows are never
 * deleted: a revocation sets `revokedAt`, an expiry is a time comparison.
 */
export interface ElevationRepo {
  /** @throws when the id exists */
  insert(e: Elevation): Promise<void>;
  get(id: string): Promise<Elevation | undefined>;
  /**
   * The principal's elevations active at `nowIso` (not revoked, `expiresAt` later than it). Read on
   * every decision, so an expiry or revocation applies to the very next one (the SQLite store keeps
   * them in memory with the registry's exact invalidation: store/registry-cache.ts).
   */
  active(principal: string, nowIso: string): Promise<Elevation[]>;
  /** Newest grant first. */
  list(filter: ElevationFilter): Promise<Elevation[]>;
  /**
   * Revokes an elevation still active at `at`; the revoked row, or undefined when it does not exist
   * or already ended (revoked or expired): the first revocation wins.
   */
  revoke(id: string, at: string, by: string, reason: string | undefined): Promise<Elevation | undefined>;
  /**
   * Elevations that ran out (not revoked, `expiresAt` at or before `nowIso`) whose end is not in
   * the audit log yet, soonest expiry first, at most `limit`.
   */
  expiredUnrecorded(nowIso: string, limit: number): Promise<Elevation[]>;
  /**
   * Notes that the expiry of `id` is recorded (at `atIso`): true for the first caller, false when
   * another process already did. Called in the unit of work that writes the `elevation.expired`
   * record, so an expiry is recorded once across replicas.
   */
  markExpiryRecorded(id: string, atIso: string): Promise<boolean>;
}

export const ELEVATION_WRITES = ['insert', 'revoke', 'markExpiryRecorded'] as const;
