import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'add_admin_user',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1098.007',
  title: 'Adds an account to the Windows Administrators (or Domain Admins) group',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if (inv.program === 'net' && /localgroup\s+"?(administrators|administradores|administrateurs|remote desktop users)"?.*\/add|group\s+"?(domain admins|enterprise admins)"?.*\/add/.test(a)) return 'adds an account to an administrators group';
    if (inv.program === 'add-localgroupmember' && /administrators/.test(a)) return 'adds an account to the Administrators group';
    if (inv.program === 'add-adgroupmember' && /domain admins|enterprise admins/.test(a)) return 'adds an account to Domain Admins';
    return undefined;
  }),
  cases: {
    positive: [['cmd', 'net localgroup administrators backdoor /add'], ['powershell', 'Add-LocalGroupMember -Group Administrators -Member svc']],
    negative: [['cmd', 'net localgroup administrators']],
  },
});
