import { defineRule, perInvocation } from './rule.js';
import { flagSet, isCriticalTree } from './match.js';

export const rule = defineRule({
  id: 'permission_wreck',
  category: 'destructive',
  severity: 'critical',
  technique: 'T1222',
  title: 'Recursively changes ownership or permissions of the whole system or a system directory',
  check: perInvocation((inv) => {
    if (inv.program !== 'chmod' && inv.program !== 'chown' && inv.program !== 'chgrp' && inv.program !== 'icacls' && inv.program !== 'takeown') return undefined;
    const f = flagSet(inv.args);
    const recursive = f.has('-R') || f.has('--recursive') || inv.args.some((a) => /^\/[tr]$/i.test(a));
    const t = inv.args.find((a) => isCriticalTree(a.replace(/\\\*$/, '')));
    if (recursive && t !== undefined) return `changes permissions or owner of everything under ${t}; this breaks the system and can expose secrets`;
    if (inv.program === 'chmod' && /^(0?777|a\+w|o\+w)$/.test(inv.args.find((a) => !a.startsWith('-')) ?? '') && inv.args.some((a) => /^\/etc\/(shadow|passwd|sudoers)/.test(a))) return 'makes a system credential file writable by everyone';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'chmod -R 777 /'], ['bash', 'sudo chown -R nobody /etc'], ['bash', 'chmod 777 /etc/shadow']],
    negative: [['bash', 'chmod -R 755 ./public'], ['bash', 'sudo chown -R $USER:$USER ~/.npm']],
  },
});
