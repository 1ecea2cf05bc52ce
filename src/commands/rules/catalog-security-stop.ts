import { defineRule, type Hit } from './rule.js';
import { capabilityUses } from '../catalog/uses.js';
import { display } from './match.js';

const KINDS = ['security-tool'] as const;

export const rule = defineRule({
  id: 'security_service_stop',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1562.001',
  variable: true,
  title: 'Any program that can stop, disable or remove services and processes turns off a security tool (antivirus/EDR, audit and logging, firewall)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (use.cap !== 'stop-service') continue;
        let t = ctx.catalog.matchName(inv.program, KINDS);
        for (const raw of use.targets) {
          if (t) break;
          for (const w of raw.split(/[\s,'"=:;/\\()[\]{}|.]+/)) if ((t = ctx.catalog.matchName(w, KINDS))) break;
        }
        if (!t) {
          // The security tool's own CLI turning itself off (setenforce 0, auditctl -e 0, ufw disable).
          const self = ctx.catalog.programs.find((p) => p.kind === 'security' && p.names.includes(inv.program));
          if (self && use.targets.length >= 0) hits.push({ span: inv.span, severity: 'high', technique: self.sources.find((s) => s.startsWith('attack:'))?.slice(7) ?? 'T1562.001', explanation: `${display(inv, 60)} uses a security tool's own switch to weaken it` });
          break;
        }
        hits.push({ span: inv.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${display(inv, 60)} stops, disables or removes ${t.entry.title}, so attacks are no longer seen or blocked` });
        break;
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'sudo systemctl mask --now falcon-sensor'],
      ['bash', 'sudo service auditd stop'],
      ['bash', 'sudo apt-get purge -y auditd'],
      ['cmd', 'fltmc unload SysmonDrv'],
      ['cmd', 'net stop "Sense"'],
      ['powershell', 'Stop-Service -Name Sysmon64 -Force'],
      ['bash', 'sudo launchctl bootout system /Library/LaunchDaemons/com.crowdstrike.falcond.plist'],
    ],
    negative: [['bash', 'sudo systemctl restart auditd'], ['bash', 'sudo systemctl stop nginx'], ['powershell', 'Get-Service WinDefend'], ['powershell', 'Set-Service -Name Sysmon64 -StartupType Automatic']],
  },
});
