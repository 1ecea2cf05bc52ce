import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'script_unread',
  category: 'unparseable',
  severity: 'medium',
  technique: 'T1059',
  variable: true,
  title: 'Runs a script by path whose text the analyzer could not read (medium: the file was looked for and is missing, unreadable or too large; low: nothing could look, informational)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const c of ctx.scriptCalls) {
      if (c.status === 'unread') {
        hits.push({ span: c.span, explanation: `runs the script ${c.path}, which could not be read${c.why ? ` (${c.why})` : ''}, so what it does cannot be checked in advance` });
      } else if (c.status === 'unseen') {
        hits.push({ span: c.span, severity: 'low', explanation: `runs the script ${c.path}; its text was not available to the analyzer, so only the command line was checked` });
      }
      if (hits.length >= 8) break;
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'bash ./deploy.sh'], ['bash', './run-tests.sh --fast'], ['bash', 'python3 tools/migrate.py'], ['powershell', 'pwsh -File .\\build.ps1'], ['cmd', 'setup.bat']],
    negative: [['bash', 'bash -c "ls"'], ['bash', 'ls -la'], ['bash', 'python3 -m pytest'], ['bash', '/usr/bin/env ls'], ['powershell', 'pwsh -Command Get-Date']],
  },
});
