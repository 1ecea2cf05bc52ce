/**
 * The edge half of "scripts run by path" (issue 17): the analyzer names the scripts a command
 * runs (facts.scripts) and reads no files itself (DESIGN §7); here, where the command will run,
 * each script is read — bounded in size and number — and the command is analyzed again with the
 * scripts' text, until no new script turns up.
 */
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Analyzer, CommandAnalysis, ScriptSource, Shell } from '../commands/types.js';

/** Largest script read, in bytes (the analyzer's nested-text limit is 65,536 characters). */
export const SCRIPT_READ_LIMIT = 64 * 1024;
/** Most scripts read for one command (scripts that run scripts included). */
export const SCRIPT_COUNT_LIMIT = 16;
/** Rounds of analyze → read new scripts → analyze. */
const MAX_ROUNDS = 4;

export interface ScriptBase {
  /** The directory the command runs in. */
  cwd: string;
  /** The home directory `~` stands for. */
  home?: string | undefined;
}

/** Where a script path as written points, or why it cannot be known before the command runs. */
export function resolveScriptPath(written: string, shell: Shell, base: ScriptBase): { path: string } | { why: string } {
  let p = written;
  if (shell === 'powershell' || shell === 'cmd') {
    if (process.platform !== 'win32') p = p.replace(/\\/g, '/');
    p = p.replace(/^(%userprofile%|\$env:userprofile|\$home)(?=[\\/])/i, '~');
  } else {
    p = p.replace(/^(\$HOME|\$\{HOME\})(?=\/)/, '~');
  }
  if (/^~(?=[\\/]|$)/.test(p)) {
    if (!base.home) return { why: 'the home directory is not known' };
    p = base.home + p.slice(1);
  }
  if (/[$%`]|^~/.test(p)) return { why: 'the path is only known when the command runs' };
  return { path: isAbsolute(p) ? p : resolve(base.cwd, p) };
}

/** Reads one script: its text, `binary` for a compiled program, or why not (in words, no error text). */
export async function readScript(path: string): Promise<ScriptSource> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { unreadable: code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'it cannot be opened' };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { unreadable: 'not a regular file' };
    if (st.size > SCRIPT_READ_LIMIT) return { unreadable: `larger than ${SCRIPT_READ_LIMIT / 1024} KiB` };
    const buf = Buffer.alloc(SCRIPT_READ_LIMIT + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > SCRIPT_READ_LIMIT) return { unreadable: `larger than ${SCRIPT_READ_LIMIT / 1024} KiB` };
    const bytes = buf.subarray(0, bytesRead);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le') }; // PowerShell's "Unicode"
    // A NUL byte in the head: a compiled program (ELF, PE, Mach-O), not a script.
    if (bytes.subarray(0, 1024).includes(0)) return { binary: true };
    return { text: bytes.toString('utf8').replace(/^\uFEFF/, '') };
  } catch {
    return { unreadable: 'it cannot be read' };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Analyzes `text` with the scripts it runs by path read from `base` (and the scripts those run,
 * up to SCRIPT_COUNT_LIMIT). A script that cannot be read is a `script_unread` finding (ask).
 */
export async function analyzeWithScripts(analyzer: Analyzer, text: string, shell: Shell, base: ScriptBase): Promise<CommandAnalysis> {
  const scripts = new Map<string, ScriptSource>();
  // An empty map already means "the edge looks": a script path known only at run time asks.
  let analysis = analyzer.analyze(text, { shell, scripts });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fresh = analysis.facts.scripts.filter((p) => !scripts.has(p));
    if (fresh.length === 0) break;
    for (const written of fresh) {
      if (scripts.size >= SCRIPT_COUNT_LIMIT) {
        scripts.set(written, { unreadable: `more than ${SCRIPT_COUNT_LIMIT} scripts` });
        continue;
      }
      const where = resolveScriptPath(written, shell, base);
      scripts.set(written, 'why' in where ? { unreadable: where.why } : await readScript(where.path));
    }
    analysis = analyzer.analyze(text, { shell, scripts });
  }
  return analysis;
}
