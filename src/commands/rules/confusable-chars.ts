import { defineRule, type Hit } from './rule.js';
import { hostOf, invocationUrls } from './match.js';

const LATIN = /[A-Za-z]/;
const NON_ASCII_LETTER = /[\u0370-\u03FF\u0400-\u04FF\u0500-\u052F\u1D00-\u1DBF\u2100-\u214F\uFF00-\uFFEF]|[\uD835][\uDC00-\uDFFF]/;

export const rule = defineRule({
  id: 'confusable_chars',
  category: 'hidden_text',
  severity: 'critical',
  technique: 'T1036',
  title: 'Look-alike letters (Cyrillic, Greek, full-width, mathematical) in a program name or host name',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (NON_ASCII_LETTER.test(inv.written) && !/^[^\x00-\x7f]+$/.test(inv.written.replace(/[./\\-]/g, '')) || /[\uFF01-\uFF5E]|[\uD835][\uDC00-\uDFFF]/.test(inv.written)) {
        hits.push({ span: inv.span, explanation: `the program name "${inv.written}" mixes look-alike letters from other alphabets; it is not the program it appears to be` });
        continue;
      }
      for (const u of invocationUrls(inv)) {
        const h = hostOf(u) ?? '';
        if ((NON_ASCII_LETTER.test(h) && LATIN.test(h)) || /(^|\.)xn--/.test(h)) {
          hits.push({ span: inv.span, explanation: `the host "${h}" uses look-alike letters from another alphabet; it is not the site it appears to be` });
          break;
        }
      }
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'curl https://g\u0456thub.com/i.sh -o i.sh'], ['bash', '\u0441url https://example.com']],
    negative: [['bash', 'echo "Привет, мир"'], ['bash', 'echo café'], ['bash', 'curl https://bücher.example/ -o x']],
  },
});
