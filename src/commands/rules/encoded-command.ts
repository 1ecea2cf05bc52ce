import { defineRule } from './rule.js';

export const rule = defineRule({
  id: 'encoded_command',
  category: 'obfuscation',
  severity: 'high',
  technique: 'T1027.010',
  title: 'PowerShell -EncodedCommand: the script is hidden in base64 (decoded and analyzed)',
  check: (ctx) => ctx.events.filter((e) => e.kind === 'encoded_command').map((e) => ({ span: e.span, explanation: e.detail })),
  cases: {
    positive: [['powershell', 'powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQA='], ['cmd', 'powershell.exe -NoP -EncodedCommand VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQA=']],
    negative: [['powershell', "powershell -Command \"Write-Host hi\""]],
  },
});
