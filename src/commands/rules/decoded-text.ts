import { defineRule } from './rule.js';

export const rule = defineRule({
  id: 'runtime_decoding',
  category: 'obfuscation',
  severity: 'medium',
  technique: 'T1140',
  title: 'Builds text at run time from encoded or scattered pieces (base64 -d in $(), string folding, backtick escapes)',
  check: (ctx) => ctx.events.filter((e) => e.kind === 'decoded').map((e) => ({ span: e.span, explanation: e.detail })),
  cases: {
    positive: [['bash', 'echo "$(echo aGVsbG8= | base64 -d)"'], ['powershell', "$u = 'ht'+'tp://x.example'; Write-Output $u"]],
    negative: [['bash', 'echo hello'], ['powershell', 'Write-Output "a $b"']],
  },
});
