/**
 * A small cmd.exe tokenizer: `^` escapes, double quotes, the separators `&`, `&&`, `||`, `|`,
 * parentheses, and redirections. Enough to find each command and its arguments; `%VAR%`
 * expansions stay literal (substring tricks like `%COMSPEC:~-7,1%` are reported as dynamic).
 */

export interface CmdWord {
  value: string;
  start: number;
  end: number;
}

export interface CmdSegment {
  words: CmdWord[];
  redirects: { op: string; target: string; start: number; end: number }[];
  start: number;
  end: number;
  /** The separator that follows: '|', '&', '&&', '||', '' at the end. */
  next: string;
  /** Raw text of the segment. */
  raw: string;
}

export function tokenizeCmd(text: string): CmdSegment[] {
  const segments: CmdSegment[] = [];
  let words: CmdWord[] = [];
  let redirects: CmdSegment['redirects'] = [];
  let cur = '';
  let curStart = -1;
  let segStart = 0;
  let inQ = false;
  let blocks = 0;
  let pendingRedirect: { op: string; start: number } | undefined;

  const endWord = (end: number): void => {
    if (curStart < 0) return;
    if (pendingRedirect) {
      redirects.push({ op: pendingRedirect.op, target: cur, start: pendingRedirect.start, end });
      pendingRedirect = undefined;
    } else words.push({ value: cur, start: curStart, end });
    cur = '';
    curStart = -1;
  };
  const endSeg = (end: number, next: string): void => {
    endWord(end);
    if (words.length > 0 || redirects.length > 0) segments.push({ words, redirects, start: segStart, end, next, raw: text.slice(segStart, end) });
    words = [];
    redirects = [];
    segStart = end + next.length;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQ) {
      if (ch === '"') inQ = false;
      else cur += ch;
      continue;
    }
    if (ch === '^' && i + 1 < text.length) {
      if (curStart < 0) curStart = i;
      const nx = text[i + 1]!;
      if (nx !== '\n' && nx !== '\r') cur += nx;
      i++;
      continue;
    }
    if (ch === '"') {
      if (curStart < 0) curStart = i;
      inQ = true;
      cur += '';
      continue;
    }
    if (ch === '&' || ch === '|') {
      const two = text[i + 1] === ch;
      const prevDigit = /[0-9]/.test(text[i - 1] ?? '') && text[i - 2] === '>' ? true : false;
      if (ch === '&' && text[i - 1] === '>' ) { cur += ch; if (curStart < 0) curStart = i; continue; }
      if (prevDigit) { cur += ch; continue; }
      endSeg(i, two ? ch + ch : ch);
      if (two) i++;
      continue;
    }
    if (ch === '\n' || ch === '\r') { endSeg(i, ch); continue; }
    if (ch === '(' || ch === ')') {
      // Parentheses are special only as blocks: `(a & b)`, `if exist x (del x)`; `echo a(b)` is text.
      if (ch === '(' && curStart < 0) { blocks++; if (words.length === 0) segStart = i + 1; else endSeg(i, '('); continue; }
      if (ch === ')' && blocks > 0) { blocks--; endSeg(i, ')'); continue; }
      if (curStart < 0) curStart = i;
      cur += ch;
      continue;
    }
    if (ch === '>' || ch === '<') {
      const digit = curStart >= 0 && /^[0-9]$/.test(cur) ? cur : '';
      if (digit) { cur = ''; curStart = -1; }
      else endWord(i);
      let op = digit + ch;
      if (text[i + 1] === '>') { op += '>'; i++; }
      if (text[i + 1] === '&') { op += '&'; i++; }
      pendingRedirect = { op, start: i };
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === ',' || ch === ';' || ch === '=') {
      if (ch === '=' && curStart >= 0) { cur += ch; continue; }
      endWord(i);
      continue;
    }
    if (curStart < 0) curStart = i;
    cur += ch;
  }
  endSeg(text.length, '');
  return segments;
}
