import { defineRule, perInvocation } from './rule.js';
import { isPosixShell } from '../programs.js';

const ESCAPES = new Set(['find', 'xargs', 'awk', 'gawk', 'vim', 'vi', 'nvim', 'ex', 'view', 'less', 'more', 'man', 'nmap', 'tar', 'zip', 'git', 'env', 'perl', 'python', 'python3', 'ruby', 'lua', 'ftp', 'gdb', 'strace', 'taskset', 'nice', 'timeout', 'flock', 'ionice', 'stdbuf', 'script', 'expect', 'busybox']);

export const rule = defineRule({
  id: 'root_shell_escape',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1548.003',
  title: 'Spawns a root shell through another program run with sudo (find -exec sh, awk system, env sh…)',
  check: perInvocation((inv) => {
    if (!isPosixShell(inv.program) || !inv.root) return undefined;
    const via = inv.wrappers.find((w) => ESCAPES.has(w)) ?? (inv.parent && ESCAPES.has(inv.parent.program) ? inv.parent.program : undefined);
    if (!via) return undefined;
    return `uses ${via}, run with root rights, to start a root shell; this escapes a narrow sudo rule`;
  }),
  cases: {
    positive: [['bash', 'sudo find . -exec /bin/sh \\; -quit'], ['bash', 'sudo env /bin/sh'], ['bash', `sudo awk 'BEGIN {system("/bin/sh")}'`]],
    negative: [['bash', 'sudo bash -c "apt-get update"'], ['bash', 'find . -name "*.sh" -exec sh {} \\;']],
  },
});
