import { describe, expect, it } from 'vitest';
import { itemCovers, parseScope, scopeAllows, scopeCovers, type Scope, type ScopeRequest } from '../../src/delegation/scope.js';

const NS = 'Airlock';
const P = (t: string): Scope => {
  const r = parseScope(t, NS);
  if (!r.ok) throw new Error(`${t}: ${r.message}`);
  return r.scope;
};
const req = (action: string, type: string, id: string): ScopeRequest => ({ action: { name: action }, resource: { type, id } });

describe('scope grammar', () => {
  it('normalizes: dedupe, sort, default namespace unqualified', () => {
    expect(P('tool.call:Tool::gh/* tool.call:Airlock::Tool::gh/* shell.exec').text).toBe('shell.exec tool.call:Tool::gh/*');
    expect(P('tool.call:Other::Tool::x').text).toBe('tool.call:Other::Tool::x');
    expect(P('a.b:Tool::mcp:fs/read').items[0]).toMatchObject({ action: 'a.b', type: 'Airlock::Tool', pattern: 'mcp:fs/read', prefix: false });
    expect(P('tool.call:Tool::*').items[0]).toMatchObject({ pattern: '', prefix: true });
  });

  it.each([
    ['', 'empty'],
    [' tool.call', 'leading space'],
    ['tool.call ', 'trailing space'],
    ['tool.call  shell.exec', 'empty item'],
    ['tool.call\tshell.exec', 'tab'],
    ['*', 'wildcard action'],
    ['tool.*', 'wildcard in action'],
    ['tool.call:*', 'no type'],
    ['tool.call:Tool', 'no id pattern'],
    ['tool.call:Tool::', 'empty id pattern'],
    ['tool.call:Tool::g*h', 'star inside'],
    ['tool.call:Tool::**', 'double star'],
    ['tool.call:*::x', 'wildcard type'],
    ['tool.call:To-ol::x', 'bad type'],
    ['tool.call:Tool:::x', 'triple colon'],
    ['tool.call:Tool::"x"', 'quote'],
    ['tool.call:Tool::a\\b', 'backslash'],
    ['tool.call:Tool::caf\u00e9', 'non-ASCII'],
    ['tool.call:Tool::a\u200bb', 'zero-width'],
    [':Tool::x', 'empty action'],
    ['x'.repeat(129), 'long action'],
    [Array.from({ length: 65 }, (_, i) => `a${i}`).join(' '), 'too many items'],
  ])('refuses %j (%s)', (text) => {
    expect(parseScope(text, NS).ok).toBe(false);
  });

  it('tricky containment cases', () => {
    const covers = (p: string, c: string) => scopeCovers(P(p), P(c));
    expect(covers('tool.call:Tool::gh*', 'tool.call:Tool::gh/list')).toBe(true);
    expect(covers('tool.call:Tool::gh*', 'tool.call:Tool::gh')).toBe(true);
    expect(covers('tool.call:Tool::gh*', 'tool.call:Tool::gh/*')).toBe(true);
    expect(covers('tool.call:Tool::gh*', 'tool.call:Tool::g*')).toBe(false);
    expect(covers('tool.call:Tool::gh', 'tool.call:Tool::gh*')).toBe(false); // exact never covers a wildcard
    expect(covers('tool.call:Tool::gh/', 'tool.call:Tool::gh/list')).toBe(false); // no implicit wildcard
    expect(covers('tool.call:Tool::*', 'tool.call:Tool::anything')).toBe(true);
    expect(covers('tool.call:Tool::*', 'tool.call:Secret::x')).toBe(false);
    expect(covers('tool.call', 'tool.call:Tool::x')).toBe(true); // bare action: any resource
    expect(covers('tool.call:Tool::*', 'tool.call')).toBe(false); // not provably covered
    expect(covers('tool', 'tool.call')).toBe(false); // action prefix is not a hierarchy
    expect(covers('tool.call:Tool::x', 'tool.call:Tools::x')).toBe(false);
    expect(covers('tool.call:Tool::x', 'tool.call:Other::Tool::x')).toBe(false);
    expect(covers('tool.call:Airlock::Tool::x', 'tool.call:Tool::x')).toBe(true); // same type, two spellings
    expect(covers('a b', 'b a')).toBe(true);
    expect(covers('a', 'a b')).toBe(false);
  });

  it('scopeAllows: bare and namespaced request types, exact and prefix ids', () => {
    const s = P('tool.call:Tool::gh/* secret.read:Secret::ci/npm shell.exec');
    expect(scopeAllows(s, req('tool.call', 'Tool', 'gh/list'), NS)).toBe(true);
    expect(scopeAllows(s, req('tool.call', 'Airlock::Tool', 'gh/list'), NS)).toBe(true);
    expect(scopeAllows(s, req('tool.call', 'Other::Tool', 'gh/list'), NS)).toBe(false);
    expect(scopeAllows(s, req('tool.call', 'Tool', 'gh'), NS)).toBe(false);
    expect(scopeAllows(s, req('secret.read', 'Secret', 'ci/npm'), NS)).toBe(true);
    expect(scopeAllows(s, req('secret.read', 'Secret', 'ci/npm2'), NS)).toBe(false);
    expect(scopeAllows(s, req('shell.exec', 'Host', 'anything'), NS)).toBe(true);
    expect(scopeAllows(s, req('payment.submit', 'Payee', 'x'), NS)).toBe(false);
  });
});

// Property-based, with a seeded generator so a failure reproduces.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const ACTIONS = ['a.x', 'b.y'];
const TYPES = ['Tool', 'Secret'];
const ALPHA = ['g', 'h', '/'];

describe('scope properties (random)', () => {
  const r = rng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const word = (min: number, max: number) => Array.from({ length: min + Math.floor(r() * (max - min + 1)) }, () => pick(ALPHA)).join('');
  const item = () => {
    if (r() < 0.15) return pick(ACTIONS);
    const star = r() < 0.5;
    const w = word(star ? 0 : 1, 2);
    return `${pick(ACTIONS)}:${pick(TYPES)}::${w}${star ? '*' : ''}`;
  };
  const scope = () => P(Array.from({ length: 1 + Math.floor(r() * 3) }, item).join(' '));
  // Finite universe of requests: every action × type × id up to length 3.
  const ids: string[] = [];
  for (const a of ALPHA) {
    ids.push(a);
    for (const b of ALPHA) {
      ids.push(a + b);
      for (const c of ALPHA) ids.push(a + b + c);
    }
  }
  const universe = ACTIONS.flatMap((a) => TYPES.flatMap((t) => ids.map((id) => req(a, t, id))));
  const allowed = (s: Scope) => universe.filter((q) => scopeAllows(s, q, NS));

  it('soundness: covers(p, c) ⇒ every request c allows, p allows', () => {
    let covered = 0;
    for (let i = 0; i < 2000; i++) {
      const p = scope();
      const c = scope();
      if (!scopeCovers(p, c)) continue;
      covered++;
      for (const q of allowed(c)) expect(scopeAllows(p, q, NS), `${p.text} ⊇ ${c.text} but not for ${JSON.stringify(q)}`).toBe(true);
    }
    expect(covered).toBeGreaterThan(50);
  });

  it('reflexive, idempotent normalization, and transitive', () => {
    for (let i = 0; i < 500; i++) {
      const a = scope();
      expect(scopeCovers(a, a)).toBe(true);
      expect(P(a.text).text).toBe(a.text);
      const b = scope();
      const c = scope();
      if (scopeCovers(a, b) && scopeCovers(b, c)) expect(scopeCovers(a, c)).toBe(true);
    }
  });

  it('narrowing always covered; widening (shorter prefix, other action/type, bare) never', () => {
    for (let i = 0; i < 1000; i++) {
      const p = P(item());
      const it0 = p.items[0]!;
      if (it0.type === undefined) {
        expect(scopeCovers(p, P(`${it0.action}:${pick(TYPES)}::${word(1, 2)}`))).toBe(true);
        continue;
      }
      const base = `${it0.action}:${it0.type.slice(NS.length + 2)}::`;
      if (it0.prefix) {
        const longer = it0.pattern! + word(0, 2);
        expect(scopeCovers(p, P(`${base}${longer}*`))).toBe(true);
        if (longer.length > 0) expect(scopeCovers(p, P(`${base}${longer}`))).toBe(true);
        if (it0.pattern!.length > 0) expect(scopeCovers(p, P(`${base}${it0.pattern!.slice(0, -1)}*`))).toBe(false);
      } else {
        expect(scopeCovers(p, P(`${base}${it0.pattern}*`))).toBe(false);
        expect(scopeCovers(p, P(`${base}${it0.pattern}${word(1, 1)}`))).toBe(false);
      }
      expect(scopeCovers(p, P(it0.action))).toBe(false);
      const otherAction = ACTIONS.find((a) => a !== it0.action)!;
      expect(scopeCovers(p, P(`${otherAction}:${it0.type}::${it0.pattern}${it0.prefix ? '*' : ''}`))).toBe(false);
      expect(itemCovers(it0, { ...it0, type: 'Airlock::Other' })).toBe(false);
    }
  });
});
