import { defineRule, type Hit } from './rule.js';
import { mayHide } from '../unicode.js';

export const rule = defineRule({
  id: 'unicode_tags',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1027',
  title: 'Invisible Unicode tag characters (U+E0000–E007F), a hidden channel for instructions',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    if (!mayHide(t)) return hits;
    let start = -1;
    let hidden = '';
    for (let i = 0; i < t.length; i++) {
      const cp = t.codePointAt(i)!;
      const isTag = cp >= 0xe0000 && cp <= 0xe007f;
      if (isTag) {
        if (start < 0) start = i;
        if (cp >= 0xe0020 && cp < 0xe007f && hidden.length < 60) hidden += String.fromCharCode(cp - 0xe0000);
        i++;
      } else if (start >= 0) {
        hits.push({ span: { start, end: i }, explanation: `contains invisible tag characters that spell "${hidden}"` });
        start = -1;
        hidden = '';
      }
    }
    if (start >= 0) hits.push({ span: { start, end: t.length }, explanation: `contains invisible tag characters that spell "${hidden}"` });
    return hits;
  },
  cases: {
    positive: [['bash', 'echo hi\u{E0063}\u{E0075}\u{E0072}\u{E006C}']],
    negative: [['bash', 'echo 🏴']],
  },
});
