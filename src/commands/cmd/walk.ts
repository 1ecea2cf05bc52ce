/** cmd.exe front end: segments from the tokenizer become invocations; `cmd /c`, PowerShell hand off. */
import type { Invocation } from '../ir.js';
import type { Engine, SpanMapper } from '../engine.js';
import { resolveProgram } from '../unwrap.js';
import { tokenizeCmd } from './tokenize.js';

export function walkCmd(engine: Engine, text: string, map: SpanMapper, depth: number): void {
  if (/%[A-Za-z_]+:~-?\d+(,-?\d+)?%/.test(text)) engine.event('decoded', map(0, text.length), 'builds text from substrings of environment variables (%VAR:~n,m%)', depth);
  const segs = tokenizeCmd(text);
  const vars = new Map<string, string>();
  let prev: Invocation | undefined;
  const pending: Invocation[] = [];
  for (const seg of segs) {
    engine.tick();
    const words = seg.words.map((w) => ({ ...w, value: expandVars(w.value, vars) }));
    if (words.length === 0) { prev = undefined; continue; }
    let first = words[0]!.value;
    let rest = words.slice(1);
    if (/^@/.test(first)) first = first.slice(1);
    const low = first.toLowerCase();
    if (low === 'set' && rest[0]) {
      const m = /^\/?[ap]?\s*([^=]+)=(.*)$/i.exec(rest.map((w) => w.value).join(' '));
      if (m) vars.set(m[1]!.trim().toLowerCase(), m[2]!);
    }
    if (low === 'for') {
      const di = rest.findIndex((w) => w.value.toLowerCase() === 'do');
      if (di >= 0 && rest[di + 1]) {
        const start = rest[di + 1]!.start;
        engine.analyze('cmd', text.slice(start, seg.end), (s, e) => map(s + start, e + start), depth, undefined);
        rest = rest.slice(0, di);
      }
    }
    if (low === 'if') {
      // `if [not] [exist x | a==b | errorlevel n] command`: skip the condition.
      let i = 0;
      if (rest[i]?.value.toLowerCase() === '/i') i++;
      if (rest[i]?.value.toLowerCase() === 'not') i++;
      const kw = rest[i]?.value.toLowerCase();
      i += kw === 'exist' || kw === 'errorlevel' || kw === 'defined' ? 2 : rest[i + 1]?.value.startsWith('=') ? 3 : 1;
      if (rest[i]) {
        first = rest[i]!.value;
        rest = rest.slice(i + 1);
      } else continue;
    }
    const r = resolveProgram('cmd', first, rest.map((w) => w.value), rest.map((w) => map(w.start, w.end)));
    const inv = engine.addInvocation({
      lang: 'cmd', program: r.program, written: r.written, args: r.args, argSpans: r.argSpans,
      span: map(seg.start, seg.end), depth, root: r.root, wrappers: r.wrappers,
    });
    if (/^cmd(\.exe)?$/i.test(inv.program) || inv.program === 'cmd') {
      // Keep cmd /c's original text (quotes included) for the nested parse.
      const ci = rest.findIndex((w) => /^\/[ckr]$/i.test(w.value));
      if (ci >= 0 && rest[ci + 1]) {
        const start = rest[ci + 1]!.start;
        const inner = text.slice(start, seg.end).trim().replace(/^"([\s\S]*)"$/, '$1');
        inv.args = [...inv.args.slice(0, ci + 1), inner];
        inv.argSpans = [...inv.argSpans.slice(0, ci + 1), map(start, seg.end)];
      }
    }
    for (const rd of seg.redirects) inv.redirects.push({ op: rd.op, target: rd.target, span: map(rd.start, rd.end) });
    if (prev) {
      inv.upstream.push(prev, ...prev.upstream.slice(-32));
      prev.downstream.push(inv);
      // `echo … | powershell -`: the echoed text is the script.
      const echoed = prev.program === 'echo' ? prev.args.join(' ') : prev.program === 'cmd' ? /^echo\s+(.+)$/is.exec(prev.args[prev.args.length - 1] ?? '')?.[1] : undefined;
      if (echoed) {
        inv.stdinText = echoed;
        inv.stdinSpan = prev.span;
      }
    }
    prev = seg.next === '|' ? inv : undefined;
    pending.push(inv);
  }
  for (const inv of pending) engine.expand(inv, map);
}

function expandVars(v: string, vars: Map<string, string>): string {
  if (!v.includes('%')) return v;
  return v.replace(/%([A-Za-z_][A-Za-z0-9_]*)%/g, (m, name: string) => vars.get(name.toLowerCase()) ?? m);
}
