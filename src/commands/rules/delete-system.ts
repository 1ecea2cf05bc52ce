import { defineRule, perInvocation } from './rule.js';
import { flagSet, isCriticalTree } from './match.js';
import { DYN, type Invocation } from '../ir.js';

/** Targets of a recursive delete, if the invocation is one. */
export function recursiveDeleteTargets(inv: Invocation): string[] | undefined {
  const a = inv.args;
  const p = inv.program;
  if (p === 'rm') {
    const f = flagSet(a);
    if (!f.has('-r') && !f.has('-R') && !f.has('--recursive')) return undefined;
    return a.filter((x) => !x.startsWith('-'));
  }
  if (p === 'remove-item' && a.some((x) => /^-r(ecurse)?$/i.test(x))) {
    const own = a.filter((x, i) => !x.startsWith('-') && !/^-(erroraction|filter|include|exclude)$/i.test(a[i - 1] ?? '')).map((x) => x.replace(/^['"]|['"]$/g, ''));
    if (own.length > 0) return own;
    // `Get-ChildItem X -Recurse | Remove-Item`: the targets come from the pipeline.
    return inv.upstream.filter((u) => u.program === 'get-childitem').flatMap((u) => u.args.filter((x, i) => !x.startsWith('-') && !/^-(filter|include|exclude)$/i.test(u.args[i - 1] ?? '')));
  }
  if ((p === 'rd' || p === 'rmdir') && a.some((x) => /^\/s$/i.test(x))) return a.filter((x) => !x.startsWith('/') || /^\/[a-z]/i.test(x) === false);
  if ((p === 'del' || p === 'erase') && a.some((x) => /^\/s$/i.test(x))) return a.filter((x) => !/^\/[a-z]$/i.test(x)).map((x) => x.replace(/\\?\*(\.\*)?$/, ''));
  if (p === 'find' && (a.includes('-delete') || a.some((x, i) => /^-exec/.test(x) && /^(rm|shred|unlink|truncate)$/.test(a[i + 1] ?? '')))) {
    // Predicates that narrow what is deleted (-name, -mtime…) make it a clean-up, not a wipe.
    if (a.some((x) => /^-(i?name|i?path|i?regex|mtime|mmin|atime|ctime|size|user|group|newer|empty|perm|iwholename|wholename)$/.test(x))) return [];
    return [a[0] ?? '.'];
  }
  if (p === 'mv' && a[a.length - 1] === '/dev/null') return a.slice(0, -1).filter((x) => !x.startsWith('-'));
  return undefined;
}

export const rule = defineRule({
  id: 'delete_system_or_home',
  category: 'destructive',
  severity: 'critical',
  technique: 'T1485',
  title: 'Recursively deletes the root file system, a system directory, a drive or a whole home directory',
  check: perInvocation((inv) => {
    const targets = recursiveDeleteTargets(inv);
    if (!targets) return undefined;
    const bad = targets.find((t) => isCriticalTree(t.split(DYN).join('')) || t === '/' || (t.includes(DYN) && /^\/?$/.test(t.replace(DYN, ''))));
    if (bad !== undefined) return `deletes everything under ${bad || '/'}${inv.root ? ' as root' : ''}; this cannot be undone`;
    if (inv.args.includes('--no-preserve-root')) return 'deletes with --no-preserve-root, which allows wiping the whole system';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'rm -rf /'], ['bash', 'sudo rm -rf --no-preserve-root /'], ['bash', 'rm -rf ~'], ['bash', 'rm -rf $HOME/*'], ['powershell', 'Remove-Item -Recurse -Force C:\\Windows'], ['cmd', 'rd /s /q C:\\'], ['bash', 'find / -delete']],
    negative: [['bash', 'rm -rf node_modules'], ['bash', 'rm -rf ./build dist'], ['bash', 'rm -rf /tmp/build-cache'], ['bash', 'find . -name "*.log" -delete']],
  },
});
