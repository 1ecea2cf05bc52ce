import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'fork_bomb',
  category: 'destructive',
  severity: 'critical',
  technique: 'T1499',
  title: 'Fork bomb: a function or script that endlessly starts copies of itself',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    const m = t.includes('()') ? /([A-Za-z_:.][A-Za-z0-9_:.]{0,30})\s*\(\)\s*\{/.exec(t) : null;
    if (m) {
      const name = m[1]!;
      const body = t.slice(m.index, m.index + 200);
      const calls = body.split(name).length - 1;
      if (calls >= 3 && body.includes('|') && body.includes('&')) hits.push({ span: { start: m.index, end: Math.min(t.length, m.index + 40) }, explanation: 'defines a function that calls itself twice in the background forever, exhausting the machine (a fork bomb)' });
    }
    const w = t.includes('%0') ? /%0\s*\|\s*%0/.exec(t) : null;
    if (w) hits.push({ span: { start: w.index, end: w.index + w[0].length }, explanation: 'a batch file that starts two copies of itself forever (a fork bomb)' });
    return hits;
  },
  cases: {
    positive: [['bash', ':(){ :|:& };:'], ['bash', 'bomb() { bomb | bomb & }; bomb']],
    negative: [['bash', 'f() { echo hi; }; f']],
  },
});
