import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'account_backdoor',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1098',
  title: 'Edits sudoers, /etc/passwd or /etc/shadow directly, or creates a second root (uid 0) account',
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /^\/etc\/(sudoers(\.d\/.*)?|passwd|shadow|group|gshadow)$/.test(x));
    if (f) return `writes directly to ${f}, granting accounts root rights or passwords outside the normal tools`;
    const a = lowerArgs(inv);
    if ((inv.program === 'useradd' || inv.program === 'adduser' || inv.program === 'usermod') && /(-u|--uid)\s+0\b|(^|\s)-o(\s|$)|--non-unique/.test(a)) return 'creates an account with user id 0, a second root';
    if (inv.program === 'visudo' && /\btee\b|\bsed\b|\bcp\b/.test(inv.env['EDITOR'] ?? inv.env['VISUAL'] ?? '')) return 'edits sudoers non-interactively through a fake editor, granting rights outside the normal review';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'echo "bob ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers'], ['bash', "echo 'r00t::0:0::/root:/bin/bash' >> /etc/passwd"], ['bash', 'useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysd']],
    negative: [['bash', 'sudo useradd -m deploy'], ['bash', 'getent passwd $USER']],
  },
});
