/**
 * Paths reach policy normalized (issue 11): `~` expanded, made absolute against the agent's cwd,
 * `.`/`..` and doubled or trailing slashes collapsed, so `/proj/../../etc/x` is judged as `/etc/x`.
 * Pure string work on POSIX paths; nothing touches the file system (symlinks are the OS's business
 * and are not resolved here). The raw text is kept by the caller for the audit record.
 */
import { posix } from 'node:path';

export type PathResult = { ok: true; path: string } | { ok: false; why: string };

export interface PathBase {
  /** The agent's working directory (absolute), if it told us. */
  cwd?: string | undefined;
  /** The home directory `~` stands for, if known. */
  home?: string | undefined;
}

const WINDOWS_ABS = /^[A-Za-z]:[\\/]/;

export function normalizePath(raw: string, base: PathBase): PathResult {
  if (raw.length === 0) return { ok: false, why: 'the path is empty' };
  if (raw.includes('\0')) return { ok: false, why: 'the path contains a NUL byte' };
  // A Windows path keeps its drive; only separators and dot segments are collapsed.
  if (WINDOWS_ABS.test(raw)) return { ok: true, path: raw.slice(0, 2) + posix.normalize(raw.slice(2).replace(/\\/g, '/')).replace(/(.)\/$/, '$1') };
  let p = raw;
  if (p === '~' || p.startsWith('~/')) {
    if (!base.home || !base.home.startsWith('/')) return { ok: false, why: `cannot expand ~ in "${raw}": the home directory is not known` };
    p = base.home + p.slice(1);
  } else if (p.startsWith('~')) {
    return { ok: false, why: `cannot expand another user's home in "${raw}"` };
  }
  if (!p.startsWith('/')) {
    if (!base.cwd || !base.cwd.startsWith('/')) return { ok: false, why: `relative path "${raw}" and no absolute working directory to resolve it against` };
    p = `${base.cwd}/${p}`;
  }
  const n = posix.normalize(p);
  return { ok: true, path: n.length > 1 ? n.replace(/\/+$/, '') : n };
}

/** `/home/u/.claude/projects/…` → `/home/u`: where an HTTP hook learns the agent's home. */
export function homeFromTranscript(transcriptPath: unknown): string | undefined {
  if (typeof transcriptPath !== 'string') return undefined;
  const m = /^(\/.+?)\/\.(?:claude|codex|gemini|cursor)\//.exec(transcriptPath);
  return m?.[1];
}
