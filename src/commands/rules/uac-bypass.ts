import { defineRule, type Hit } from './rule.js';

const HIJACK = /(ms-settings|mscfile|exefile|folder|launcher\.systemsettings|app paths\\control\.exe)\\shell\\open\\command|delegateexecute|\\environment.*windir|sdclt.*kickoffelev|cmstp.*\/au/;

export const rule = defineRule({
  id: 'uac_bypass',
  category: 'privilege_escalation',
  severity: 'critical',
  technique: 'T1548.002',
  title: 'Windows UAC bypass (registry handler hijack for fodhelper/eventvwr/sdclt/computerdefaults)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = inv.args.join(' ').toLowerCase();
      if (HIJACK.test(a) && (inv.program === 'reg' || /itemproperty|new-item|set-item/.test(inv.program))) hits.push({ span: inv.span, explanation: 'hijacks a registry handler that an auto-elevating Windows program trusts, to get administrator rights without a UAC prompt' });
      if (/^(sdclt)$/.test(inv.program) && /kickoffelev/.test(a)) hits.push({ span: inv.span, explanation: 'uses sdclt to bypass UAC' });
    }
    if (hits.length === 0) for (const s of ctx.psScripts) if (HIJACK.test(s.text)) hits.push({ span: s.span, explanation: 'bypasses UAC through a hijacked registry handler' });
    return hits;
  },
  cases: {
    positive: [['cmd', 'reg add HKCU\\Software\\Classes\\ms-settings\\Shell\\Open\\command /d "cmd.exe /c start evil.exe" /f & fodhelper.exe']],
    negative: [['cmd', 'reg query HKCU\\Software\\Classes']],
  },
});
