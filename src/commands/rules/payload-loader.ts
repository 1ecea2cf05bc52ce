import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'in_memory_loader',
  category: 'obfuscation',
  severity: 'critical',
  technique: 'T1620',
  title: 'Loads a program or shellcode straight into memory (Assembly.Load, VirtualAlloc, compressed base64 payloads)',
  check(ctx) {
    const hits: Hit[] = ctx.events.filter((e) => e.kind === 'binary_payload').map((e) => ({ span: e.span, explanation: e.detail }));
    for (const s of ctx.psScripts) {
      if (/reflection\.assembly\]::load|\[system\.reflection\.assembly\]::load|virtualalloc|createthread|createremotethread|writeprocessmemory|getdelegateforfunctionpointer|\bdllimport\b.*kernel32/.test(s.text)) hits.push({ span: s.span, explanation: 'loads code directly into memory, bypassing the file system and most scanners' });
      else if (/(gzipstream|deflatestream)/.test(s.text) && /frombase64string/.test(s.text)) hits.push({ span: s.span, explanation: 'unpacks a compressed, base64-encoded payload at run time' });
    }
    return hits;
  },
  cases: {
    positive: [["powershell", "[System.Reflection.Assembly]::Load([Convert]::FromBase64String($b)).EntryPoint.Invoke($null,$null)"], ['powershell', "IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream((New-Object IO.MemoryStream(,[Convert]::FromBase64String('H4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA=='))),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"]],
    negative: [['powershell', 'Add-Type -AssemblyName System.Windows.Forms']],
  },
});
