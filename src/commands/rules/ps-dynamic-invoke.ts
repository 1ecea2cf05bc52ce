import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'dynamic_invocation',
  category: 'obfuscation',
  severity: 'high',
  technique: 'T1059.001',
  title: 'Runs PowerShell code built at run time (iex $var, [ScriptBlock]::Create($x), $ExecutionContext.InvokeCommand)',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      if (inv.program !== 'invoke-expression' || inv.stdinText !== undefined) continue;
      if (inv.args.length === 0 && inv.upstream.length > 0) hits.push({ span: inv.span, explanation: `runs the output of ${inv.upstream[0]!.program} as PowerShell code` });
      else if (inv.args.some((a) => /^[$(]|\$|\u{E000}/u.test(a))) hits.push({ span: inv.span, explanation: 'runs PowerShell code that is only known at run time' });
    }
    for (const s of ctx.psScripts) {
      if (/-bxor/.test(s.text) && /iex|invoke-expression|scriptblock|\.invoke\(/.test(s.text)) hits.push({ span: s.span, explanation: 'decodes text with an XOR key and runs it' });
      else if (/\$executioncontext\.invokecommand\.(invokescript|newscriptblock)|\[scriptblock\]::create\(\s*\$|\.invoke\(\s*\)\s*$|invoke-command\s+-scriptblock\s+\(\[scriptblock\]/.test(s.text)) hits.push({ span: s.span, explanation: 'creates and runs a script block from text built at run time' });
    }
    return hits;
  },
  cases: {
    positive: [['powershell', '$c = Get-Content .\\x.txt -Raw; Invoke-Expression $c'], ['powershell', '$ExecutionContext.InvokeCommand.InvokeScript($s)']],
    negative: [['powershell', 'Get-Process | Sort-Object CPU']],
  },
});
