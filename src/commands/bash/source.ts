/** Source-level helpers for the bash front end: line continuations, error nodes, word escapes. */
import type { Node } from 'web-tree-sitter';

/** Values for well-known variables, so `${HOME:0:1}` and `$HOME/.ssh` resolve. */
export const knownVars: Record<string, string> = {
  HOME: '/home/user',
  PWD: '/home/user',
  SHELL: '/bin/bash',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  IFS: ' ',
  TMPDIR: '/tmp',
};

/**
 * Removes backslash-newline line continuations outside single quotes, as bash does before it splits
 * words (`cu\⏎rl` runs curl). Returns the text and the source index of each of its chars.
 */
export function joinContinuations(src: string): { text: string; idx: number[] } | undefined {
  if (!src.includes('\\\n') && !src.includes('\\\r\n')) return undefined;
  let text = '';
  const idx: number[] = [];
  let single = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "'" && !single) single = true;
    else if (ch === "'" && single) single = false;
    else if (ch === '\\' && !single) {
      if (src[i + 1] === '\n') { i += 1; continue; }
      if (src[i + 1] === '\r' && src[i + 2] === '\n') { i += 2; continue; }
      text += ch + (src[i + 1] ?? '');
      idx.push(i, i + 1);
      i++;
      continue;
    }
    text += ch;
    idx.push(i);
  }
  idx.push(src.length);
  return { text, idx };
}

export function firstError(n: Node): Node | undefined {
  const stack: Node[] = [n];
  let guard = 0;
  while (stack.length > 0 && guard++ < 100000) {
    const cur = stack.pop()!;
    if (cur.isError || cur.isMissing) return cur;
    if (!cur.hasError) continue;
    for (let i = cur.childCount - 1; i >= 0; i--) stack.push(cur.child(i)!);
  }
  return undefined;
}

export function unescapeWord(t: string): string {
  if (!t.includes('\\')) return t;
  return t.replace(/\\(\n|.)/g, (_m, ch: string) => (ch === '\n' ? '' : ch));
}

export function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}
