import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

const HIST = /(^|\/)\.(bash|zsh|sh|ksh|mysql|psql|python|node_repl|lesshst)_?history$|consolehost_history\.txt|historysavepath/i;

export const rule = defineRule({
  id: 'history_wipe',
  category: 'defense_evasion',
  severity: 'critical',
  technique: 'T1070.003',
  title: 'Destroys or disables the shell history file to hide what was run',
  check: perInvocation((inv) => {
    if (Object.keys(inv.env).includes('HISTFILE') && /^\/dev\/null$|^$/.test(inv.env['HISTFILE'] ?? '')) return 'turns off the shell history file to hide the commands that follow';
    if ((inv.program === 'unset' || inv.program === 'export' || inv.program === 'set' || inv.program === 'declare' || inv.program === 'typeset') && inv.args.some((a) => /^HISTFILE(=\/dev\/null|=)?$|^HIST(FILE)?SIZE=0$/.test(a))) return 'turns off the shell history file to hide the commands that follow';
    if ((inv.program === 'rm' || inv.program === 'shred' || inv.program === 'truncate' || inv.program === 'remove-item' || inv.program === 'ln' || inv.program === 'del') && inv.args.some((a) => HIST.test(a))) return 'deletes or replaces the shell history file';
    if (writeTargets(inv).some((t) => HIST.test(t)) && inv.program !== 'history') return 'overwrites the shell history file';
    if (inv.program === 'set-psreadlineoption' && /savenothing/i.test(inv.args.join(' '))) return 'stops PowerShell from saving command history';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'unset HISTFILE'], ['bash', 'export HISTFILE=/dev/null'], ['bash', 'rm -f ~/.bash_history'], ['bash', 'ln -sf /dev/null ~/.bash_history'], ['powershell', 'Remove-Item (Get-PSReadlineOption).HistorySavePath']],
    negative: [['bash', 'history | tail -20'], ['bash', 'grep ssh ~/.bash_history']],
  },
});
