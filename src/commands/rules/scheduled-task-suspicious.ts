import { defineRule, perInvocation } from './rule.js';
import { suspicious } from './scheduled-task.js';

export const rule = defineRule({
  id: 'scheduled_task_payload',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1053.005',
  title: 'Scheduled task that starts a script host or a program from a user-writable place at logon/start-up or every few minutes',
  check: perInvocation((inv) => (suspicious(inv) ? 'creates a scheduled task that starts a script host or a dropped program automatically (at logon, start-up or every few minutes)' : undefined)),
  cases: {
    positive: [['cmd', 'schtasks /create /sc onlogon /tn Upd /tr "powershell -w hidden -c iex(gc C:\\Users\\Public\\a.txt)" /ru SYSTEM'], ['cmd', 'schtasks /create /sc minute /mo 5 /tn x /tr C:\\Users\\Public\\x.exe']],
    negative: [['cmd', 'schtasks /create /tn Backup /tr "C:\\tools\\backup.exe" /sc daily /st 02:00']],
  },
});
