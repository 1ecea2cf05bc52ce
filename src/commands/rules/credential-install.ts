/**
 * A credential copied into the user's own credential store — `cp /etc/kubernetes/admin.conf
 * ~/.kube/config` (kubeadm's set-up step), `cp ~/.aws/credentials ~/.aws/credentials.bak` — is
 * credential handling that asks, not credential theft: the secret stays where its own client reads
 * it, inside the home directory. Exposing it anywhere else (stdout, an archive, a temp folder,
 * the network) is what the read rules deny.
 */
import type { Invocation, RuleContext } from '../ir.js';
import type { CompiledTarget } from '../catalog/catalog.js';
import { normalizePath } from '../catalog/catalog.js';
import { writeTargets } from './writes.js';

const COPY = new Set(['cp', 'install', 'copy', 'copy-item', 'xcopy', 'robocopy', 'cat', 'get-content', 'type', 'tee']);

const parentOf = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/')));

/** True when every place `inv` writes keeps the credential `read` (read from `source`) in the user's own store. */
export function keptInOwnStore(inv: Invocation, ctx: RuleContext, read: CompiledTarget, source: string): boolean {
  if (!COPY.has(inv.program) || inv.downstream.length > 0) return false;
  const dests = writeTargets(inv).filter((d) => d !== source);
  if (dests.length === 0) return false;
  const from = normalizePath(source);
  return dests.every((d) => {
    const n = normalizePath(d);
    if (!n.startsWith('~/')) return false;
    // The same kind of store (kube config → kube config), or a copy beside the original (a backup).
    return ctx.catalog.matchPath(d, ['credential'])?.entry.id === read.entry.id || (parentOf(n) === parentOf(from) && parentOf(n).startsWith('~/'));
  });
}
