import { defineRule, perInvocation } from './rule.js';

export const rule = defineRule({
  id: 'host_escape',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1611',
  title: "Mounts the host's root file system into a container or enters PID 1's namespaces",
  check: perInvocation((inv) => {
    const a = inv.args.join(' ');
    if ((inv.program === 'docker' || inv.program === 'podman' || inv.program === 'nerdctl') && /^(run|create)\b/.test(a) && /(-v|--volume)[ =]\/:|--mount[ =]\S*(source|src)=\/(,|\s|$)/.test(a)) return "runs a container with the host's entire file system mounted, which gives root on the host";
    if ((inv.program === 'docker' || inv.program === 'podman') && /^(run|create)\b/.test(a) && /--privileged/.test(a) && /--pid[ =]host/.test(a)) return 'runs a privileged container in the host PID namespace, which gives root on the host';
    if (inv.program === 'nsenter' && /(-t|--target)[ =]?1\b/.test(a)) return "enters the namespaces of the host's init process (a container escape)";
    if (inv.program === 'kubectl' && /^run\b/.test(a) && /hostPID|"privileged":\s*true|hostPath/.test(a)) return 'starts a privileged pod with host access';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'docker run -it -v /:/host alpine chroot /host sh'], ['bash', 'nsenter -t 1 -m -u -i -n -p -- bash'], ['bash', 'docker run --rm --privileged --pid=host alpine nsenter -t 1 -m sh']],
    negative: [['bash', 'docker run --rm -v $(pwd):/app -w /app node:20 npm test'], ['bash', 'docker run --rm -it ubuntu bash']],
  },
});
