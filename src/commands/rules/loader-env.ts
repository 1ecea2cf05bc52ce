import { defineRule, perInvocation } from './rule.js';

export const rule = defineRule({
  id: 'loader_injection',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1574.006',
  title: 'Injects code into a program through the environment (LD_PRELOAD, DYLD_INSERT_LIBRARIES, BASH_ENV, PROMPT_COMMAND)',
  check: perInvocation((inv) => {
    const k = Object.keys(inv.env).find((x) => /^(LD_PRELOAD|LD_AUDIT|DYLD_INSERT_LIBRARIES|BASH_ENV|ENV|PROMPT_COMMAND|PERL5OPT|PYTHONSTARTUP|NODE_OPTIONS)$/.test(x));
    if (k && !(k === 'NODE_OPTIONS' && !/--require|-r\s/.test(inv.env[k] ?? ''))) return `sets ${k}=${inv.env[k]} so ${inv.program} loads extra code before it starts`;
    if ((inv.program === 'export' || inv.program === 'declare') && inv.args.some((a) => /^(LD_PRELOAD|DYLD_INSERT_LIBRARIES|BASH_ENV|PROMPT_COMMAND)=/.test(a))) return 'makes every later program load extra code';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'LD_PRELOAD=/tmp/.l.so sudo -l'], ['bash', 'BASH_ENV=/tmp/x bash -c :']],
    negative: [['bash', 'NODE_ENV=production node server.js'], ['bash', 'LANG=C sort file.txt']],
  },
});
