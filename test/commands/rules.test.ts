import { beforeAll, describe, expect, it } from 'vitest';
import { rules } from '../../src/commands/rules/index.js';
import { categories, type Analyzer } from '../../src/commands/index.js';
import { testAnalyzer } from './helpers.js';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await testAnalyzer();
});

describe('rule catalogue', () => {
  it('has unique ids, known categories and at least one positive and one negative case per rule', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) {
      expect(categories).toContain(r.category);
      expect(r.cases.positive.length, r.id).toBeGreaterThan(0);
      expect(r.cases.negative.length, r.id).toBeGreaterThan(0);
    }
  });
  it('covers every category', () => {
    for (const c of categories) expect(rules.some((r) => r.category === c), c).toBe(true);
  });
});

describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  it.each(rule.cases.positive.map((c) => [c[1].slice(0, 60), c] as const))('raises on %s', (_t, [shell, command]) => {
    const a = analyzer.analyze(command, { shell });
    expect(a.findings.map((f) => f.rule)).toContain(rule.id);
    const f = a.findings.find((x) => x.rule === rule.id)!;
    if (rule.variable) {
      expect(categories).toContain(f.category);
    } else {
      expect(f.category).toBe(rule.category);
      expect(f.severity).toBe(rule.severity);
    }
    expect(f.technique).toMatch(/^T\d{4}(\.\d{3})?$/);
    expect(f.span.start).toBeGreaterThanOrEqual(0);
    expect(f.span.end).toBeLessThanOrEqual(command.length);
    expect(f.span.end).toBeGreaterThanOrEqual(f.span.start);
  });
  it.each(rule.cases.negative.map((c) => [c[1].slice(0, 60), c] as const))('stays quiet on %s', (_t, [shell, command]) => {
    const a = analyzer.analyze(command, { shell });
    expect(a.findings.map((f) => f.rule)).not.toContain(rule.id);
  });
});

describe('docs/commands.md', () => {
  it('lists every rule with its category and severity', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const doc = readFileSync(join(import.meta.dirname, '../../docs/commands.md'), 'utf8');
    for (const r of rules) expect(doc, r.id).toContain(`| \`${r.id}\` | ${r.category} | ${r.severity} |`);
  });
});
