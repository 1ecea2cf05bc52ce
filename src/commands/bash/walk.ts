/**
 * Walks a tree-sitter-bash syntax tree and records every simple command bash would run, with its
 * arguments evaluated statically where possible (quotes, `$'…'`, variables set earlier, pure
 * `$(echo … | base64 -d)` producers). Unknown values are marked with DYN.
 */
import type { Node } from 'web-tree-sitter';
import { DYN, type Invocation, type NameTrick, type Redirect } from '../ir.js';
import { LimitExceeded, type WalkEngine, type SpanMapper } from '../engine-api.js';
import type { Span } from '../types.js';
import { decodeCEscapes } from '../decode.js';
import { pipelineOutput } from './static-eval.js';
import { resolveProgram } from '../wrappers.js';
import { clip, firstError, joinContinuations, knownVars, unescapeWord } from './source.js';

interface Word {
  value: string;
  dynamic: boolean;
  subs: Invocation[];
  trick: NameTrick | undefined;
  /** Value came through a decoding producer ($(echo … | base64 -d)). */
  decoded: boolean;
}

const STATEMENT_TYPES = new Set([
  'command', 'pipeline', 'list', 'redirected_statement', 'subshell', 'compound_statement', 'if_statement',
  'while_statement', 'for_statement', 'c_style_for_statement', 'case_statement', 'function_definition',
  'negated_command', 'test_command', 'variable_assignment', 'declaration_command', 'unset_command', 'program',
  'do_group', 'else_clause', 'elif_clause', 'case_item', 'ERROR', 'variable_assignments',
]);

export function walkBash(engine: WalkEngine, source: string, outer: SpanMapper, depth: number): void {
  const joined = joinContinuations(source);
  let text = joined ? joined.text : source;
  const map: SpanMapper = joined
    ? (s, e) => {
        const a = joined.idx[Math.min(s, joined.idx.length - 1)] ?? 0;
        const b = e > s ? (joined.idx[Math.min(e - 1, joined.idx.length - 1)] ?? a) + 1 : a;
        return outer(a, Math.max(a, b));
      }
    : outer;
  const braced = expandBraceWords(text);
  if (braced !== text) {
    engine.event('decoded', map(0, text.length), 'spells a command as a brace list ({curl,-fsSL,URL}), which the shell expands into separate words', depth);
    text = braced;
  }
  const parser = engine.parsers.bash;
  const tree = parser.parse(text, null, { progressCallback: () => engine.pastDeadline() });
  if (!tree) {
    engine.event('limit', map(0, text.length), 'the parser ran out of time', depth);
    return;
  }
  try {
    const root = tree.rootNode;
    if (root.hasError) {
      const bad = firstError(root);
      engine.event('parse_error', bad ? map(bad.startIndex, bad.endIndex) : map(0, text.length), 'the command is not valid shell syntax', depth);
    }
    new BashWalker(engine, text, map, depth).block(root, 0, true);
  } finally {
    tree.delete();
  }
}

/**
 * `{curl,-fsSL,URL}` at the start of a command: bash expands the list into the words
 * `curl -fsSL URL`. The braces and commas become blanks, so every offset stays where it was.
 * Only plain lists (no quotes, blanks, nested braces or `$`) in command position are rewritten;
 * `mkdir src/{a,b}` and `{ cmd; }` groups are left alone.
 */
const BRACE_WORD = /(^|[;&|(!]\s*|\n\s*|\b(?:then|do|else)\s+)\{([^{}\s'"`$\\]*,[^{}\s'"`$\\]*)\}(?=$|[\s;&|)<>])/g;

export function expandBraceWords(text: string): string {
  if (!text.includes(',') || !text.includes('{')) return text;
  return text.replace(BRACE_WORD, (_m, lead: string, body: string) => `${lead} ${body.replace(/,/g, ' ')} `);
}

class BashWalker {
  private readonly vars = new Map<string, { value: string; dynamic: boolean }>();
  private pending: Invocation[] = [];

  private readonly engine: WalkEngine;
  private readonly map: SpanMapper;
  private readonly depth: number;

  constructor(engine: WalkEngine, _text: string, map: SpanMapper, depth: number) {
    this.engine = engine;
    this.map = map;
    this.depth = depth;
  }

  private span(n: Node): Span {
    return this.map(n.startIndex, n.endIndex);
  }

  block(node: Node, sd: number, top = false): Invocation[] {
    const out: Invocation[] = [];
    for (const child of node.namedChildren) {
      if (!child) continue;
      out.push(...this.stmt(child, sd + 1));
      if (top) this.flush();
    }
    if (top) this.flush();
    return out;
  }

  private flush(): void {
    const list = this.pending;
    this.pending = [];
    for (const inv of list) this.engine.expand(inv, this.map);
  }

  stmt(node: Node, sd: number): Invocation[] {
    this.engine.tick();
    if (sd > this.engine.limits.maxSyntaxDepth) throw new LimitExceeded(`syntax nested deeper than ${this.engine.limits.maxSyntaxDepth} levels`);
    switch (node.type) {
      case 'command':
        return this.command(node, sd);
      case 'pipeline':
        return this.pipeline(node, sd);
      case 'redirected_statement':
        return this.redirected(node, sd);
      case 'variable_assignment':
      case 'variable_assignments': {
        const parts = node.type === 'variable_assignment' ? [node] : node.namedChildren.filter((c): c is Node => c?.type === 'variable_assignment');
        const args = parts.map((p) => { const a = this.assign(p, sd); return `${a?.name ?? ''}=${a?.value ?? ''}`; });
        return [this.engine.addInvocation({ lang: 'posix', program: 'set', written: 'set', args, argSpans: parts.map((p) => this.span(p)), span: this.span(node), depth: this.depth })];
      }
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(node, sd);
      case 'comment':
        return [];
      default:
        return this.generic(node, sd);
    }
  }

  private generic(node: Node, sd: number): Invocation[] {
    const out: Invocation[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (STATEMENT_TYPES.has(c.type)) out.push(...this.stmt(c, sd + 1));
      else if (c.type === 'heredoc_body' || c.type === 'comment') continue;
      else this.collectSubs(c, sd + 1, out);
    }
    return out;
  }

  /** Evaluates a non-statement node for the commands hidden inside it ($(), <(), arithmetic). */
  private collectSubs(node: Node, sd: number, out: Invocation[]): void {
    const w = this.word(node, sd);
    out.push(...w.subs);
  }

  private pipeline(node: Node, sd: number): Invocation[] {
    const stages: Invocation[][] = [];
    for (const c of node.namedChildren) {
      if (!c || c.type === 'comment') continue;
      stages.push(this.stmt(c, sd + 1));
    }
    const prior: Invocation[] = [];
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i]!;
      if (i > 0) {
        const mains = stages.slice(0, i).map((s) => s[s.length - 1]).filter((x): x is Invocation => x !== undefined);
        const value = mains.length === i ? pipelineOutput(mains) : undefined;
        const first = stage[0];
        if (first && value && first.stdinText === undefined) {
          first.stdinText = value.value;
          first.stdinDecoded = value.decoded;
          const a = mains[0]!.span;
          first.stdinSpan = { start: a.start, end: mains[mains.length - 1]!.span.end };
        }
        for (const inv of stage) for (const p of prior.slice(-64)) {
          inv.upstream.push(p);
          p.downstream.push(inv);
        }
      }
      prior.push(...stage);
    }
    return stages.flat();
  }

  private redirected(node: Node, sd: number): Invocation[] {
    const body = node.childForFieldName('body');
    const invs = body ? this.stmt(body, sd + 1) : [];
    const first = invs[0];
    const last = invs[invs.length - 1];
    for (const r of node.namedChildren) {
      if (!r || r === body) continue;
      this.applyRedirect(r, sd, first, last);
    }
    if (invs.length === 1 && body?.type === 'command') invs[0]!.span = this.span(node);
    return invs;
  }

  private applyRedirect(r: Node, sd: number, first: Invocation | undefined, last: Invocation | undefined): void {
    if (r.type === 'heredoc_redirect') {
      const bodyNode = r.namedChildren.find((c) => c?.type === 'heredoc_body');
      const startNode = r.namedChildren.find((c) => c?.type === 'heredoc_start');
      const quoted = startNode ? /['"\\]/.test(startNode.text) : false;
      if (bodyNode && !quoted) for (const c of bodyNode.namedChildren) if (c) this.collectSubs(c, sd + 1, first ? first.substitutions : []);
      // Later children of the redirect (e.g. `<<EOF | sh`) are statements in this grammar.
      for (const c of r.namedChildren) if (c && STATEMENT_TYPES.has(c.type)) this.stmt(c, sd + 1);
      if (first && bodyNode) {
        first.stdinText = bodyNode.text;
        first.stdinSpan = this.span(bodyNode);
        first.redirects.push({ op: '<<', target: '', span: this.span(r) });
      }
      return;
    }
    if (r.type === 'herestring_redirect') {
      const valueNode = r.namedChildren.find((c) => c !== null);
      if (!valueNode || !first) return;
      const w = this.word(valueNode, sd + 1);
      first.stdinText = w.dynamic ? undefined : w.value;
      first.stdinDecoded = w.decoded;
      first.stdinSpan = this.span(valueNode);
      for (const s of w.subs) {
        first.upstream.push(s);
        s.downstream.push(first);
      }
      first.redirects.push({ op: '<<<', target: w.value, span: this.span(r) });
      return;
    }
    if (r.type === 'file_redirect') {
      let op = '';
      for (let i = 0; i < r.childCount; i++) {
        const c = r.child(i)!;
        if (!c.isNamed) op += c.text;
      }
      const dests = r.childrenForFieldName('destination').filter((d): d is Node => d !== null);
      const dest = dests[0] ?? r.namedChildren.find((c) => c !== null && c.type !== 'file_descriptor');
      const w = dest ? this.word(dest, sd + 1) : undefined;
      const target = w?.value ?? '';
      const redirect: Redirect = { op: op.trim(), target, span: this.span(r) };
      const to = op.includes('<') && !op.includes('>') ? first : last;
      if (to) {
        to.redirects.push(redirect);
        if (w) to.substitutions.push(...w.subs);
        if (op.trim() === '<' && w && w.subs.length > 0) for (const s of w.subs) { to.upstream.push(s); s.downstream.push(to); }
      }
    }
  }

  private assign(node: Node, sd: number): { name: string; value: string } | undefined {
    const nameNode = node.childForFieldName('name');
    const valueNode = node.childForFieldName('value');
    const name = nameNode?.text ?? '';
    if (nameNode?.type === 'subscript') this.collectSubs(nameNode, sd + 1, []);
    const w = valueNode ? this.word(valueNode, sd + 1) : { value: '', dynamic: false, subs: [], trick: undefined, decoded: false };
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.vars.set(name, { value: w.value, dynamic: w.dynamic });
    return { name, value: w.value };
  }

  private command(node: Node, sd: number): Invocation[] {
    const env: Record<string, string> = {};
    let nameNode: Node | undefined;
    const argNodes: Node[] = [];
    const redirs: Node[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') {
        const a = this.assignEnv(c, sd);
        if (a) env[a.name] = a.value;
      } else if (c.type === 'command_name') nameNode = c.firstNamedChild ?? c;
      else if (c.type.endsWith('_redirect')) redirs.push(c);
      else argNodes.push(c);
    }
    if (!nameNode) {
      // Only assignments: they set shell variables for what follows (recorded as the `set` builtin).
      for (const [k, v] of Object.entries(env)) this.vars.set(k, { value: v, dynamic: v.includes(DYN) });
      const args = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const inv = this.engine.addInvocation({ lang: 'posix', program: 'set', written: 'set', args, argSpans: args.map(() => this.span(node)), span: this.span(node), depth: this.depth });
      return [inv];
    }
    const name = this.word(nameNode, sd + 1);
    const args = argNodes.map((a) => this.word(a, sd + 1));
    if (name.trick !== undefined && nameNode.type !== 'string' && nameNode.type !== 'raw_string' && /[ \t\n]/.test(name.value.trim())) {
      // An unquoted expansion is split into words: `curl${IFS}x` runs curl with argument x.
      const words = name.value.trim().split(/[ \t\n]+/);
      name.value = words[0]!;
      const extra = words.slice(1).map((w) => ({ value: w, dynamic: false, subs: [], trick: undefined, decoded: name.decoded }));
      args.unshift(...extra);
      argNodes.unshift(...extra.map(() => nameNode!));
    }
    const subs = [...name.subs, ...args.flatMap((a) => a.subs)];
    let trick = name.trick;
    if (!trick && nameNode.type === 'word' && /^[^\\]+\\./.test(nameNode.text)) trick = 'escape';
    if (!trick && /[?*[]/.test(name.value) && !name.dynamic) trick = 'glob';
    const resolved = resolveProgram(
      'posix',
      name.value,
      args.map((a) => a.value),
      argNodes.map((a) => this.span(a)),
    );
    const inv = this.engine.addInvocation({
      lang: 'posix',
      program: resolved.program,
      written: resolved.written,
      args: resolved.args,
      argSpans: resolved.argSpans,
      span: this.span(node),
      depth: this.depth,
      env: { ...env, ...resolved.env },
      root: resolved.root,
      wrappers: resolved.wrappers,
      nameTrick: trick,
      substitutions: subs,
      argsDecoded: name.decoded || args.some((a) => a.decoded),
    });
    // A script that changes IFS splits unquoted expansions differently: the name is not what it looks like.
    const ifsSplit = this.vars.has('IFS') && name.trick !== undefined && nameNode.type !== 'string' && nameNode.type !== 'raw_string';
    if (name.dynamic || resolved.program.includes(DYN) || ifsSplit) this.engine.event('dynamic_program', inv.span, ifsSplit ? 'the program name depends on a changed IFS' : 'the program name is only known when the command runs', this.depth);
    for (const r of redirs) this.applyRedirect(r, sd, inv, inv);
    this.pending.push(inv);
    return [inv];
  }

  /** `export A=1`, `declare -x B`, `unset HISTFILE`: recorded as invocations of the builtin. */
  private declaration(node: Node, sd: number): Invocation[] {
    const args: string[] = [];
    const spans: Span[] = [];
    const subs: Invocation[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') {
        const a = this.assign(c, sd);
        args.push(`${a?.name ?? ''}=${a?.value ?? ''}`);
      } else {
        const w = this.word(c, sd + 1);
        subs.push(...w.subs);
        args.push(w.value);
      }
      spans.push(this.span(c));
    }
    const name = node.text.split(/\s/, 1)[0] ?? 'declare';
    const inv = this.engine.addInvocation({ lang: 'posix', program: name, written: name, args, argSpans: spans, span: this.span(node), depth: this.depth, substitutions: subs });
    return [inv];
  }

  private assignEnv(node: Node, sd: number): { name: string; value: string } | undefined {
    const nameNode = node.childForFieldName('name');
    const valueNode = node.childForFieldName('value');
    const w = valueNode ? this.word(valueNode, sd + 1) : undefined;
    return { name: nameNode?.text ?? '', value: w?.value ?? '' };
  }

  private lookup(name: string, forSlicing = false): { value: string; dynamic: boolean; known: boolean } {
    const v = this.vars.get(name);
    if (v) return { ...v, known: true };
    if (/^[A-Za-z_]/.test(name)) this.engine.envRead.add(name);
    // $HOME reads as ~ (facts stay truthful); ${HOME:0:1} needs a concrete value to slice.
    if (name === 'HOME' && !forSlicing) return { value: '~', dynamic: false, known: true };
    const k = knownVars[name];
    if (k !== undefined) return { value: k, dynamic: false, known: true };
    return { value: DYN, dynamic: true, known: false };
  }

  /** Static value of a word-like node. */
  word(node: Node, sd: number): Word {
    this.engine.tick();
    if (sd > this.engine.limits.maxSyntaxDepth) throw new LimitExceeded(`syntax nested deeper than ${this.engine.limits.maxSyntaxDepth} levels`);
    const res: Word = { value: '', dynamic: false, subs: [], trick: undefined, decoded: false };
    const add = (w: Word): void => {
      res.value += w.value;
      res.dynamic ||= w.dynamic;
      res.subs.push(...w.subs);
      res.trick ??= w.trick;
      res.decoded ||= w.decoded;
    };
    switch (node.type) {
      case 'word':
      case 'number':
      case 'special_variable_name':
        res.value = unescapeWord(node.text);
        return res;
      case 'raw_string':
        res.value = node.text.slice(1, -1);
        return res;
      case 'ansi_c_string': {
        const inner = node.text.slice(2, -1);
        res.value = decodeCEscapes(inner);
        if (/\\(x|[0-7]|u|U)/.test(inner)) res.trick = 'escape';
        return res;
      }
      case 'string':
      case 'translated_string': {
        for (let i = 0; i < node.childCount; i++) {
          const c = node.child(i)!;
          if (!c.isNamed) continue;
          if (c.type === 'string_content') res.value += c.text.replace(/\\([$`"\\\n])/g, (_m, ch: string) => (ch === '\n' ? '' : ch));
          else add(this.word(c, sd + 1));
        }
        return res;
      }
      case 'concatenation': {
        let quoted = false;
        let expansions = 0;
        for (const c of node.namedChildren) {
          if (!c) continue;
          if (c.type === 'raw_string' || c.type === 'string') quoted = true;
          if (c.type === 'simple_expansion' || c.type === 'expansion' || c.type === 'command_substitution') expansions++;
          add(this.word(c, sd + 1));
        }
        if (expansions > 0 && node.namedChildren.length > 1 && (res.trick === 'variable' || res.trick === undefined)) res.trick = 'concat';
        if (quoted && !res.trick) res.trick = 'quotes';
        return res;
      }
      case 'simple_expansion': {
        const n = node.namedChildren[0]?.text ?? node.text.slice(1);
        const v = this.lookup(n);
        res.value = v.value;
        res.dynamic = v.dynamic;
        res.trick = n === 'IFS' ? 'expansion' : 'variable';
        return res;
      }
      case 'expansion':
        return this.expansion(node, sd);
      case 'command_substitution':
        return this.substitution(node, sd);
      case 'process_substitution': {
        res.subs.push(...this.block(node, sd));
        res.value = '/dev/fd/63';
        res.trick = 'substitution';
        return res;
      }
      case 'arithmetic_expansion':
      case 'brace_expression':
      case 'subscript':
      default: {
        for (const c of node.namedChildren) if (c) {
          if (STATEMENT_TYPES.has(c.type)) res.subs.push(...this.stmt(c, sd + 1));
          else res.subs.push(...this.word(c, sd + 1).subs);
        }
        res.value = node.type === 'arithmetic_expansion' ? DYN : unescapeWord(node.text);
        res.dynamic = node.type === 'arithmetic_expansion';
        return res;
      }
    }
  }

  private expansion(node: Node, sd: number): Word {
    const res: Word = { value: DYN, dynamic: true, subs: [], trick: 'variable', decoded: false };
    const inner = node.text.slice(2, -1);
    for (const c of node.namedChildren) if (c && c.type !== 'variable_name') res.subs.push(...this.word(c, sd + 1).subs);
    const simple = /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (simple) {
      const v = this.lookup(simple[1]!);
      res.value = v.value;
      res.dynamic = v.dynamic;
      if (simple[1] === 'IFS') res.trick = 'expansion';
      return res;
    }
    const sub = /^([A-Za-z_][A-Za-z0-9_]*):(-?\d+)(?::(\d+))?$/.exec(inner);
    if (sub) {
      const v = this.lookup(sub[1]!, true);
      res.trick = 'expansion';
      if (!v.dynamic) {
        const from = Number(sub[2]);
        const start = from < 0 ? Math.max(0, v.value.length + from) : from;
        res.value = sub[3] !== undefined ? v.value.substr(start, Number(sub[3])) : v.value.slice(start);
        res.dynamic = false;
      }
      return res;
    }
    const def = /^([A-Za-z_][A-Za-z0-9_]*):?[-=]([^}]*)$/.exec(inner);
    if (def) {
      const v = this.lookup(def[1]!);
      res.value = v.dynamic ? def[2]! : v.value;
      res.dynamic = false;
      return res;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*/.test(inner)) this.lookup(/^[A-Za-z_][A-Za-z0-9_]*/.exec(inner)![0]);
    res.trick = 'expansion';
    return res;
  }

  private substitution(node: Node, sd: number): Word {
    const res: Word = { value: DYN, dynamic: true, subs: [], trick: 'substitution', decoded: false };
    const invs = this.block(node, sd);
    res.subs.push(...invs);
    // A single pure pipeline ($(echo … | base64 -d), $(printf cu)) has a static value.
    const stmts = node.namedChildren.filter((c) => c !== null && c.type !== 'comment');
    if (stmts.length === 1 && (stmts[0]!.type === 'pipeline' || stmts[0]!.type === 'command')) {
      const out = pipelineOutput(invs);
      if (out) {
        res.value = out.value.replace(/\n+$/, '');
        res.dynamic = false;
        res.decoded = out.decoded;
        if (out.decoded) this.engine.event('decoded', this.span(node), `decodes "${clip(res.value)}" at run time`, this.depth);
      }
    }
    return res;
  }
}

