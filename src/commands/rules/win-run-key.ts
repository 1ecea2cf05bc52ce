import { defineRule, type Hit } from './rule.js';

const KEYS = /\\currentversion\\(run|runonce|runservices|runonceex|policies\\explorer\\run)\b|\\winlogon\b.*\b(userinit|shell)\b|image file execution options\\[^\\]+.*debugger|\\appinit_dlls|\\currentversion\\windows\b.*load|\\silentprocessexit\\|\\environment\b.*userinitmprlogonscript|\\command processor\b.*autorun/;

export const rule = defineRule({
  id: 'registry_autorun',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1547.001',
  title: 'Writes a registry autorun key (Run/RunOnce, Winlogon, Image File Execution Options, AppInit_DLLs)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = inv.args.join(' ').toLowerCase().replace(/hkcu:|hklm:|hkey_current_user|hkey_local_machine|hkcu|hklm/g, '');
      const writes = (inv.program === 'reg' && /^(add|import|copy)\b/.test(a)) || /^(new-itemproperty|set-itemproperty|new-item|set-item)$/.test(inv.program);
      if (writes && KEYS.test(a)) hits.push({ span: inv.span, explanation: 'adds a program to a registry key that Windows runs automatically at logon or start-up' });
    }
    for (const s of ctx.psScripts) if (/setvalue\(|set-itemproperty|new-itemproperty|registry::/.test(s.text) && KEYS.test(s.text) && !hits.length) hits.push({ span: s.span, explanation: 'adds a program to a registry autorun key' });
    return hits;
  },
  cases: {
    positive: [
      ['cmd', 'reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd /t REG_SZ /d "C:\\Users\\Public\\u.exe" /f'],
      ['powershell', "New-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name Updater -Value 'powershell -w hidden -f C:\\u.ps1'"],
      ['cmd', 'reg add "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe" /v Debugger /d cmd.exe'],
    ],
    negative: [['cmd', 'reg query HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'], ['cmd', 'reg add HKCU\\Software\\MyApp /v Theme /d dark /f']],
  },
});
