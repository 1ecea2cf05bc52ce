import { defineRule, type Hit } from './rule.js';
import { BIDI, BIDI_MARKS, around, isRtlContext, mayHide } from '../unicode.js';

export const rule = defineRule({
  id: 'bidi_controls',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1036.002',
  title: 'Bidirectional control characters that make text display in a different order than it runs (Trojan Source)',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    if (!mayHide(t)) return hits;
    for (let i = 0; i < t.length && hits.length < 5; i++) {
      const ch = t[i]!;
      if (BIDI.test(ch) || (BIDI_MARKS.test(ch) && !isRtlContext(t, i))) hits.push({ span: { start: i, end: i + 1 }, explanation: `contains an invisible text-direction character (U+${ch.charCodeAt(0).toString(16).toUpperCase()}) that makes the command look different from what runs: "${around(t, i)}"` });
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'echo "\u202Ehs.lmth" && ls'], ['bash', 'ls \u2066-la\u2069'], ['bash', 'cat file\u200Ename']],
    negative: [['bash', 'echo "مرحبا بالعالم"'], ['bash', 'echo "שלום\u200Fעולם"']],
  },
});
