import { defineRule, perInvocation } from './rule.js';
import { lowerArgs, isStagingPath } from './match.js';

export function taskCreation(p: string, a: string): boolean {
  return (p === 'schtasks' && /\/create\b/.test(a)) || p === 'register-scheduledtask' || p === 'new-scheduledtaskaction' || p === 'at' && /\\\\|\/every|\d+:\d+/.test(a);
}

export const rule = defineRule({
  id: 'scheduled_task',
  category: 'persistence',
  severity: 'high',
  technique: 'T1053.005',
  title: 'Creates a Windows scheduled task',
  check: perInvocation((inv) => (taskCreation(inv.program, lowerArgs(inv)) ? 'creates a scheduled task that runs a program later or repeatedly' : undefined)),
  cases: {
    positive: [['cmd', 'schtasks /create /tn Backup /tr "C:\\tools\\backup.exe" /sc daily /st 02:00']],
    negative: [['cmd', 'schtasks /query /fo LIST']],
  },
});

export const suspicious = (inv: { program: string; args: string[] }): boolean => {
  const a = inv.args.join(' ').toLowerCase();
  return taskCreation(inv.program, a) && (/\/ru\s+"?system|onlogon|onstart|onidle|\/sc\s+minute|-atlogon|-atstartup|hidden/.test(a) && /powershell|cmd(\.exe)?\s+\/c|mshta|rundll32|regsvr32|wscript|cscript|https?:|\\users\\public|\\appdata\\|\\temp\\|%temp%|\\programdata\\/.test(a) || isStagingPath(a));
};
