import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'setuid_grant',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1548.001',
  title: 'Makes a program run as root for everyone (chmod u+s, setcap cap_setuid)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if (inv.program === 'chmod' && /(^|\s)((u|a|ug|ua|uo|ugo|go?u)?\+[rwxt]*s[rwxt]*|[46][0-7]{3})(\s|$)/.test(a)) {
      const target = inv.args.filter((x) => !x.startsWith('-') && !/^[ugoa]*[+=-]|^\d+$/.test(x));
      return `sets the setuid/setgid bit on ${target.join(', ')}, so anyone who runs it gets its owner's rights (root)`;
    }
    if (inv.program === 'install' && /(^|\s)(-m|--mode)[ =]?([46][0-7]{3}|u\+s|\+s)\b/.test(a)) return 'installs a program with the setuid bit, so anyone who runs it gets root';
    if (inv.program === 'setcap' && /cap_(setuid|setgid|sys_admin|dac_override|dac_read_search|sys_ptrace)/.test(a)) return 'gives a program root-level capabilities';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'chmod u+s /bin/bash'], ['bash', 'sudo chmod 4755 /tmp/sh'], ['bash', 'setcap cap_setuid+ep /usr/bin/python3']],
    negative: [['bash', 'chmod +x script.sh'], ['bash', 'chmod 755 bin/tool'], ['bash', 'chmod g+s shared/']],
  },
});
