/**
 * PowerShell deobfuscation with an offset map back to the source: en/em dashes and smart quotes
 * as PowerShell's tokenizer reads them (SpecialChars in System.Management.Automation.Language),
 * backtick escapes, and constant folding of string concatenation, `[char]` casts, `-join`, `-f`,
 * `-replace`, `.Replace()` and indexing into well-known automatic variables.
 */

export interface Deobfuscated {
  text: string;
  /** Source index of each char of `text`, plus one trailing entry for the end. */
  idx: number[];
  /** Spans (in source coordinates) where something was folded or unescaped, with what it became. */
  changes: { start: number; end: number; value: string; kind: 'backtick' | 'fold' }[];
}

const DASHES = /[\u2013\u2014\u2015]/;
const SQUOTES = /[\u2018\u2019\u201a\u201b]/;
const DQUOTES = /[\u201c\u201d\u201e]/;
const ESC: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Known values of automatic variables used by obfuscators to spell `iex`. */
const AUTOMATIC: Record<string, string> = {
  '$shellid': 'Microsoft.PowerShell',
  '$env:comspec': 'C:\\WINDOWS\\system32\\cmd.exe',
  '$pshome': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
  '$verbosepreference': 'SilentlyContinue',
  '$env:public': 'C:\\Users\\Public',
};

export function normalizeChar(ch: string): string {
  if (DASHES.test(ch)) return '-';
  if (SQUOTES.test(ch)) return "'";
  if (DQUOTES.test(ch)) return '"';
  return ch;
}

export function deobfuscatePs(src: string, maxChanges = 2000): Deobfuscated {
  const a = unescapePass(src);
  if (!/[+,\]]|-join|-f\b|-replace|replace\(|\$shellid|\$env:comspec|\$pshome|\[char\]/i.test(a.text)) return a;
  return foldPass(a, maxChanges);
}

function unescapePass(src: string): Deobfuscated {
  let text = '';
  const idx: number[] = [];
  const changes: Deobfuscated['changes'] = [];
  let state: 'n' | 's' | 'd' = 'n';
  for (let i = 0; i < src.length; i++) {
    const ch = normalizeChar(src[i]!);
    if (state === 's') {
      if (ch === "'") {
        if (normalizeChar(src[i + 1] ?? '') === "'") { text += "''"; idx.push(i, i + 1); i++; continue; }
        state = 'n';
      }
      text += ch; idx.push(i);
      continue;
    }
    if (ch === '`' && i + 1 < src.length) {
      const nx = normalizeChar(src[i + 1]!);
      if (state === 'd' && (nx === '"' || nx === '$' || nx === '`')) { text += '`' + nx; idx.push(i, i + 1); i++; continue; }
      if (nx === '\n' || nx === '\r') { text += ' '; idx.push(i); if (nx === '\r' && src[i + 2] === '\n') i++; i++; continue; }
      const rep = state === 'd' ? (ESC[nx] ?? nx) : nx;
      if (/[A-Za-z]/.test(nx) && !(state === 'd' && ESC[nx])) changes.push({ start: i, end: i + 2, value: nx, kind: 'backtick' });
      text += rep; idx.push(i + 1); i++;
      continue;
    }
    if (state === 'n' && ch === '$' && /[\s(,=]/.test(src[i - 1] ?? ' ')) {
      // `$env:TEMP\x.exe` as a bare argument: the grammar cannot parse it; "$env:TEMP\x.exe" means the same.
      const m = /^\$[A-Za-z_]\w*(?::\w+)?\\[^\s;|)&,'"`]*/.exec(src.slice(i, i + 400));
      if (m) {
        text += '"' + m[0] + '"';
        idx.push(i);
        for (let k = 0; k < m[0].length; k++) idx.push(i + k);
        idx.push(i + m[0].length - 1);
        i += m[0].length - 1;
        continue;
      }
    }
    if (state === 'n' && ch === ',' && /[A-Za-z0-9_*.]/.test(text[text.length - 1] ?? '')) {
      // `Select-Object Name, Id`: the grammar only parses bareword lists written `Name ,Id`.
      let k = 0;
      while (src[i + 1 + k] === ' ') k++;
      if (k > 0 && /[A-Za-z_*]/.test(src[i + 1 + k] ?? '')) {
        for (let j = 1; j <= k; j++) { text += ' '; idx.push(i + j); }
        text += ','; idx.push(i);
        i += k;
        continue;
      }
    }
    if (state === 'n' && ch === "'") state = 's';
    else if (state === 'n' && ch === '"') state = 'd';
    else if (state === 'd' && ch === '"') {
      if (normalizeChar(src[i + 1] ?? '') === '"') { text += '""'; idx.push(i, i + 1); i++; continue; }
      state = 'n';
    }
    text += ch; idx.push(i);
  }
  idx.push(src.length);
  return { text, idx, changes };
}

type Tok =
  | { t: 'str'; v: string; s: number; e: number; folded: boolean }
  | { t: 'num'; v: number; s: number; e: number }
  | { t: 'list'; v: string[]; s: number; e: number }
  | { t: 'op'; v: string; s: number; e: number }
  | { t: 'other'; s: number; e: number };

const OPS = /^(-join|-f|-replace|-ireplace|-creplace|-split)(?![A-Za-z])/i;

function tokenize(t: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < t.length) {
    const ch = t[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === "'") {
      let j = i + 1;
      let v = '';
      while (j < t.length) {
        if (t[j] === "'" && t[j + 1] === "'") { v += "'"; j += 2; continue; }
        if (t[j] === "'") break;
        v += t[j]; j++;
      }
      out.push({ t: 'str', v, s: i, e: Math.min(j + 1, t.length), folded: false });
      i = j + 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let v = '';
      let dyn = false;
      while (j < t.length) {
        if (t[j] === '`' && j + 1 < t.length) { v += t[j + 1]; j += 2; continue; }
        if (t[j] === '"' && t[j + 1] === '"') { v += '"'; j += 2; continue; }
        if (t[j] === '"') break;
        if (t[j] === '$' && /[A-Za-z_{(:]/.test(t[j + 1] ?? '')) dyn = true;
        v += t[j]; j++;
      }
      out.push(dyn ? { t: 'other', s: i, e: Math.min(j + 1, t.length) } : { t: 'str', v, s: i, e: Math.min(j + 1, t.length), folded: false });
      i = j + 1;
      continue;
    }
    const cast = /^\[(char|char\[\]|string|system\.char|system\.string)\]/i.exec(t.slice(i, i + 20));
    if (cast) { out.push({ t: 'op', v: '[' + cast[1]!.toLowerCase().replace('system.', '') + ']', s: i, e: i + cast[0].length }); i += cast[0].length; continue; }
    if (ch === '-') {
      const m = OPS.exec(t.slice(i, i + 10));
      if (m) { out.push({ t: 'op', v: m[1]!.toLowerCase().replace(/^-[ic]replace/, '-replace'), s: i, e: i + m[0].length }); i += m[0].length; continue; }
    }
    if (ch === '$') {
      const m = /^\$(env:comspec|shellid|pshome|verbosepreference|env:public)(?![A-Za-z0-9_])/i.exec(t.slice(i, i + 24));
      if (m) {
        const v = AUTOMATIC['$' + m[1]!.toLowerCase()]!;
        out.push({ t: 'str', v, s: i, e: i + m[0].length, folded: false });
        i += m[0].length;
        continue;
      }
    }
    if (/[0-9]/.test(ch) && !/[A-Za-z0-9_$.-]/.test(t[i - 1] ?? ' ')) {
      const m = /^(0x[0-9a-f]+|\d+)(?![A-Za-z0-9_.])/i.exec(t.slice(i, i + 20));
      if (m) { out.push({ t: 'num', v: Number(m[1]), s: i, e: i + m[0].length }); i += m[0].length; continue; }
    }
    if ('+(),[].'.includes(ch)) { out.push({ t: 'op', v: ch, s: i, e: i + 1 }); i++; continue; }
    let j = i + 1;
    while (j < t.length && !/[\s'"+(),[\].$-]/.test(t[j]!)) j++;
    out.push({ t: 'other', s: i, e: j });
    i = j;
  }
  return out;
}

function isOp(x: Tok | undefined, v: string): boolean {
  return x !== undefined && x.t === 'op' && x.v === v;
}

function str(v: string, s: number, e: number): Tok {
  return { t: 'str', v, s, e, folded: true };
}

/** One left-to-right folding pass; returns true when something changed. */
function foldOnce(toks: Tok[]): boolean {
  let changed = false;
  for (let i = 0; i < toks.length; i++) {
    const a = toks[i]!;
    const b = toks[i + 1];
    const c = toks[i + 2];
    // [char]105
    if (isOp(a, '[char]') && b?.t === 'num' && b.v > 0 && b.v < 0x110000) { toks.splice(i, 2, str(String.fromCodePoint(b.v), a.s, b.e)); changed = true; continue; }
    // [string]'x'
    if (isOp(a, '[string]') && b?.t === 'str') { toks.splice(i, 2, str(b.v, a.s, b.e)); changed = true; continue; }
    // 'a' + 'b'
    if (a.t === 'str' && isOp(b, '+') && c?.t === 'str' && !isOp(toks[i - 1], '.') && !isOp(toks[i + 3], '[') && !isOp(toks[i + 3], '.')) {
      toks.splice(i, 3, str(a.v + c.v, a.s, c.e)); changed = true; i--; continue;
    }
    // ( 'x' )  or ( list )
    if (isOp(a, '(') && (b?.t === 'str' || b?.t === 'list') && isOp(c, ')') && !(toks[i - 1]?.t === 'other' && toks[i - 1]!.e === a.s)) {
      toks.splice(i, 3, b.t === 'str' ? str(b.v, a.s, c!.e) : { t: 'list', v: b.v, s: a.s, e: c!.e }); changed = true; i = Math.max(-1, i - 2); continue;
    }
    // (105,101,120) or ('a','b')
    if (isOp(a, '(') && (b?.t === 'num' || b?.t === 'str')) {
      const items: (string | number)[] = [];
      let j = i + 1;
      while (j < toks.length) {
        const x = toks[j]!;
        if (x.t === 'num' || x.t === 'str') items.push(x.v);
        else break;
        j++;
        if (isOp(toks[j], ',')) { j++; continue; }
        break;
      }
      if (isOp(toks[j], ')') && items.length > 1 && !(toks[i - 1]?.t === 'other' && toks[i - 1]!.e === a.s)) {
        const list = items.map((x) => (typeof x === 'number' ? String.fromCodePoint(Math.min(Math.max(x, 0), 0x10ffff)) : x));
        const numeric = items.every((x) => typeof x === 'number');
        const prevCast = isOp(toks[i - 1], '[char[]]');
        if (numeric && !prevCast && !isOp(toks[j + 1], '|')) { /* plain numbers: only meaningful after a cast or -join */ }
        toks.splice(i, j - i + 1, { t: 'list', v: numeric ? list : items.map(String), s: a.s, e: toks[j]!.e });
        changed = true;
        continue;
      }
    }
    // [char[]] list
    if (isOp(a, '[char[]]') && b?.t === 'list') { toks.splice(i, 2, { t: 'list', v: b.v, s: a.s, e: b.e }); changed = true; continue; }
    // list -join 'x'
    if (a.t === 'list' && isOp(b, '-join') && c?.t === 'str') { toks.splice(i, 3, str(a.v.join(c.v), a.s, c.e)); changed = true; i--; continue; }
    // -join list
    if (isOp(a, '-join') && b?.t === 'list' && toks[i - 1]?.t !== 'list') { toks.splice(i, 2, str(b.v.join(''), a.s, b.e)); changed = true; continue; }
    // 'x'[1,3] / 'x'[2]
    if (a.t === 'str' && isOp(b, '[') && c?.t === 'num') {
      const nums: number[] = [];
      let j = i + 2;
      while (toks[j]?.t === 'num') {
        nums.push((toks[j] as { v: number }).v);
        j++;
        if (isOp(toks[j], ',')) j++;
        else break;
      }
      if (isOp(toks[j], ']')) {
        const chars = nums.map((n) => a.v[n < 0 ? a.v.length + n : n] ?? '');
        toks.splice(i, j - i + 1, nums.length === 1 ? str(chars[0]!, a.s, toks[j]!.e) : { t: 'list', v: chars, s: a.s, e: toks[j]!.e });
        changed = true; i--; continue;
      }
    }
    // '{1}{0}' -f 'a','b'
    if (a.t === 'str' && isOp(b, '-f') && c?.t === 'str') {
      const args: string[] = [c.v];
      let j = i + 3;
      while (isOp(toks[j], ',') && toks[j + 1]?.t === 'str') { args.push((toks[j + 1] as { v: string }).v); j += 2; }
      const v = a.v.replace(/\{(\d+)(?:,[^}]*)?\}/g, (_m, n: string) => args[Number(n)] ?? '');
      toks.splice(i, j - i, str(v, a.s, toks[j - 1]!.e)); changed = true; i--; continue;
    }
    // 'x' -replace 'a','b'   (literal patterns only)
    if (a.t === 'str' && isOp(b, '-replace') && c?.t === 'str' && isOp(toks[i + 3], ',') && toks[i + 4]?.t === 'str' && !/[\\^$.|?*+()[\]{}]/.test(c.v)) {
      const to = (toks[i + 4] as { v: string }).v;
      const v = c.v === '' ? a.v : a.v.split(new RegExp(c.v.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&'), 'gi')).join(to);
      toks.splice(i, 5, str(v, a.s, toks[i + 4]!.e)); changed = true; i--; continue;
    }
  }
  return changed;
}

function foldPass(a: Deobfuscated, maxChanges: number): Deobfuscated {
  const toks = tokenize(a.text);
  for (let pass = 0; pass < 8 && toks.length < 200000; pass++) if (!foldOnce(toks)) break;
  let text = '';
  const idx: number[] = [];
  const changes = [...a.changes];
  let pos = 0;
  for (const tk of toks) {
    if (tk.t !== 'str' || !tk.folded) continue;
    for (let k = pos; k < tk.s; k++) { text += a.text[k]; idx.push(a.idx[k]!); }
    const lit = `'${tk.v.replace(/'/g, "''")}'`;
    const s0 = a.idx[tk.s]!;
    const e0 = a.idx[tk.e - 1]! + 1;
    for (let k = 0; k < lit.length; k++) { text += lit[k]; idx.push(k === lit.length - 1 ? e0 - 1 : s0); }
    if (changes.length < maxChanges) changes.push({ start: s0, end: e0, value: tk.v, kind: 'fold' });
    pos = tk.e;
  }
  for (let k = pos; k < a.text.length; k++) { text += a.text[k]; idx.push(a.idx[k]!); }
  idx.push(a.idx[a.text.length]!);
  return { text, idx, changes };
}
