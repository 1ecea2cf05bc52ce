import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

export const rule = defineRule({
  id: 'cron_persistence',
  category: 'persistence',
  severity: 'high',
  technique: 'T1053.003',
  title: 'Adds a scheduled job with cron, so something runs again later without anyone asking',
  check: perInvocation((inv) => {
    const t = writeTargets(inv);
    if (inv.program === 'crontab' && t.includes('crontab') && !inv.args.some((a) => /^-[lr]$/.test(a))) return 'replaces or extends the user crontab, so commands run repeatedly in the background';
    const f = t.find((x) => /^\/etc\/(crontab|cron\.(d|hourly|daily|weekly|monthly)\b)|\/var\/spool\/cron/.test(x));
    if (f) return `writes to ${f}, so commands run on a schedule (often as root)`;
    return undefined;
  }),
  cases: {
    positive: [['bash', '(crontab -l; echo "*/5 * * * * /tmp/.x") | crontab -'], ['bash', 'echo "* * * * * root /usr/local/bin/u" >> /etc/crontab'], ['bash', 'crontab /tmp/jobs']],
    negative: [['bash', 'crontab -l'], ['bash', 'cat /etc/crontab']],
  },
});
