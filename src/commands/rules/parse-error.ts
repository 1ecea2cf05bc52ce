import { defineRule } from './rule.js';

export const rule = defineRule({
  id: 'parse_error',
  category: 'unparseable',
  severity: 'high',
  technique: 'T1027.010',
  title: 'The command is not valid syntax for the chosen shell, so what runs is uncertain',
  check: (ctx) => ctx.events.filter((e) => e.kind === 'parse_error').slice(0, 3).map((e) => ({ span: e.span, explanation: `${e.detail}; the shell may run something other than what was analyzed` })),
  cases: {
    positive: [['bash', 'echo "unterminated'], ['bash', 'if then fi (']],
    negative: [['bash', 'echo "terminated"']],
  },
});
