import { defineRule, type Hit } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'bind_shell',
  category: 'network_listener',
  severity: 'critical',
  technique: 'T1095',
  title: 'Listens on a network port and gives anyone who connects a shell',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = lowerArgs(inv);
      const listen = /(^|\s)-[a-z]*l|listen/.test(a);
      if (/^(nc|ncat|netcat|nc\.traditional|powercat)$/.test(inv.program) && listen && /(^|\s)(-[a-z]*e\b|-e\s|--exec|--sh-exec|-c\s)/.test(a)) hits.push({ span: inv.span, explanation: `${inv.program} listens for connections and hands each one a shell (a bind shell)` });
      else if (inv.program === 'socat' && /(tcp|udp|ssl|openssl)[46]?-l(isten)?:/.test(a) && /(exec|system):/.test(a)) hits.push({ span: inv.span, explanation: 'socat listens for connections and hands each one a shell' });
      else if (/^(nc|ncat|netcat)$/.test(inv.program) && listen && inv.downstream.some((d) => /^(sh|bash|zsh|dash|cmd|powershell)$/.test(d.program))) hits.push({ span: inv.span, explanation: 'pipes incoming network data into a shell' });
    }
    for (const s of ctx.psScripts) if (/tcplistener/.test(s.text) && /iex|invoke-expression|getstream/.test(s.text)) hits.push({ span: s.span, explanation: 'PowerShell listens on a port and runs what it receives (a bind shell)' });
    return hits;
  },
  cases: {
    positive: [['bash', 'nc -lvnp 4444 -e /bin/bash'], ['bash', 'socat TCP-LISTEN:4444,reuseaddr,fork EXEC:/bin/sh,pty,stderr'], ['bash', 'ncat -l 4444 --sh-exec "bash -i"']],
    negative: [['bash', 'nc -l 8080 > received.bin']],
  },
});
