/** Defaults of issuance; the gateway passes configured values. */
export const DELEGATION_DEFAULTS = {
  /** @defaultValue 4 — root link = depth 1 (issue #5). */
  maxDepth: 4,
  /** @defaultValue 24 h — the longest any link may live. */
  maxTtlMs: 24 * 3_600_000,
  /** @defaultValue 15 min — lifetime when the request names none (then clamped to the parent). */
  defaultTtlMs: 15 * 60_000,
  /** @defaultValue 200 — characters of `purpose`. */
  maxPurposeLength: 200,
} as const;
