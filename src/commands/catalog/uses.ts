/**
 * Which catalog capabilities an invocation unlocks with the arguments it was given, and what each
 * one acts on. Redirections are the shell's own capabilities: `>` writes, `<` reads.
 */
import { DYN, type Invocation, type RuleContext } from '../ir.js';
import type { Catalog } from './catalog.js';
import type { Capability, Unlock } from './schema.js';

export interface CapabilityUse {
  cap: Capability;
  /** What the capability acts on: paths, keys, names, URLs, or inline code text. */
  targets: string[];
  /** How it was unlocked (for explanations). */
  via: string;
}

const isFlag = (lang: Invocation['lang'], a: string): boolean => a.startsWith('-') || (lang !== 'posix' && a.startsWith('/') && !/^\/[^/]+\/./.test(a));

/** The value given to option `flag` at position i, if `args[i]` is that option. */
function flagValue(args: readonly string[], i: number, flag: string): string | undefined {
  const a = args[i]!.toLowerCase();
  const f = flag.toLowerCase();
  if (a === f) return args[i + 1] ?? '';
  if (f.endsWith('=') && a.startsWith(f)) return args[i]!.slice(f.length);
  if (a.startsWith(f + '=') || a.startsWith(f + ':')) return args[i]!.slice(f.length + 1);
  // `-rF FILE`: a cluster of short options ending with this one (case matters: -f is not -F).
  if (f.length === 2 && f.startsWith('-') && /^-[A-Za-z]{2,6}$/.test(args[i]!) && args[i]!.endsWith(flag[1]!)) return args[i + 1] ?? '';
  // `-ofile` (short option glued to its value; not for Windows `/x` switches).
  if (f.length === 2 && f.startsWith('-') && a.startsWith(f) && !a.startsWith('--') && a.length > 2) return args[i]!.slice(2);
  return undefined;
}

function hasWord(args: readonly string[], words: readonly string[]): boolean {
  for (const raw of args) {
    const a = raw.toLowerCase();
    for (const w of words) if (a === w || a.startsWith(w + ':') || a.startsWith(w + '=') || a.startsWith(w + ' ')) return true;
  }
  return false;
}

function unlockTargets(inv: Invocation, u: Unlock, code: readonly string[]): string[] | undefined {
  const args = inv.args;
  const operands = (): string[] => args.filter((a) => !isFlag(inv.lang, a) && a !== DYN);
  if ('operands' in u) return operands();
  if ('last-operand' in u) { const o = operands(); return o.length >= 2 ? [o[o.length - 1]!] : []; }
  if ('leading-operands' in u) { const o = operands(); return o.length >= 2 ? o.slice(0, -1) : o; }
  if ('always' in u) return args.slice();
  if ('code' in u) return code.length > 0 ? code.slice() : undefined;
  if ('flags' in u) {
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) for (const f of u.flags) { const v = flagValue(args, i, f); if (v !== undefined) out.push(v); }
    return out.length > 0 ? out : undefined;
  }
  if ('when-flags' in u) {
    for (let i = 0; i < args.length; i++) for (const f of u['when-flags']) if (flagValue(args, i, f) !== undefined) return args.slice();
    return undefined;
  }
  if ('subcommands' in u) {
    const first = args.findIndex((a) => !isFlag(inv.lang, a));
    if (first < 0) return undefined;
    const sub = args[first]!.toLowerCase();
    return u.subcommands.some((s) => s.toLowerCase() === sub) ? args.slice(first + 1) : undefined;
  }
  if ('words' in u) return hasWord(args, u.words) ? args.slice() : undefined;
  return undefined;
}

const cache = new WeakMap<Invocation, { args: string[]; uses: CapabilityUse[] }>();

/** Capability uses of one invocation (cached per argument list). */
export function capabilityUses(inv: Invocation, ctx: RuleContext, catalog: Catalog): CapabilityUse[] {
  const hit = cache.get(inv);
  if (hit && hit.args === inv.args) return hit.uses;
  const uses: CapabilityUse[] = [];
  const caps = catalog.lookup(inv.program);
  if (caps) {
    const code = ctx.snippets.filter((s) => s.via === inv).map((s) => s.text);
    for (const [cap, unlocks] of caps) {
      for (const u of unlocks) {
        const t = unlockTargets(inv, u, code);
        if (t === undefined) continue;
        uses.push({ cap, targets: t.filter((x) => x !== DYN), via: Object.keys(u)[0]! });
      }
    }
  }
  for (const r of inv.redirects) {
    if (!r.target || r.target.includes(DYN) || /^&?\d*$/.test(r.target)) continue;
    if (r.op.includes('>')) uses.push({ cap: 'write-file', targets: [r.target], via: r.op === '>' || r.op === '>|' || r.op === '&>' ? 'truncate' : 'append' });
    else if (r.op === '<') uses.push({ cap: 'read-file', targets: [r.target], via: 'redirect' });
  }
  cache.set(inv, { args: inv.args, uses });
  return uses;
}

/** Strips the decorations a path can carry inside an argument (`name=@file`, `@file`, `if=`). */
export function bareTarget(t: string): string {
  return t.replace(/^[A-Za-z_][\w.-]*=@?/, '').replace(/^@/, '').split(DYN).join('*');
}
