/** Walks a tree-sitter-powershell tree (after deobfuscation) and records commands and statements. */
import type { Node } from 'web-tree-sitter';
import { DYN, type Invocation } from '../ir.js';
import { fixedMapper, LimitExceeded, type WalkEngine, type SpanMapper } from '../engine-api.js';
import { decodeBase64Bytes, decodeBase64Text } from '../decode.js';
import { normalizeProgram } from '../programs.js';
import { deobfuscatePs } from './deobfuscate.js';

export function walkPowerShell(engine: WalkEngine, source: string, outer: SpanMapper, depth: number): void {
  const d = deobfuscatePs(source);
  const text = d.text;
  const map: SpanMapper = (s, e) => {
    const a = d.idx[Math.min(s, d.idx.length - 1)] ?? 0;
    const b = e > s ? (d.idx[Math.min(e - 1, d.idx.length - 1)] ?? a) + 1 : a;
    return outer(a, Math.max(a, b));
  };
  for (const c of d.changes.slice(0, 20)) {
    if (c.kind === 'backtick') continue;
    engine.event('decoded', outer(c.start, c.end), `builds "${clip(c.value)}" from pieces at run time`, depth);
  }
  const ticks = d.changes.filter((c) => c.kind === 'backtick');
  if (ticks.length > 0) engine.event('decoded', outer(ticks[0]!.start, ticks[ticks.length - 1]!.end), 'hides names with backtick escapes (I`E`X reads as IEX)', depth);

  const lower = text.toLowerCase().replace(/\s+/g, ' ');
  if (SIMPLE_COMMAND.test(text)) {
    // Bare words only (`Get-ChildItem -Recurse -Filter *.log`, `git status`): the parse is trivial,
    // and the PowerShell grammar is the slowest part of an analysis.
    simpleCommand(engine, text, map, depth, lower);
    return;
  }
  const tree = engine.parsers.powershell.parse(text, null, { progressCallback: () => engine.pastDeadline() });
  if (!tree) {
    engine.event('limit', outer(0, source.length), 'the parser ran out of time', depth);
    return;
  }
  try {
    const root = tree.rootNode;
    if (root.hasError) engine.event('parse_error', map(0, text.length), 'the command is not valid PowerShell syntax', depth);
    engine.psScripts.push({ text: lower, span: map(0, text.length), depth });
    new PsWalker(engine, text, map, depth).run(root);
    scanExpressions(engine, text, map, depth);
  } finally {
    tree.delete();
  }
}

const BARE = '[A-Za-z0-9_\\-.:\\\\/*?+=~%]';
const SIMPLE_COMMAND = new RegExp(`^ *(?!\\. )${BARE}+( +${BARE}+)* *$`);

function simpleCommand(engine: WalkEngine, text: string, map: SpanMapper, depth: number, lower: string): void {
  const words = [...text.matchAll(/\S+/g)];
  const first = words[0];
  if (!first) return;
  const span = map(first.index, text.trimEnd().length);
  engine.psStatements.push({ text: lower.trim(), span, depth });
  engine.psScripts.push({ text: lower, span: map(0, text.length), depth });
  const inv = engine.addInvocation({
    lang: 'powershell',
    program: normalizeProgram('powershell', first[0]),
    written: first[0],
    args: words.slice(1).map((w) => w[0]),
    argSpans: words.slice(1).map((w) => map(w.index, w.index + w[0].length)),
    span,
    depth,
  });
  engine.expand(inv, map);
}

class PsWalker {
  private readonly vars = new Map<string, string>();
  /** `$p = @{Name='x'; Force=$true}` / `$a = @('x', 'y')`: what `@p` / `@a` expand to as arguments. */
  private readonly splats = new Map<string, string[]>();
  private readonly pending: Invocation[] = [];
  private readonly engine: WalkEngine;
  private readonly map: SpanMapper;
  private readonly depth: number;

  constructor(engine: WalkEngine, _text: string, map: SpanMapper, depth: number) {
    this.engine = engine;
    this.map = map;
    this.depth = depth;
  }

  run(root: Node): void {
    const list = root.namedChildren.find((c) => c?.type === 'statement_list') ?? root;
    for (const st of list.namedChildren) {
      if (!st) continue;
      this.engine.psStatements.push({ text: st.text.toLowerCase().replace(/\s+/g, ' '), span: this.map(st.startIndex, st.endIndex), depth: this.depth });
    }
    this.visit(root, 0);
    for (const inv of this.pending) this.engine.expand(inv, this.map);
  }

  private visit(node: Node, sd: number): void {
    this.engine.tick();
    if (sd > this.engine.limits.maxSyntaxDepth * 4) throw new LimitExceeded(`syntax nested deeper than ${this.engine.limits.maxSyntaxDepth} levels`);
    switch (node.type) {
      case 'pipeline_chain':
        this.chain(node, sd);
        return;
      case 'assignment_expression': {
        const left = node.namedChildren[0];
        const value = node.childForFieldName('value');
        const name = /\$([\w:]+)/.exec(left?.text ?? '')?.[1]?.toLowerCase();
        if (name && value) {
          this.vars.set(name, constString(value.text) ?? DYN);
          const splat = splatArgs(value.text);
          if (splat) this.splats.set(name, splat);
        }
        break;
      }
      case 'variable': {
        const m = /^\$env:(\w+)/i.exec(node.text);
        if (m) this.engine.envRead.add(m[1]!.toUpperCase());
        break;
      }
    }
    for (const c of node.namedChildren) if (c) this.visit(c, sd + 1);
  }

  private chain(node: Node, sd: number): void {
    const stages = node.namedChildren.filter((c): c is Node => c !== null);
    let prev: Invocation | undefined;
    let prevConst: string | undefined;
    let prevSpan: Node | undefined;
    for (const st of stages) {
      if (st.type === 'command') {
        const inv = this.command(st, sd);
        if (inv) {
          if (prev) { inv.upstream.push(prev, ...prev.upstream.slice(-32)); prev.downstream.push(inv); }
          if (prevConst !== undefined && prevSpan) { inv.stdinText = prevConst; inv.stdinSpan = this.map(prevSpan.startIndex, prevSpan.endIndex); }
          prev = inv;
        }
        prevConst = undefined;
        for (const c of st.namedChildren) if (c) this.visit(c, sd + 1);
      } else {
        prevConst = constString(st.text);
        prevSpan = st;
        this.visit(st, sd + 1);
      }
    }
  }

  private command(node: Node, _sd: number): Invocation | undefined {
    const nameNode = node.childForFieldName('command_name');
    if (!nameNode) return undefined;
    let name: string | undefined;
    let dynamic = false;
    let barePath = false;
    const invoked = node.namedChildren.some((c) => c?.type === 'command_invokation_operator');
    if (nameNode.type === 'command_name') name = nameNode.text;
    else {
      const t = nameNode.text.trim();
      const cs = constString(t.replace(/^\((.*)\)$/s, '$1').trim());
      const v = /^\$([\w:]+)$/.exec(t);
      if (cs !== undefined) name = cs;
      // `& .\build.ps1`, `& C:\tools\x.exe`: a bare path after the call operator is not computed.
      else if (/^(?:[a-z]:)?[\w.~-]*[\\/][\w.\\/~-]*$/i.test(t)) { name = t; barePath = true; }
      else if (v && this.vars.has(v[1]!.toLowerCase()) && this.vars.get(v[1]!.toLowerCase()) !== DYN) name = this.vars.get(v[1]!.toLowerCase())!;
      else if (/^\$_$|^\$psitem$/i.test(t)) { name = DYN; dynamic = true; }
      else { name = DYN; dynamic = true; }
    }
    const elements = node.childForFieldName('command_elements');
    const args: string[] = [];
    const argSpans = [];
    if (elements) {
      for (const c of elements.namedChildren) {
        if (!c || c.type === 'command_argument_sep') continue;
        const sp = /^@(\w+)$/.exec(c.text);
        const splat = sp ? this.splats.get(sp[1]!.toLowerCase()) : undefined;
        if (splat) {
          // Splatting is an everyday idiom: its arguments are judged, the idiom itself is not.
          for (const a of splat) { args.push(a); argSpans.push(this.map(c.startIndex, c.endIndex)); }
          continue;
        }
        args.push(this.argValue(c));
        argSpans.push(this.map(c.startIndex, c.endIndex));
      }
    }
    const span = this.map(node.startIndex, node.endIndex);
    const program = normalizeProgram('powershell', name);
    const inv = this.engine.addInvocation({
      lang: 'powershell', program, written: name, args, argSpans, span, depth: this.depth,
      // `& "C:\Program Files\x.exe"` is how PowerShell runs a quoted path; only computed names hide anything.
      nameTrick: nameNode.type === 'command_name' || barePath || constString(nameNode.text) !== undefined ? undefined : dynamic ? 'variable' : 'concat',
    });
    if (dynamic) this.engine.event('dynamic_program', span, invoked ? 'invokes a command whose name is computed when it runs' : 'the program name is only known when the command runs', this.depth);
    this.pending.push(inv);
    return inv;
  }

  private argValue(n: Node): string {
    const t = n.text;
    const cs = constString(t);
    if (cs !== undefined) return cs;
    if (/^\$([\w:]+)$/.test(t)) {
      const v = this.vars.get(t.slice(1).toLowerCase());
      if (v !== undefined) return v;
      const env = /^\$env:(\w+)$/i.exec(t);
      if (env) this.engine.envRead.add(env[1]!.toUpperCase());
    }
    // Expressions ((…), $(…), @(…), {…}, [type]::…, $x.Method()) are only known at run time; the
    // commands inside them are walked where they stand.
    if (/^[($@{[]/.test(t) && !/^\$[\w:]+$/.test(t) || /\)\s*\./.test(t)) return DYN + t;
    if (/^"[^"]*"$/.test(t)) return t.slice(1, -1);
    return t;
  }
}

/** Splits `a; b` or lines at the top level (outside quotes, parentheses and braces). */
function splitTop(body: string, seps: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let q = '';
  let cur = '';
  for (const ch of body) {
    if (q) { if (ch === q) q = ''; cur += ch; continue; }
    if (ch === "'" || ch === '"') { q = ch; cur += ch; continue; }
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
    if (depth === 0 && seps.test(ch)) { if (cur.trim()) out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function splatValue(v: string): string {
  const c = constString(v);
  if (c !== undefined) return c;
  if (/^"[^"]*"$/.test(v)) return v.slice(1, -1);
  return v;
}

/** The arguments a hashtable (`@{K=v; …}` → `-K v`) or array (`@('a','b')` → `a b`) splats into; undefined for anything else. */
export function splatArgs(text: string): string[] | undefined {
  const t = text.trim();
  if (t.length > 4000) return undefined;
  const table = /^@\{([\s\S]*)\}$/.exec(t);
  if (table) {
    const out: string[] = [];
    for (const pair of splitTop(table[1]!, /[;\n]/)) {
      const m = /^(['"]?)([\w-]+)\1\s*=\s*([\s\S]+)$/.exec(pair);
      if (!m) return undefined;
      const v = splatValue(m[3]!.trim());
      if (/^\$true$/i.test(v)) out.push(`-${m[2]!}`, '$true');
      else out.push(`-${m[2]!}`, v);
    }
    return out;
  }
  const arr = /^@\(([\s\S]*)\)$/.exec(t);
  if (arr) return splitTop(arr[1]!, /[,\n]/).map(splatValue);
  return undefined;
}

/** Value of a constant string literal ('…', "…" without expansions, @'…'@). */
export function constString(t: string): string | undefined {
  const s = t.trim();
  if (s.length >= 2 && s[0] === "'" && s[s.length - 1] === "'" && !s.slice(1, -1).replace(/''/g, '').includes("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' && !/\$[\w{(:]/.test(s) && !s.slice(1, -1).replace(/""|`"/g, '').includes('"')) return s.slice(1, -1).replace(/""/g, '"').replace(/`(.)/g, '$1');
  if (/^@'\r?\n[\s\S]*\r?\n'@$/.test(s)) return s.replace(/^@'\r?\n/, '').replace(/\r?\n'@$/, '');
  return undefined;
}

/** Decodes `[Convert]::FromBase64String('…')` and runs `[ScriptBlock]::Create('…')` contents through the analyzer. */
function scanExpressions(engine: WalkEngine, text: string, map: SpanMapper, depth: number): void {
  for (const m of text.matchAll(/frombase64string\s*\(\s*(['"])([A-Za-z0-9+/=\s]{8,})\1\s*\)/gi)) {
    const span = map(m.index + m[0].indexOf(m[2]!), m.index + m[0].indexOf(m[2]!) + m[2]!.length);
    const decoded = decodeBase64Text(m[2]!, /unicode/i.test(text.slice(Math.max(0, m.index - 80), m.index)) ? 'utf16le' : 'utf8');
    if (decoded) {
      engine.event('decoded', span, `decodes base64 to: ${clip(decoded)}`, depth);
      engine.analyze('powershell', decoded, fixedMapper(span), depth + 1, undefined, true);
    } else if ((decodeBase64Bytes(m[2]!)?.length ?? 0) > 64) engine.event('binary_payload', span, 'decodes a binary (non-text) base64 payload, such as a program or shellcode', depth);
  }
  for (const m of text.matchAll(/\[scriptblock\]::create\s*\(\s*('(?:[^']|'')*'|"[^"$]*")\s*\)/gi)) {
    const code = constString(m[1]!);
    if (code) engine.analyze('powershell', code, fixedMapper(map(m.index, m.index + m[0].length)), depth + 1);
  }
  // WScript.Shell .Run / .Exec and Shell.Application .ShellExecute start a command line.
  for (const m of text.matchAll(/\.(?:run|exec|shellexecute)\s*\(\s*('(?:[^']|'')*'|"[^"$]*")/gi)) {
    const code = constString(m[1]!);
    if (code && /\s|\.exe|powershell|cmd/i.test(code)) engine.analyze('cmd', code, fixedMapper(map(m.index, m.index + m[0].length)), depth + 1);
  }
  for (const m of text.matchAll(/\.invokescript\s*\(\s*('(?:[^']|'')*'|"[^"$]*")\s*\)/gi)) {
    const code = constString(m[1]!);
    if (code) engine.analyze('powershell', code, fixedMapper(map(m.index, m.index + m[0].length)), depth + 1);
  }
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? one.slice(0, 77) + '…' : one;
}
