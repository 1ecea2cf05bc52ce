/**
 * The built-in program catalog is written one program family per line, so several hundred entries
 * stay reviewable. Each line expands to a `ProgramEntry` and is then validated by the same zod
 * schema as a user's catalog file.
 *
 *   names | platform | kind | capabilities | sources
 *
 * - names: space-separated; platform: `u` unix, `w` windows, `a` any;
 * - kind: one of programKinds, with a trailing `!` for `use: rare`;
 * - capabilities: space-separated `cap=unlock;unlock`, cap one of
 *   r read-file, w write-file, x exec-or-shell, c connect-out, l listen, d download, u upload,
 *   L load-library, p change-privilege, D delete-file, s stop-service;
 *   unlock: `@` operands, `$` the last operand, `<` all operands but the last, `!` inline code, `*` always, `-a,--b` flags (value is the target),
 *   `?-a,--b` when-flags, `^a,b` subcommands, `~a,b` words;
 * - sources: `G` GTFOBins, `L` LOLBAS, `V` vendor documentation, `M` manual page, `Tnnnn[.nnn]` ATT&CK.
 */
import { programKinds, type Capability, type ProgramEntry, type Unlock } from './schema.js';

const SOURCE_RE = /^(gtfobins|lolbas|vendor-docs|man-page|attack:T\d{4}(\.\d{3})?)$/;
const NAME_RE = /^[a-z0-9][a-z0-9._+()-]{0,79}$/;

const CAP: Record<string, Capability> = {
  r: 'read-file', w: 'write-file', x: 'exec-or-shell', c: 'connect-out', l: 'listen', d: 'download', u: 'upload',
  L: 'load-library', p: 'change-privilege', D: 'delete-file', s: 'stop-service',
};
const SRC: Record<string, string> = { G: 'gtfobins', L: 'lolbas', V: 'vendor-docs', M: 'man-page' };

function unlock(u: string): Unlock {
  if (u === '@') return { operands: true };
  if (u === '$') return { 'last-operand': true };
  if (u === '<') return { 'leading-operands': true };
  if (u === '!') return { code: true };
  if (u === '*') return { always: true };
  const list = (s: string): string[] => s.split(',').filter(Boolean);
  if (u.startsWith('?')) return { 'when-flags': list(u.slice(1)) };
  if (u.startsWith('^')) return { subcommands: list(u.slice(1)) };
  if (u.startsWith('~')) return { words: list(u.slice(1)) };
  return { flags: list(u) };
}

/**
 * Expands compact lines into entries, checking every field as it goes (an error names the line).
 * This is the load-time validation of the built-in data; test/commands/catalog.test.ts also runs
 * the result through the zod schema that user catalog files go through.
 */
export function expandCompact(lines: readonly string[]): ProgramEntry[] {
  const out: ProgramEntry[] = [];
  for (const line of lines) {
    const parts = line.split('|').map((s) => s.trim());
    if (parts.length !== 5) throw new Error(`catalog line needs 5 fields: ${line}`);
    const [names, platform, kindRaw, caps, sources] = parts as [string, string, string, string, string];
    const capabilities: Partial<Record<Capability, Unlock[]>> = {};
    for (const item of caps.split(/\s+/).filter(Boolean)) {
      const eq = item.indexOf('=');
      const cap = CAP[item.slice(0, eq)];
      if (!cap || eq < 0) throw new Error(`catalog line has a bad capability '${item}': ${line}`);
      capabilities[cap] = item.slice(eq + 1).split(';').map(unlock);
    }
    const kind = kindRaw.replace(/!$/, '');
    if (!(programKinds as readonly string[]).includes(kind)) throw new Error(`catalog line has an unknown kind '${kind}': ${line}`);
    if (!/^[uwa]$/.test(platform)) throw new Error(`catalog line has an unknown platform '${platform}': ${line}`);
    const entry: ProgramEntry = {
      names: names.split(/\s+/),
      platform: platform === 'u' ? 'unix' : platform === 'w' ? 'windows' : 'any',
      kind: kind as ProgramEntry['kind'],
      use: kindRaw.endsWith('!') ? 'rare' : 'common',
      capabilities,
      sources: sources.split(/\s+/).map((s) => SRC[s] ?? (s.startsWith('T') ? `attack:${s}` : s)),
    };
    for (const n of entry.names) if (!NAME_RE.test(n)) throw new Error(`catalog line has a bad program name '${n}': ${line}`);
    for (const src of entry.sources) if (!SOURCE_RE.test(src)) throw new Error(`catalog line has an unknown source '${src}': ${line}`);
    if (entry.sources.length === 0) throw new Error(`catalog line names no source: ${line}`);
    out.push(entry);
  }
  return out;
}
