import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'privesc_recon',
  category: 'privilege_escalation',
  severity: 'medium',
  technique: 'T1083',
  title: 'Looks for ways to become root (setuid binaries, writable services, token privileges)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if (inv.program === 'find' && /-perm\s+(-|\/)?(u=s|g=s|4000|2000|6000)/.test(a)) return 'lists setuid/setgid programs, the first step of most local privilege escalations';
    if (inv.program === 'getcap' && /-r\s+\//.test(a)) return 'lists programs with special capabilities across the system';
    if (/^(linpeas(\.sh)?|linenum(\.sh)?|lse(\.sh)?|winpeas(\.exe|\.bat)?|powerup(\.ps1)?|invoke-allchecks|seatbelt|sharpup|les(\.sh)?|linux-exploit-suggester(\.sh)?|pspy(64|32)?)$/.test(inv.program)) return `${inv.program} is a privilege escalation scanner`;
    if (inv.program === 'whoami' && /\/priv|\/all/.test(a)) return 'lists the privileges of the current token';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'find / -perm -4000 -type f 2>/dev/null'], ['bash', './linpeas.sh']],
    negative: [['bash', 'find . -name "*.ts" -type f'], ['bash', 'whoami']],
  },
});
