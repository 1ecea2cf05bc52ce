import { defineRule, perInvocation } from './rule.js';

export const rule = defineRule({
  id: 'history_clear',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1070.003',
  title: "Clears the session's command history",
  check: perInvocation((inv) => {
    if (inv.program === 'history' && inv.args.some((a) => a === '-c' || a === '-w' && false)) return 'clears the command history of this shell';
    if (inv.program === 'clear-history') return 'clears the PowerShell history';
    if (inv.program === 'set' && inv.args.join(' ') === '+o history') return 'stops recording commands in the history';
    if (inv.program === 'doskey' && /\/reinstall/i.test(inv.args.join(' '))) return 'clears the cmd history';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'history -c'], ['bash', 'set +o history'], ['powershell', 'Clear-History']],
    negative: [['bash', 'history 10']],
  },
});
