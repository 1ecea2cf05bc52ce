import { defineRule } from './rule.js';

export const rule = defineRule({
  id: 'analysis_incomplete',
  category: 'unparseable',
  severity: 'high',
  technique: 'T1027.010',
  title: 'Part of the command is only known when it runs (a program named by a variable, eval of computed text)',
  check: (ctx) => ctx.events.filter((e) => e.kind === 'dynamic_program' || e.kind === 'dynamic_code').slice(0, 5).map((e) => ({ span: e.span, explanation: `${e.detail}, so it cannot be checked in advance` })),
  cases: {
    positive: [['bash', '$CMD --flag'], ['bash', 'eval "$PAYLOAD"'], ['powershell', '& $tool -x']],
    negative: [['bash', 'ls -la'], ['bash', 'x=ls; $x']],
  },
});
