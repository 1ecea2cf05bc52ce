import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'grant_admin_group',
  category: 'privilege_escalation',
  severity: 'high',
  technique: 'T1098',
  title: 'Creates accounts or gives an account sudo/wheel/admin rights',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if ((inv.program === 'usermod' || inv.program === 'gpasswd' || inv.program === 'adduser') && /\b(sudo|wheel|admin|root|adm)\b/.test(a) && /(-a|-g|-G|--groups|-aG)|adduser \S+ (sudo|wheel|admin)/i.test(inv.args.join(' ') + ' ' + inv.program)) return 'gives an account administrator (sudo) rights';
    if (inv.program === 'net' && /^user\s+\S+\s+\S+.*\/add/.test(a)) return 'creates a local Windows account';
    if (inv.program === 'new-localuser') return 'creates a local Windows account';
    if (inv.program === 'net' && /^user\s+administrator\s+\/active:yes/.test(a)) return 'enables the built-in Administrator account';
    if (inv.program === 'dscl' && /-append.*groupmembership/.test(a) && /admin/.test(a)) return 'adds an account to the macOS admin group';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'sudo usermod -aG sudo intern'], ['cmd', 'net user support P@ssw0rd! /add']],
    negative: [['bash', 'sudo usermod -aG docker $USER'], ['cmd', 'net user']],
  },
});
