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
   * every decision: nothing is cached, so an expiry or revocation applies to the very next one.
   */
  active(principal: string, nowIso: string): Promise<Elevation[]>;
  /** Newest grant first. */
  list(filter: ElevationFilter): Promise<Elevation[]>;
  /**
   * Revokes an elevation still active at `at`; the revoked row, or undefined when it does not exist
   * or already ended (revoked or expired): the first revocation wins.
   */
  revoke(id: string, at: string, by: string, reason: string | undefined): Promise<Elevation | undefined>;
}

export const ELEVATION_WRITES = ['insert', 'revoke'] as const;
