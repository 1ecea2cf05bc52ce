import { describe, expect, it } from 'vitest';
import { canonicalize } from '../core/canonical-json.js';
import { recordHash, recordHashOfText, sealRecord, recordIntact } from './chain.js';

const records: unknown[] = [
  {},
  { b: 1, a: [1, 'two', null, true, { z: -0, y: 1e21, x: 0.1 }] },
  { 'é': 'ünïcode \u2028 "quoted" \\ back', '\ud83d\ude00': 'emoji key', A: 'upper before lower' },
  { requestId: 'r-1', decision: { outcome: 'allow', reasons: [] }, request: { context: { nested: { deep: [[[]]] } } } },
];

describe('audit chain seal', () => {
  it('hashes the stored canonical text exactly as it hashes the record (one canonicalization, same bytes)', () => {
    for (const record of records) {
      for (const header of [
        { writer: 'w', seq: 1, at: '2026-12-02T08:00:00.000Z', kind: 'decision', prevHash: 'sha256:' + '0'.repeat(64) },
        { writer: 'rëplica-"2"', seq: 9_007_199_254_740_991, at: 'x', kind: 'approval.opened', prevHash: 'sha256:ab' },
      ]) {
        expect(recordHashOfText(header, canonicalize(record))).toBe(recordHash(header, record));
      }
    }
  });

  it('a sealed record verifies with the independent (slow) path', () => {
    let head;
    for (const record of records) {
      const r = sealRecord('w', head, { at: '2026-12-02T08:00:00.000Z', kind: 'decision', record: record as Record<string, unknown> });
      expect(recordIntact(r)).toBe(true);
      expect(r.hash).toBe(recordHash(r, record));
      head = { seq: r.seq, hash: r.hash };
    }
  });
});
