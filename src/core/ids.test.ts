import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('carries the time, version 7 and the RFC 9562 variant; ids never repeat across pool refills', () => {
    const at = Date.UTC(2026, 11, 2, 8, 0, 0);
    const ids = Array.from({ length: 5000 }, () => uuidv7(at));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    }
    // The random part is not constant within a millisecond (the pool advances).
    expect(new Set(ids.map((i) => i.slice(15))).size).toBe(ids.length);
  });

  it('sorts by time', () => {
    expect(uuidv7(1_000) < uuidv7(2_000)).toBe(true);
  });
});
