import { defineRule, type Hit } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'backup_destruction',
  category: 'destructive',
  severity: 'critical',
  technique: 'T1490',
  title: 'Deletes shadow copies and backups or disables recovery (ransomware preparation)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = lowerArgs(inv);
      let e: string | undefined;
      if (inv.program === 'vssadmin' && /delete shadows|resize shadowstorage/.test(a)) e = 'deletes all Volume Shadow Copies (the built-in backups)';
      else if (inv.program === 'wmic' && /shadowcopy\s+delete/.test(a)) e = 'deletes all shadow copies';
      else if (inv.program === 'wbadmin' && /delete\s+(catalog|systemstatebackup|backup)/.test(a)) e = 'deletes the Windows backup catalog';
      else if (inv.program === 'bcdedit' && /recoveryenabled\s+no|bootstatuspolicy\s+ignoreallfailures/.test(a)) e = 'disables Windows recovery at boot';
      else if (inv.program === 'tmutil' && /^(delete|disable)/.test(a)) e = 'deletes or disables Time Machine backups';
      if (e) hits.push({ span: inv.span, explanation: e });
    }
    for (const s of ctx.psScripts) if (/win32_shadowcopy.*\.delete\(|win32_shadowcopy.*remove-(wmiobject|ciminstance)/.test(s.text)) hits.push({ span: s.span, explanation: 'deletes all shadow copies' });
    return hits;
  },
  cases: {
    positive: [['cmd', 'vssadmin delete shadows /all /quiet'], ['cmd', 'bcdedit /set {default} recoveryenabled No'], ['powershell', 'Get-WmiObject Win32_Shadowcopy | ForEach-Object { $_.Delete() }']],
    negative: [['cmd', 'vssadmin list shadows']],
  },
});
