/**
 * Per-address token bucket for failed authentications (in memory, one process). Each address
 * starts with `burst` tokens; a failed attempt takes one; one comes back every `refillMs`. An
 * address with no token left is answered 429 before its key is even looked at, so guessing stops
 * rather than slows. Buckets that are full again are dropped; at most `maxAddresses` are kept.
 */
export interface FailureLimiter {
  /** True when the address may attempt authentication now. */
  allowed(address: string, nowMs: number): boolean;
  /** Records one failed attempt. */
  failed(address: string, nowMs: number): void;
  /** Seconds until the address has a token again (for Retry-After). */
  retryAfterSeconds(address: string, nowMs: number): number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export function createFailureLimiter(opts: { burst: number; refillMs: number; maxAddresses?: number }): FailureLimiter {
  const max = opts.maxAddresses ?? 10_000;
  const buckets = new Map<string, Bucket>();

  const current = (address: string, nowMs: number): Bucket | undefined => {
    const b = buckets.get(address);
    if (!b) return undefined;
    const refill = Math.floor((nowMs - b.atMs) / opts.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(opts.burst, b.tokens + refill);
      b.atMs += refill * opts.refillMs;
    }
    if (b.tokens >= opts.burst) {
      buckets.delete(address);
      return undefined;
    }
    return b;
  };

  return {
    allowed(address, nowMs) {
      const b = current(address, nowMs);
      return !b || b.tokens >= 1;
    },
    failed(address, nowMs) {
      let b = current(address, nowMs);
      if (!b) {
        if (buckets.size >= max) {
          // Drop the oldest entry (Map keeps insertion order) rather than grow without bound.
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        b = { tokens: opts.burst, atMs: nowMs };
        buckets.set(address, b);
      }
      b.tokens = Math.max(0, b.tokens - 1);
    },
    retryAfterSeconds(address, nowMs) {
      const b = current(address, nowMs);
      if (!b || b.tokens >= 1) return 0;
      return Math.max(1, Math.ceil((b.atMs + opts.refillMs - nowMs) / 1000));
    },
  };
}
