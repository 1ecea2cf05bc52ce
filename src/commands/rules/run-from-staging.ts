import { defineRule, perInvocation } from './rule.js';
import { isStagingPath } from './match.js';

export const rule = defineRule({
  id: 'run_from_staging',
  category: 'download_execute',
  severity: 'high',
  technique: 'T1204.002',
  title: 'Runs a program from a temporary or hidden location (/tmp, /dev/shm, %TEMP%, C:\\Users\\Public)',
  check: perInvocation((inv) => {
    const w = inv.written;
    if (!/[/\\]/.test(w) || !isStagingPath(w)) return undefined;
    return `runs ${w}, a program in a temporary or hidden place where downloaded malware is usually put`;
  }),
  cases: {
    positive: [['bash', '/tmp/.x/kworker -o pool'], ['cmd', 'C:\\Users\\Public\\svc.exe']],
    negative: [['bash', './build/bin/app'], ['bash', '/usr/local/bin/node app.js']],
  },
});
