import { defineRule, type Hit } from './rule.js';
import { capabilityUses, bareTarget } from '../catalog/uses.js';
import { display } from './match.js';
import { keptInOwnStore } from './credential-install.js';

/** Capabilities through which a program exposes what it reads. */
const READS = new Set(['read-file', 'upload']);

export const rule = defineRule({
  id: 'sensitive_read',
  category: 'credential_access',
  severity: 'critical',
  technique: 'T1552.001',
  variable: true,
  title: 'Any program that can read files (per the capability catalog) reads a credential store from the target catalog',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (!READS.has(use.cap)) continue;
        for (const raw of use.targets) {
          if (use.via === 'code') continue; // inline code: judged by quoted paths below
          const t = ctx.catalog.matchPath(bareTarget(raw), ['credential']) ?? ctx.catalog.matchName(raw, ['credential']);
          if (!t) continue;
          if (use.cap === 'read-file' && keptInOwnStore(inv, ctx, t, raw)) {
            hits.push({ span: inv.span, severity: 'high', technique: t.entry.technique, explanation: `${display(inv, 60)} copies ${t.entry.title} into your own credential store; the secret stays where its client reads it, but whoever runs this gets its rights` });
            break;
          }
          hits.push({ span: inv.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${display(inv, 60)} reads ${t.entry.title}: ${inv.program} can read files, and this is where credentials are kept` });
          break;
        }
      }
    }
    for (const s of ctx.snippets) {
      for (const m of s.text.matchAll(/(["'`])([^"'`\n]{1,200})\1/g)) {
        const t = ctx.catalog.matchPath(m[2]!, ['credential']);
        if (t) {
          hits.push({ span: s.span, severity: t.entry.severity, technique: t.entry.technique, explanation: `${s.lang} code opens ${t.entry.title}` });
          break;
        }
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'nl -ba /etc/shadow'],
      ['bash', 'date -f /etc/shadow'],
      ['bash', 'sort ~/.ssh/id_ed25519'],
      ['bash', 'zip -r keys.zip ~/.aws'],
      ['powershell', 'Select-String -Path $env:USERPROFILE\\.kube\\config -Pattern token'],
      ['cmd', 'type %USERPROFILE%\\.docker\\config.json'],
      ['bash', "ruby -e 'puts File.read(\"/root/.ssh/id_rsa\")'"],
    ],
    negative: [['bash', 'cat ~/.ssh/id_rsa.pub'], ['bash', 'kubectl --kubeconfig ~/.kube/config get nodes'], ['bash', 'ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519'], ['bash', 'cat ~/.ssh/config'], ['bash', 'sort names.txt']],
  },
});
