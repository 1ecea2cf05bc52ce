import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'timestomp',
  category: 'defense_evasion',
  severity: 'high',
  technique: 'T1070.006',
  title: "Copies another file's timestamps onto a file, or sets them by hand, to make it look old",
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (inv.program === 'touch' && inv.args.some((a, i) => (a === '-r' || a === '--reference') && /^\/(bin|sbin|usr|etc|lib)\//.test(inv.args[i + 1] ?? ''))) hits.push({ span: inv.span, explanation: 'gives a file the timestamps of a system file so it blends in' });
      if (inv.program === 'attrib' && /\+h/i.test(inv.args.join(' ')) && /\+s/i.test(inv.args.join(' '))) hits.push({ span: inv.span, explanation: 'marks a file as hidden system file' });
    }
    for (const s of ctx.psScripts) if (/\.(creationtime|lastwritetime|lastaccesstime)(utc)?\s*=/.test(s.text)) hits.push({ span: s.span, explanation: 'rewrites file timestamps' });
    return hits;
  },
  cases: {
    positive: [['bash', 'touch -r /bin/ls /usr/local/bin/.x'], ['cmd', 'attrib +h +s C:\\Users\\Public\\u.exe']],
    negative: [['bash', 'touch README.md']],
  },
});
