/** Where an invocation writes: redirections, tee, cp/mv/install, Set-Content/Out-File, sed -i, dd of=. */
import { DYN, type Invocation } from '../ir.js';

const cache = new WeakMap<Invocation, { args: string[]; redirects: number; out: string[] }>();

/** Cached: many rules ask for the same invocation. */
export function writeTargets(inv: Invocation): string[] {
  const hit = cache.get(inv);
  if (hit && hit.args === inv.args && hit.redirects === inv.redirects.length) return hit.out;
  const out = computeTargets(inv);
  cache.set(inv, { args: inv.args, redirects: inv.redirects.length, out });
  return out;
}

function computeTargets(inv: Invocation): string[] {
  const out: string[] = [];
  for (const r of inv.redirects) if (r.op.includes('>') && !/^&?\d*$/.test(r.target) && r.target !== '/dev/null') out.push(r.target);
  const a = inv.args;
  const operands = a.filter((x) => !x.startsWith('-'));
  switch (inv.program) {
    case 'tee':
      out.push(...operands);
      break;
    case 'cp': case 'mv': case 'install': case 'ln': case 'rsync': case 'copy': case 'move': case 'xcopy': case 'robocopy':
      if (operands.length >= 2) out.push(operands[operands.length - 1]!);
      break;
    case 'dd':
      for (const x of a) if (x.startsWith('of=')) out.push(x.slice(3));
      break;
    case 'sed':
      if (a.some((x) => /^-i/.test(x) || x === '--in-place')) out.push(...operands.slice(1));
      break;
    case 'set-content': case 'add-content': case 'out-file': case 'new-item': case 'copy-item': case 'move-item': case 'set-itemproperty': case 'new-itemproperty': {
      for (let i = 0; i < a.length; i++) {
        if (/^-(path|filepath|destination|literalpath)$/i.test(a[i]!)) out.push(a[i + 1] ?? '');
      }
      if (!a.some((x) => /^-(path|filepath|destination|literalpath)$/i.test(x))) {
        const pos = a.filter((x, i) => !x.startsWith('-') && !(i > 0 && a[i - 1]!.startsWith('-') && !/^-(force|append|recurse)$/i.test(a[i - 1]!)));
        if (inv.program === 'copy-item' || inv.program === 'move-item') { if (pos[1]) out.push(pos[1]); } else if (pos[0]) out.push(pos[0]);
      }
      break;
    }
    case 'crontab':
      if (operands.length > 0 || a.includes('-')) out.push('crontab');
      else if (inv.upstream.length > 0 || inv.stdinText !== undefined) out.push('crontab');
      break;
  }
  return out.filter((x) => x && x !== DYN);
}

/** The text written, when it is known (echo/printf upstream or argument). */
export function writtenText(inv: Invocation): string {
  if (inv.program === 'echo' || inv.program === 'printf' || inv.program === 'set-content' || inv.program === 'add-content') return inv.args.join(' ');
  if (inv.stdinText !== undefined) return inv.stdinText;
  return inv.upstream.map((u) => u.args.join(' ')).join(' ');
}
