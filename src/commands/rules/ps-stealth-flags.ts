import { defineRule, perInvocation } from './rule.js';
import { PS_HOSTS } from '../programs.js';

export const rule = defineRule({
  id: 'hidden_powershell',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1564.003',
  title: 'Starts PowerShell hidden, without profile and with script checks bypassed (-w hidden -nop -ep bypass)',
  check: perInvocation((inv) => {
    if (!PS_HOSTS.has(inv.program) && inv.program !== 'start-process') return undefined;
    const a = inv.args.map((x) => x.toLowerCase().replace(/^[/\u2013\u2014\u2015]/, '-'));
    const joined = a.join(' ');
    const hidden = /-(w|wi|win|wind|windo|window|windows|windowst|windowsty|windowstyl|windowstyle)\s+(hidden|1)\b/.test(joined);
    const bypass = /-(ep|ex|exe|exec|execu|execut|executi|executio|execution|executionp\w*)\s+(bypass|unrestricted)\b/.test(joined);
    const nop = /-(nop|nopr|noprofile|noni|nonin\w*)\b/.test(joined);
    if (hidden) return 'starts PowerShell with a hidden window, so the user does not see what it does';
    if (bypass && nop && a.some((x) => /^-(e|ec|en|enc\w*|c|com\w*)$/.test(x))) return 'starts PowerShell with script restrictions bypassed and no profile, a combination typical of malware launchers';
    return undefined;
  }),
  cases: {
    positive: [['cmd', 'powershell -nop -w hidden -c "Get-Date"'], ['cmd', 'powershell.exe -NoP -NonI -Exec Bypass -Command Get-Date']],
    negative: [['cmd', 'powershell -ExecutionPolicy Bypass -File .\\build.ps1'], ['powershell', 'pwsh -NoProfile -Command Get-Date']],
  },
});
