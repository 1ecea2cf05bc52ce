import { describe, expect, it } from 'vitest';
import { startSharedClock } from './shared-clock.js';

describe('shared clock (the database time on every replica)', () => {
  it('reads the database time through the local clock, taking the sample with the shortest round trip', async () => {
    let local = 10_000_000;
    // Three samples: round trips of 40, 4 and 100 ms; the database is 7,200,000 ms behind this host.
    const rtts = [40, 4, 100];
    let i = 0;
    const clock = await startSharedClock({
      local: () => local,
      serverTimeMs: async () => {
        const rtt = rtts[i++]!;
        local += rtt / 2;
        const server = local - 7_200_000 + (rtt === 4 ? 0 : 15); // the long trips carry 15 ms of error
        local += rtt / 2;
        return server;
      },
      refreshMs: 3_600_000,
    });
    try {
      expect(clock.offsetMs()).toBe(7_200_000);
      expect(clock.now()).toBe(local - 7_200_000);
      local += 1234;
      expect(clock.now()).toBe(local - 7_200_000);
    } finally {
      clock.stop();
    }
  });

  it('a database that cannot answer at start fails the start; a failed refresh keeps the last offset and is reported', async () => {
    await expect(startSharedClock({ serverTimeMs: () => Promise.reject(new Error('connection refused')) })).rejects.toThrow('connection refused');
    let calls = 0;
    const errors: unknown[] = [];
    const clock = await startSharedClock({
      local: () => 5_000,
      serverTimeMs: async () => {
        calls++;
        if (calls > 3) throw new Error('gone');
        return 4_000;
      },
      refreshMs: 10,
      onError: (e) => errors.push(e),
    });
    try {
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      expect(clock.now()).toBe(4_000);
    } finally {
      clock.stop();
    }
  });
});
