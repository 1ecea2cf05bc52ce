import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display } from './match.js';

export const rule = defineRule({
  id: 'log_destroy',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1070.002',
  variable: true,
  title: 'Any program that can delete or overwrite files destroys system logs, event logs or command history',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        const destroys = use.cap === 'delete-file' || (use.cap === 'write-file' && (use.via === 'truncate' || inv.program === 'shred' || inv.program === 'truncate' || inv.program === 'dd'));
        if (!destroys || use.via === 'code') continue;
        // `find /var/log -name '*.gz' -mtime +30 -delete`: rotation clean-up, not the logs themselves.
        if (inv.program === 'find' && inv.args.some((a) => /^-(i?name|mtime|mmin|size|newer|i?regex|i?path|atime|ctime)$/.test(a))) continue;
        const t = use.targets.map((x) => ctx.catalog.matchPath(bareTarget(x), ['log'])).find(Boolean);
        if (!t) continue;
        hits.push({ span: inv.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${display(inv, 60)} erases ${t.entry.title}, which record what happened on this machine` });
        break;
      }
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'unlink /var/log/auth.log'], ['bash', 'cat /dev/null > /var/log/wtmp'], ['powershell', 'Remove-Item C:\\Windows\\System32\\winevt\\Logs\\Security.evtx -Force'], ['bash', 'truncate -s0 /var/log/syslog']],
    negative: [['bash', 'tail -n 50 /var/log/syslog'], ['bash', 'rm -f /var/log/myapp/*.gz'], ['bash', 'echo started >> /var/log/myapp.log']],
  },
});
