import { defineRule } from './rule.js';

export const rule = defineRule({
  id: 'analysis_limit',
  category: 'unparseable',
  severity: 'critical',
  technique: 'T1027.010',
  title: 'The command exceeds an analysis limit (size, nesting, number of commands, time); it is treated as unsafe',
  check: (ctx) => ctx.events.filter((e) => e.kind === 'limit').slice(0, 3).map((e) => ({ span: e.span, explanation: `could not be fully analyzed: ${e.detail}; treated as unsafe` })),
  cases: {
    positive: [['bash', 'true; '.repeat(6000) + 'rm -rf /'], ['bash', 'echo ' + '$('.repeat(60) + 'id' + ')'.repeat(60)]],
    negative: [['bash', 'true; '.repeat(50) + 'ls']],
  },
});
