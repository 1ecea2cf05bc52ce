/**
 * The files a Codex `apply_patch` touches. The patch text names them on header lines
 * (`*** Add File: p`, `*** Update File: p`, `*** Delete File: p`, and `*** Move to: p` after an
 * Update); every one of them is a target that policy must allow. A patch that names none is not
 * a patch we understand: the caller denies it (target_missing) rather than guess.
 */
export interface PatchTarget {
  op: 'add' | 'update' | 'delete' | 'move';
  path: string;
}

const HEADER = /^\*\*\* (Add File|Update File|Delete File|Move to):\s*(.*?)\s*$/;
const OPS: Record<string, PatchTarget['op']> = { 'Add File': 'add', 'Update File': 'update', 'Delete File': 'delete', 'Move to': 'move' };

export function patchTargets(text: string): PatchTarget[] {
  const out: PatchTarget[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = HEADER.exec(line);
    if (m && m[2]) out.push({ op: OPS[m[1]!]!, path: m[2] });
  }
  return out;
}

/** A heredoc-style invocation (`apply_patch <<'EOF' … EOF`) or the bare patch text. */
export function looksLikePatch(text: string): boolean {
  return /^\s*(?:apply_patch\b[^\n]*\n)?\*\*\* Begin Patch/m.test(text);
}
