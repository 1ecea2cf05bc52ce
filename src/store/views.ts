import type { Gate } from './gate.js';

type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/**
 * The store's own face of a repo on a one-connection adapter: writes take the gate alone, reads
 * wait only while a unit of work is open. `raw` runs its statements synchronously when called.
 * `durable`, when given, runs after each write, outside the gate, before the write resolves (the
 * SQLite adapter's WAL fsync).
 */
export function gatedRepo<T extends object>(raw: T, gate: Gate, durable: (() => Promise<void>) | undefined, writes: readonly Methods<T>[]): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(raw)) {
    if (typeof fn !== 'function' || name === 'snapshot') continue;
    const call = (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(raw, args);
    out[name] = (writes as readonly string[]).includes(name)
      ? durable
        ? async (...args: unknown[]) => {
            const r = await gate.exclusive(async () => call(...args));
            await durable();
            return r;
          }
        : (...args: unknown[]) => gate.exclusive(async () => call(...args))
      : (...args: unknown[]) => gate.read(() => call(...args));
  }
  return out as T;
}

/**
 * A repo as a unit of work sees it: dead once the unit ends (a leaked `tx` cannot write outside
 * its transaction), and `beforeWrite` runs before the first write (the memory adapter's undo).
 */
export function unitRepo<T extends object>(raw: T, unit: { open: boolean }, writes: readonly Methods<T>[], beforeWrite?: () => void): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(raw)) {
    if (typeof fn !== 'function' || name === 'snapshot') continue;
    const isWrite = (writes as readonly string[]).includes(name);
    out[name] = (...args: unknown[]) => {
      if (!unit.open) return Promise.reject(new Error(`unit of work has ended: ${name} refused`));
      if (isWrite) beforeWrite?.();
      return (fn as (...a: unknown[]) => unknown).apply(raw, args);
    };
  }
  return out as T;
}

export const AUDIT_WRITES = ['append', 'saveCheckpoint'] as const;
export const APPROVAL_WRITES = ['openOrGet', 'recordVote', 'consume', 'consumeById', 'cancel', 'expire'] as const;
export const DELEGATION_WRITES = ['insert', 'revokeCascade'] as const;
export const GRANT_WRITES = ['redeem'] as const;
export { ELEVATION_WRITES } from '../elevation/repo.js';
export const KEY_WRITES = ['insert', 'retire', 'remove'] as const;
export const IDENTITY_WRITES = ['create', 'update', 'recordUse'] as const;
export const CREDENTIAL_WRITES = ['insert', 'update', 'recordUse'] as const;
