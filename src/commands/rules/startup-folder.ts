import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

export const rule = defineRule({
  id: 'startup_hijack',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1547.001',
  title: 'Writes to the Startup folder, rc.local or /etc/ld.so.preload so code runs at every logon or boot',
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /start menu\\programs\\startup|\\startup\\|shell:startup|^\/etc\/rc\.local$|^\/etc\/ld\.so\.preload$|^\/etc\/rc\d?\.d\//i.test(x));
    return f ? `writes to ${f}, which runs automatically at logon or boot${/ld\.so\.preload/.test(f) ? ' and loads into every program' : ''}` : undefined;
  }),
  cases: {
    positive: [['cmd', 'copy C:\\Users\\Public\\u.exe "%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\u.exe"'], ['bash', 'echo /tmp/.l.so > /etc/ld.so.preload'], ['bash', 'echo "/tmp/.x &" >> /etc/rc.local']],
    negative: [['bash', 'cat /etc/rc.local']],
  },
});
