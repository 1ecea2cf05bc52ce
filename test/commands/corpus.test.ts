/**
 * Detection and false-positive rates on the labeled corpus (malicious.jsonl, benign.jsonl) and
 * the holdout set. Thresholds are the targets for unseen data; per-category floors keep
 * any one technique family from silently regressing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Analyzer, Shell, Verdict } from '../../src/commands/index.js';
import { testAnalyzer } from './helpers.js';
import { holdout } from './corpus/holdout.mjs';

interface Entry { shell: Shell; command: string; label: 'malicious' | 'benign'; category: string }
const load = (f: string): Entry[] => readFileSync(join(import.meta.dirname, 'corpus', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry);
const malicious = load('malicious.jsonl');
const benign = load('benign.jsonl');

let analyzer: Analyzer;
const verdicts = new Map<Entry, Verdict>();
beforeAll(async () => {
  analyzer = await testAnalyzer();
  for (const e of [...malicious, ...benign]) verdicts.set(e, analyzer.analyze(e.command, { shell: e.shell }).verdict);
});

const rate = (xs: Entry[], pred: (v: Verdict) => boolean): number => xs.filter((e) => pred(verdicts.get(e)!)).length / xs.length;

describe('corpus', () => {
  it('is big enough and covers every category in both shell families', () => {
    expect(malicious.length).toBeGreaterThanOrEqual(400);
    expect(benign.length).toBeGreaterThanOrEqual(1500);
    const cats = new Set(malicious.map((e) => e.category));
    for (const c of ['download_execute', 'remote_fetch', 'credential_access', 'exfiltration', 'reverse_shell', 'persistence', 'privilege_escalation', 'destructive', 'obfuscation', 'defense_evasion', 'hidden_text', 'network_listener']) {
      expect(cats, c).toContain(c);
      expect(malicious.some((e) => e.category === c && e.shell === 'powershell' || e.category === c && e.shell === 'cmd'), `${c} has a Windows example`).toBe(true);
      expect(malicious.some((e) => e.category === c && e.shell !== 'powershell' && e.shell !== 'cmd'), `${c} has a POSIX example`).toBe(true);
    }
  });

  it('flags >= 97% of malicious commands and denies >= 85%', () => {
    expect(rate(malicious, (v) => v !== 'allow')).toBeGreaterThanOrEqual(0.97);
    expect(rate(malicious, (v) => v === 'deny')).toBeGreaterThanOrEqual(0.85);
  });

  it('denies <= 0.5% and asks <= 5% of everyday commands', () => {
    expect(rate(benign, (v) => v === 'deny')).toBeLessThanOrEqual(0.005);
    expect(rate(benign, (v) => v === 'ask')).toBeLessThanOrEqual(0.05);
  });

  const categories = [...new Set(malicious.map((e) => e.category))];
  it.each(categories)('category %s: >= 95%% flagged, >= 70%% denied', (c) => {
    const xs = malicious.filter((e) => e.category === c);
    expect(rate(xs, (v) => v !== 'allow')).toBeGreaterThanOrEqual(0.95);
    expect(rate(xs, (v) => v === 'deny')).toBeGreaterThanOrEqual(0.7);
  });

  const benignGroups = [...new Set(benign.map((e) => e.category))];
  it.each(benignGroups)('everyday group %s: <= 5%% asked, <= 1%% denied', (c) => {
    const xs = benign.filter((e) => e.category === c);
    expect(rate(xs, (v) => v === 'ask')).toBeLessThanOrEqual(0.05);
    expect(rate(xs, (v) => v === 'deny')).toBeLessThanOrEqual(0.01);
  });

  it('holdout set: >= 97% malicious flagged, >= 85% denied, no everyday command denied', () => {
    const mal = holdout.filter((h) => h[0] === 'malicious');
    const ben = holdout.filter((h) => h[0] === 'benign');
    const v = (h: (typeof holdout)[number]): Verdict => analyzer.analyze(h[3], { shell: h[2] as Shell }).verdict;
    const mv = mal.map(v);
    const bv = ben.map(v);
    expect(mv.filter((x) => x !== 'allow').length / mal.length).toBeGreaterThanOrEqual(0.97);
    expect(mv.filter((x) => x === 'deny').length / mal.length).toBeGreaterThanOrEqual(0.85);
    expect(bv.filter((x) => x === 'deny').length).toBe(0);
    expect(bv.filter((x) => x === 'ask').length / ben.length).toBeLessThanOrEqual(0.1);
  });
});
