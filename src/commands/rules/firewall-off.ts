import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'protection_weakened',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1562.004',
  title: 'Turns off the host firewall or SELinux, or flushes firewall rules',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    if (p === 'setenforce' && /^(0|permissive)$/.test(a)) return 'switches SELinux to permissive mode';
    if (p === 'ufw' && /^disable/.test(a)) return 'turns off the ufw firewall';
    if ((p === 'iptables' || p === 'ip6tables') && /(^|\s)(-f|--flush)(\s|$)/.test(a)) return 'removes all firewall rules';
    if (p === 'iptables' && /-p\s+input\s+accept|--policy\s+input\s+accept/.test(a)) return 'makes the firewall accept all incoming traffic';
    if ((p === 'systemctl' || p === 'service') && /\b(stop|disable|mask)\b/.test(a) && /\b(firewalld|ufw|iptables|nftables)\b/.test(a)) return 'stops the firewall';
    if (inv.redirects.some((r) => r.op.includes('>') && /^\/proc\/sys\/kernel\/(randomize_va_space|yama\/ptrace_scope|kptr_restrict|dmesg_restrict)$/.test(r.target)) || (p === 'sysctl' && /kernel\.(randomize_va_space|yama\.ptrace_scope|kptr_restrict)=0/.test(a))) return 'turns off a kernel exploit mitigation (ASLR, ptrace scope, pointer hiding)';
    if (/fdenytsconnections/.test(a) && /(\/d|-value)\s+0\b/.test(a)) return 'enables Remote Desktop connections to this machine';
    if (p === 'enable-netfirewallrule' && /remote desktop/.test(a)) return 'opens the firewall for Remote Desktop';
    if (p === 'set-executionpolicy' && /bypass|unrestricted/.test(a) && /localmachine|-force/.test(a)) return 'lets any PowerShell script run on this machine';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'sudo setenforce 0'], ['bash', 'sudo ufw disable'], ['bash', 'iptables -F']],
    negative: [['bash', 'sudo ufw allow 22/tcp'], ['bash', 'sudo iptables -L -n']],
  },
});
