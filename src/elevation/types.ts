/**
 * Just-in-time elevation (issue 16; docs/elevation.md): an identity is a member of a group for a
 * bounded time, granted by policy (allow, or allow after an approval) and visible to policy as
 * ordinary membership until it expires or is revoked.
 */

export interface Elevation {
  /** UUIDv7. */
  id: string;
  /** Registry id of the elevated identity. */
  principal: string;
  /** Group id (in the bundle's namespace) the principal is a member of while the elevation lasts. */
  group: string;
  reason: string;
  /** Length asked for and granted, seconds. */
  durationS: number;
  /** Who asked (`type:id` of the authenticated caller: the NHI itself, its owner, an admin). */
  requestedBy: string;
  /** The decision that granted it (its `requestId`, in the audit log). */
  requestId: string;
  grantedAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
}

export type ElevationStatus = 'active' | 'expired' | 'revoked';

/** Active from grant until `expiresAt` (exclusive) unless revoked before: one rule, everywhere. */
export function elevationStatus(e: Elevation, nowMs: number): ElevationStatus {
  if (e.revokedAt !== undefined) return 'revoked';
  return Date.parse(e.expiresAt) > nowMs ? 'active' : 'expired';
}

export interface ElevationFilter {
  principal?: string;
  /** Only elevations active at this instant (ISO). */
  activeAt?: string;
  limit?: number;
}
