/** cmd.exe front end: segments from the tokenizer become invocations; `cmd /c`, PowerShell hand off. */
import type { Invocation } from '../ir.js';
import { fixedMapper, type WalkEngine, type SpanMapper } from '../engine-api.js';
import { resolveProgram } from '../wrappers.js';
import { tokenizeCmd } from './tokenize.js';

const EDITED_VAR = /%[A-Za-z_][A-Za-z0-9_()]*:[^%\n]{1,64}%|![A-Za-z_][A-Za-z0-9_]*(?::[^!\n]{1,64})?!/;

export function walkCmd(engine: WalkEngine, text: string, map: SpanMapper, depth: number, expanded = false): void {
  if (!expanded && EDITED_VAR.test(text)) {
    // cmd.exe expands %VAR:~i,n% / %VAR:a=b% / !VAR! before it splits the line into words, so
    // evaluate them over the whole text first (values from `set` anywhere in it, and the
    // defaults every Windows machine has); findings then point at the whole command.
    const vars = new Map<string, string>();
    for (const m of text.matchAll(/\bset\s+"?([A-Za-z_][A-Za-z0-9_]*)=([^"&|\r\n]*)/gi)) vars.set(m[1]!.toLowerCase(), m[2]!);
    const out = expandVars(text, vars);
    engine.event('decoded', map(0, text.length), 'builds text from pieces of environment variables (%VAR:~n,m%, %VAR:a=b%, !VAR!)', depth);
    if (out !== text) {
      walkCmd(engine, out, fixedMapper(map(0, text.length)), depth, true);
      return;
    }
  }
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

/**
 * Values of the variables every Windows machine has (default installation), so that substring
 * tricks on them (`%COMSPEC:~-7,3%` → `cmd`) can be evaluated like cmd.exe does.
 */
const WINDOWS_DEFAULTS: Readonly<Record<string, string>> = {
  comspec: 'C:\\Windows\\system32\\cmd.exe', systemroot: 'C:\\Windows', windir: 'C:\\Windows', systemdrive: 'C:',
  programfiles: 'C:\\Program Files', 'programfiles(x86)': 'C:\\Program Files (x86)', commonprogramfiles: 'C:\\Program Files\\Common Files',
  programdata: 'C:\\ProgramData', allusersprofile: 'C:\\ProgramData', public: 'C:\\Users\\Public', os: 'Windows_NT',
  pathext: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC', processor_architecture: 'AMD64',
  psmodulepath: 'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules',
};

/** cmd.exe's `%VAR%`, `%VAR:~start,len%`, `%VAR:old=new%` and delayed `!VAR!`, over known values only. */
export function expandVars(v: string, vars: Map<string, string>): string {
  if (!v.includes('%') && !v.includes('!')) return v;
  const value = (name: string): string | undefined => vars.get(name.toLowerCase()) ?? WINDOWS_DEFAULTS[name.toLowerCase()];
  const sub = (m: string, name: string, edit: string | undefined): string => {
    const val = value(name);
    if (val === undefined) return m;
    if (edit === undefined) return vars.has(name.toLowerCase()) ? val : m; // plain %COMSPEC% stays as written (facts name the variable)
    const range = /^~(-?\d+)(?:,(-?\d+))?$/.exec(edit);
    if (range) {
      const len = val.length;
      let start = Number(range[1]);
      if (start < 0) start = Math.max(0, len + start);
      start = Math.min(start, len);
      let end = len;
      if (range[2] !== undefined) {
        const n = Number(range[2]);
        end = n < 0 ? Math.max(start, len + n) : Math.min(len, start + n);
      }
      return val.slice(start, end);
    }
    const rep = /^(\*?)([^=]+)=(.*)$/.exec(edit);
    if (rep) {
      const from = rep[2]!;
      const to = rep[3]!;
      const lower = val.toLowerCase();
      if (rep[1]) { const at = lower.indexOf(from.toLowerCase()); return at < 0 ? val : to + val.slice(at + from.length); }
      let out = '';
      let i = 0;
      for (let at = lower.indexOf(from.toLowerCase()); at >= 0 && out.length < 4096; at = lower.indexOf(from.toLowerCase(), i)) { out += val.slice(i, at) + to; i = at + from.length; }
      return out + val.slice(i);
    }
    return m;
  };
  return v
    .replace(/%([A-Za-z_][A-Za-z0-9_()]*)(?::([^%]{1,64}))?%/g, (m, name: string, edit: string | undefined) => sub(m, name, edit))
    .replace(/!([A-Za-z_][A-Za-z0-9_]*)(?::([^!]{1,64}))?!/g, (m, name: string, edit: string | undefined) => (vars.has(name.toLowerCase()) ? sub(m, name, edit) : m));
}
