/**
 * One clock for every replica (threats.md P4): the database's. Each process estimates the offset
 * of its own clock from the database's (a few round trips, the shortest wins, the midpoint is
 * the estimate) and adds it to its local time, so an approval's or a grant's expiry is judged the
 * same on every replica even when their system clocks disagree. The offset is sampled again
 * every `refreshMs`; a failed refresh keeps the last one (and is reported).
 */
import type { Clock } from '../core/clock.js';

export interface SharedClock extends Clock {
  /** Local time minus database time, as last measured (ms). */
  offsetMs(): number;
  stop(): void;
}

export interface SharedClockOptions {
  serverTimeMs: () => Promise<number>;
  /** The local clock (default Date.now). */
  local?: () => number;
  refreshMs?: number;
  onError?: (err: unknown) => void;
}

async function measure(serverTimeMs: () => Promise<number>, local: () => number): Promise<number> {
  let best: { rtt: number; offset: number } | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = local();
    const server = await serverTimeMs();
    const t1 = local();
    if (!Number.isFinite(server)) throw new Error('the database answered no usable time');
    const sample = { rtt: t1 - t0, offset: (t0 + t1) / 2 - server };
    if (!best || sample.rtt < best.rtt) best = sample;
  }
  return best!.offset;
}

/** Measures the offset once (a failure fails the start), then keeps it fresh in the background. */
export async function startSharedClock(o: SharedClockOptions): Promise<SharedClock> {
  const local = o.local ?? Date.now;
  let offset = await measure(o.serverTimeMs, local);
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    measure(o.serverTimeMs, local)
      .then((v) => void (offset = v))
      .catch((e: unknown) => o.onError?.(e))
      .finally(() => (refreshing = false));
  }, o.refreshMs ?? 30_000);
  timer.unref();
  return {
    now: () => Math.round(local() - offset),
    offsetMs: () => offset,
    stop: () => clearInterval(timer),
  };
}
