import { defineRule, type Hit } from './rule.js';
import { lowerArgs } from './match.js';

const AGENTS = /\b(auditd|falcon[\w-]*|windows defender|cbagentd|carbonblack|sentinelone|sentinelagent|cylancesvc|osqueryd|sysmon|wazuh-agent|ossec|clamav-daemon|clamd|apparmor|auditbeat|elastic-agent|mdatp|wdavdaemon|windefend|sense|wscsvc|msmpsvc|mpssvc|eventlog|xagt|taniumclient|qualys-cloud-agent|crowdstrike)\b/;

export const rule = defineRule({
  id: 'security_tool_disable',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1562.001',
  title: 'Turns off antivirus, EDR, auditing or the Windows firewall, or excludes paths from scanning',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = lowerArgs(inv);
      const p = inv.program;
      let e: string | undefined;
      if (p === 'set-mppreference' && /-disable\w+\s+(\$true|1)|-disable\w+(?!\s+(\$false|0))/.test(a)) e = 'turns off Microsoft Defender protection';
      else if ((p === 'add-mppreference' || p === 'set-mppreference') && /-exclusion(path|process|extension|ipaddress)/.test(a)) e = 'excludes files or processes from Microsoft Defender scanning';
      else if ((p === 'sc' || p === 'net' || p === 'sc.exe') && /(stop|config|delete|pause)\s+"?(windefend|windows defender|sense|wscsvc|mpssvc|wdnissvc|eventlog|sysmon\w*)/.test(a)) e = 'stops or disables a Windows security service';
      else if ((p === 'systemctl' || p === 'service') && /\b(stop|disable|mask|kill)\b/.test(a) && AGENTS.test(a)) e = 'stops a security monitoring agent';
      else if (((p === 'pkill' || p === 'killall' || p === 'taskkill' || p === 'stop-process' || p === 'kill') && (AGENTS.test(a.replace(/\.exe/g, '')) || inv.substitutions.some((s) => /^(pgrep|pidof)$/.test(s.program) && AGENTS.test(s.args.join(' ').toLowerCase())))) || (p === 'taskkill' && /msmpeng|mssense|csfalcon/.test(a))) e = 'kills a security monitoring agent';
      else if ((p === 'stop-service' || p === 'set-service' || p === 'suspend-service') && AGENTS.test(a) && !/-startuptype\s+(automatic|manual)/.test(a)) e = 'stops or disables a Windows security service';
      else if (p === 'auditctl' && /(^|\s)(-d\b|-e\s*0)/i.test(inv.args.join(' '))) e = 'deletes audit rules or turns auditing off';
      else if (p === 'netsh' && /(advfirewall\s+set\s+\w+\s+state\s+off|firewall\s+set\s+opmode\s+(mode=)?disable)/.test(a)) e = 'turns off the Windows firewall';
      else if (p === 'set-netfirewallprofile' && /-enabled\s+(false|\$false|0)/.test(a)) e = 'turns off the Windows firewall';
      else if (p === 'reg' && /windows defender/.test(a) && /disableantispyware|disablerealtimemonitoring|disablebehaviormonitoring/.test(a) && /^add/.test(a)) e = 'turns off Microsoft Defender through the registry';
      else if (p === 'csrutil' && /disable/.test(a)) e = 'turns off macOS System Integrity Protection';
      else if (p === 'spctl' && /--master-disable|--global-disable/.test(a)) e = 'turns off macOS Gatekeeper';
      if (e) hits.push({ span: inv.span, explanation: e });
    }
    for (const s of ctx.psScripts) {
      if (/amsiutils|amsiinitfailed|amsiscanbuffer|amsicontext|amsi\.dll/.test(s.text)) hits.push({ span: s.span, explanation: 'tampers with AMSI so that PowerShell scripts are no longer scanned for malware' });
      else if (/etweventwrite|eventprovider.*m_enabled|psetwlogprovider/.test(s.text)) hits.push({ span: s.span, explanation: 'turns off PowerShell event tracing' });
    }
    return hits;
  },
  cases: {
    positive: [
      ['powershell', 'Set-MpPreference -DisableRealtimeMonitoring $true'],
      ['powershell', 'Add-MpPreference -ExclusionPath C:\\'],
      ['powershell', "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)"],
      ['bash', 'sudo systemctl stop auditd'],
      ['cmd', 'netsh advfirewall set allprofiles state off'],
      ['cmd', 'sc config WinDefend start= disabled'],
    ],
    negative: [['powershell', 'Get-MpComputerStatus'], ['bash', 'sudo systemctl restart nginx'], ['cmd', 'netsh advfirewall show allprofiles']],
  },
});
