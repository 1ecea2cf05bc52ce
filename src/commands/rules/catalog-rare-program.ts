import { defineRule, type Hit } from './rule.js';
import { capabilityUses } from '../catalog/uses.js';
import { display } from './match.js';
import type { Capability } from '../catalog/schema.js';
import type { Category } from '../types.js';

/** What a rarely used program's capability means when it is used. */
const MEANING: Partial<Record<Capability, { category: Category; technique: string; what: string }>> = {
  listen: { category: 'network_listener', technique: 'T1572', what: 'opens this machine to incoming connections' },
  'connect-out': { category: 'exfiltration', technique: 'T1071', what: 'talks to another machine' },
  upload: { category: 'exfiltration', technique: 'T1048', what: 'sends data to another machine' },
  'read-file': { category: 'credential_access', technique: 'T1003', what: 'reads protected data' },
  'exec-or-shell': { category: 'defense_evasion', technique: 'T1218', what: 'runs code through an unusual host' },
  'load-library': { category: 'defense_evasion', technique: 'T1218', what: 'loads code into a process' },
};

export const rule = defineRule({
  id: 'rare_capability',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1218',
  variable: true,
  title: 'A program that everyday work rarely uses (marked `use: rare` in the catalog: tunnels, debuggers, dump tools, remote-exec tools) is used for one of its capabilities',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (!ctx.catalog.isRare(inv.program)) continue;
      if (ctx.catalog.programs.some((p) => p.kind === 'lolbin' && p.names.includes(inv.program))) continue; // lolbin_proxy judges those
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        const m = MEANING[use.cap];
        if (!m) continue;
        const lsass = use.targets.some((t) => /lsass|ntds/i.test(t));
        hits.push({ span: inv.span, category: lsass ? 'credential_access' : m.category, severity: lsass ? 'critical' : 'high', technique: lsass ? 'T1003.001' : m.technique, explanation: `${display(inv, 60)}: ${inv.program} ${m.what}; everyday work rarely needs this tool` });
        break;
      }
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'chisel client 203.0.113.9:8000 R:socks'], ['cmd', 'procdump -ma lsass.exe out.dmp'], ['bash', 'bpftrace -e \'tracepoint:syscalls:sys_enter_execve { printf("%s\\n", comm); }\'']],
    negative: [['bash', 'ssh -L 8080:localhost:80 host'], ['bash', 'gdb ./a.out']],
  },
});
