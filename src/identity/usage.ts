import type { CredentialRepo, IdentityRepo } from '../store/port.js';

export interface UsageRecorder {
  /** Notes that an identity (and the key it used) was used at `atIso`. In memory only: no I/O. */
  note(identityId: string, keyId: string | undefined, atIso: string): void;
  /** Writes what was noted since the last flush in one transaction per table. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

/**
 * `lastUsedAt` without a write per decision: uses are collected in two maps (latest time per
 * identity and per key) and written every `intervalMs` in one batched transaction, and at close.
 * A crash loses at most one interval of `lastUsedAt` updates (never a decision or its audit
 * record, which are written on their own path).
 */
export function createUsageRecorder(repos: { identities: IdentityRepo; credentials: CredentialRepo }, intervalMs: number, onError?: (err: unknown) => void): UsageRecorder {
  let identities = new Map<string, string>();
  let keys = new Map<string, string>();
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    if (flushing) await flushing;
    if (identities.size === 0 && keys.size === 0) return;
    const ids = identities;
    const ks = keys;
    identities = new Map();
    keys = new Map();
    flushing = (async () => {
      try {
        await repos.identities.recordUse(ids);
        await repos.credentials.recordUse(ks);
      } catch (e) {
        // Usage times are best effort; a failed flush must never affect decisions, but it is reported.
        onError?.(e);
      }
    })();
    await flushing;
    flushing = undefined;
  }

  const timer = intervalMs > 0 ? setInterval(() => void flush(), intervalMs) : undefined;
  timer?.unref();

  return {
    note(identityId, keyId, atIso) {
      const cur = identities.get(identityId);
      if (cur === undefined || cur < atIso) identities.set(identityId, atIso);
      if (keyId !== undefined) {
        const k = keys.get(keyId);
        if (k === undefined || k < atIso) keys.set(keyId, atIso);
      }
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}
