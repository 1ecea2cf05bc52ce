import { defineRule, perInvocation } from './rule.js';
import { CONTENT_READERS, isSecretPath } from './match.js';
import { DYN, type Invocation, type RuleContext } from '../ir.js';
import { keptInOwnStore } from './credential-install.js';

/** The secret file an invocation reads or copies, if any. */
export function secretRead(inv: Invocation): string | undefined {
  const readsContent = CONTENT_READERS.has(inv.program) || inv.redirects.some((r) => r.op === '<' && isSecretPath(r.target));
  if (!readsContent) return undefined;
  if (inv.program === 'reg') {
    const a = inv.args.map((x) => x.toLowerCase());
    if ((a[0] === 'save' || a[0] === 'export') && /hklm\\(sam|system|security)|hkey_local_machine\\(sam|system|security)/.test(a[1] ?? '')) return a[1];
    return undefined;
  }
  for (const r of inv.redirects) if (r.op === '<' && isSecretPath(r.target)) return r.target;
  for (const raw of inv.args) {
    const a = raw.replace(/^@/, '').replace(/^[a-z_]+=@?/i, '').split(DYN).join('*');
    if (isSecretPath(a)) return a;
  }
  return undefined;
}

/** The same read kept inside the user's own credential store: sensitive_read reports it (high). */
function keptInStore(inv: Invocation, ctx: RuleContext, f: string): boolean {
  const t = ctx.catalog.matchPath(f, ['credential']);
  return t !== undefined && keptInOwnStore(inv, ctx, t, f);
}

export const rule = defineRule({
  id: 'secret_file_read',
  category: 'credential_access',
  severity: 'critical',
  technique: 'T1552.001',
  title: 'Reads or copies a credential store (SSH private keys, cloud credentials, /etc/shadow, browser passwords, SAM hive)',
  check(ctx) {
    const hits = perInvocation((inv) => {
      const f = secretRead(inv);
      if (f && keptInStore(inv, ctx, f)) return undefined;
      return f ? `reads ${f}, which holds credentials (keys, passwords or tokens)` : undefined;
    })(ctx);
    for (const s of ctx.snippets) {
      for (const m of s.text.matchAll(/["']([^"'\n]{3,200})["']/g)) {
        if (isSecretPath(m[1]!.replace(/^~/, '~'))) {
          hits.push({ span: s.span, explanation: `${s.lang} code reads ${m[1]}, which holds credentials` });
          break;
        }
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'cat ~/.ssh/id_rsa'],
      ['bash', 'cat /etc/shadow'],
      ['bash', 'tar czf /tmp/k.tgz ~/.ssh ~/.aws/credentials'],
      ['cmd', 'reg save HKLM\\SAM C:\\temp\\sam.save'],
      ['powershell', 'Get-Content $env:USERPROFILE\\.aws\\credentials'],
    ],
    negative: [['bash', 'cat ~/.ssh/id_rsa.pub'], ['bash', 'ssh -i ~/.ssh/id_ed25519 user@host uptime'], ['bash', 'chmod 600 ~/.ssh/id_rsa']],
  },
});
