import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

export const rule = defineRule({
  id: 'service_persistence',
  category: 'persistence',
  severity: 'high',
  technique: 'T1543',
  title: 'Creates a system service, launch agent or autostart entry that starts by itself',
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /\/etc\/systemd\/system\/|\.config\/systemd\/user\/|\/lib\/systemd\/system\/|\/etc\/init\.d\/|LaunchAgents\/|LaunchDaemons\/|\.config\/autostart\/|\/etc\/xdg\/autostart\//.test(x));
    if (f) return `writes ${f}, which starts a program automatically`;
    const a = inv.args.join(' ').toLowerCase();
    if (inv.program === 'sc' && /^create\b/.test(a)) return 'creates a Windows service';
    if (inv.program === 'new-service') return 'creates a Windows service';
    if (inv.program === 'launchctl' && /\b(load|bootstrap)\b/.test(a) && /\/tmp\/|\/users\/shared|library\/launchagents\/com\.(apple|google)\.[a-z]+\.plist/.test(a)) return 'loads a launch agent';
    return undefined;
  }),
  cases: {
    positive: [['bash', "printf '[Service]\\nExecStart=/tmp/.d\\n' > /etc/systemd/system/dbus-helper.service"], ['cmd', 'sc create updsvc binPath= "C:\\Users\\Public\\svc.exe" start= auto']],
    negative: [['bash', 'sudo systemctl restart nginx'], ['bash', 'systemctl --user status']],
  },
});
