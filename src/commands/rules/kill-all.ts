import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'kill_everything',
  category: 'destructive',
  severity: 'high',
  technique: 'T1529',
  title: 'Kills every process, shuts the machine down or reboots it',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    if (p === 'kill' && /(^|\s)-1(\s|$)/.test(a) && /-9|-kill|-s kill/.test(a)) return 'kills every process you can signal';
    if (p === 'killall5' || (p === 'pkill' && /(^|\s)(-9\s+)?\.(\s|$)/.test(a))) return 'kills all processes';
    if (p === 'taskkill' && /\/im\s+\*/.test(a)) return 'kills all processes';
    if (p === 'stop-process' && /-name\s+\*|-id\s+\*/.test(a)) return 'kills all processes';
    if (/(^|\s)(-whatif|\/a)(\s|$)/.test(a)) return undefined;
    if (/^(shutdown|poweroff|halt|reboot)$/.test(p) || p === 'stop-computer' || p === 'restart-computer' || (p === 'init' && /^[06]$/.test(a)) || (p === 'systemctl' && /^(poweroff|halt|reboot)/.test(a))) return 'shuts down or restarts the machine';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'kill -9 -1'], ['bash', 'sudo shutdown -h now'], ['cmd', 'taskkill /f /im *']],
    negative: [['bash', 'kill -9 12345'], ['bash', 'pkill -f "node server.js"']],
  },
});
