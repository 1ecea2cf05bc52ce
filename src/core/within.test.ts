import { describe, expect, it } from 'vitest';
import { within } from './within.js';

describe('within', () => {
  it('gives the value when the promise settles first', async () => {
    expect(await within(Promise.resolve(7), 10_000)).toBe(7);
  });

  it("gives 'timeout' when the time runs out first", async () => {
    expect(await within(new Promise<number>(() => undefined), 5)).toBe('timeout');
  });

  it('passes a rejection through', async () => {
    await expect(within(Promise.reject(new Error('boom')), 10_000)).rejects.toThrow('boom');
  });
});
