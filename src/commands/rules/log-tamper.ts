import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';
import { lowerArgs } from './match.js';

const LOG = /^\/var\/log\/(\*|auth\.log|syslog|messages|secure|wtmp|btmp|lastlog|utmp|audit(\/.*)?|kern\.log|journal(\/.*)?|faillog|\*\.log)?$|^\/var\/run\/utmp$/;

export const rule = defineRule({
  id: 'log_tamper',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1070',
  title: 'Deletes or empties system logs or the Windows event log',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    if ((p === 'rm' || p === 'shred' || p === 'truncate' || p === 'unlink') && inv.args.some((x) => LOG.test(x))) return `erases system logs (${inv.args.find((x) => LOG.test(x))}) that record logins and actions`;
    const w = writeTargets(inv).find((x) => LOG.test(x));
    if (w && (p === 'echo' || p === 'cat' || p === 'printf' || p === 'true' || p === ':' || p === 'cp' || inv.args.length === 0)) return `empties ${w}, which records logins and actions`;
    if (p === 'wevtutil' && /^(cl|clear-log)\b/.test(a)) return 'clears a Windows event log';
    if (p === 'clear-eventlog' || p === 'remove-eventlog' || (p === 'limit-eventlog' && /maximumsize/.test(a))) return 'clears a Windows event log';
    if (p === 'auditpol' && /\/(clear|remove)|\/set.*disable/.test(a)) return 'turns off Windows auditing';
    if (p === 'fsutil' && /usn\s+deletejournal/.test(a)) return 'deletes the NTFS change journal';
    if (p === 'journalctl' && /--vacuum-(time|size)=?\s*(1s|1|1k|0)/.test(a)) return 'deletes the systemd journal';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'rm -rf /var/log/*'], ['bash', 'echo > /var/log/auth.log'], ['cmd', 'wevtutil cl Security'], ['bash', 'shred -u /var/log/wtmp']],
    negative: [['bash', 'tail -f /var/log/syslog'], ['bash', 'sudo journalctl --vacuum-size=500M'], ['bash', 'rm -f /var/log/myapp/*.gz']],
  },
});
