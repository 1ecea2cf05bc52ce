import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display } from './match.js';

export const rule = defineRule({
  id: 'privilege_config_write',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1548',
  variable: true,
  title: 'Any program that can write files or keys changes who may become root or administrator (sudoers, passwd, PAM, polkit, UAC handler keys)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (inv.program === 'visudo' || inv.program === 'vipw' || inv.program === 'vigr') continue; // the sanctioned editors (EDITOR tricks: account_backdoor)
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (use.cap !== 'write-file' || use.via === 'code') continue;
        const t = use.targets.map((x) => ctx.catalog.matchPath(bareTarget(x), ['privilege-config'])).find(Boolean);
        if (!t) continue;
        hits.push({ span: inv.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${display(inv, 60)} changes ${t.entry.title}, which decides who gets root or administrator rights` });
        break;
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'cp /tmp/s /etc/sudoers.d/zz'],
      ['bash', 'sed -i "s/^root:x/root:/" /etc/passwd'],
      ['powershell', 'New-Item -Path HKCU:\\Software\\Classes\\ms-settings\\Shell\\Open\\command -Force'],
      ['bash', 'tee /etc/pam.d/sshd < /tmp/p'],
    ],
    negative: [['bash', 'cat /etc/passwd'], ['bash', 'sudo visudo -c'], ['bash', 'grep wheel /etc/group']],
  },
});
