/**
 * The catalog as the analyzer uses it: validated entries, a name index, and compiled target
 * matchers. Built once (built-in data plus an optional user catalog); immutable afterwards.
 */
import { z } from 'zod';
import { expandCompact } from './compact.js';
import { unixPrograms } from './programs-unix.js';
import { windowsPrograms } from './programs-windows.js';
import { builtinTargets } from './targets.js';
import { catalogFileSchema, type CatalogFile, type Capability, type ProgramEntry, type TargetEntry, type TargetKind, type Unlock } from './schema.js';

export interface CompiledTarget {
  entry: TargetEntry;
  include: RegExp[];
  exclude: RegExp[];
  names: RegExp[];
}

export interface Catalog {
  readonly programs: readonly ProgramEntry[];
  readonly targets: readonly CompiledTarget[];
  /** Capabilities per program name (entries with the same name are merged). */
  lookup(program: string): ReadonlyMap<Capability, readonly Unlock[]> | undefined;
  /** Whether any entry for the name is `use: rare`. */
  isRare(program: string): boolean;
  /** Path targets of the given kinds that `path` (raw, as written) falls under. */
  matchPath(path: string, kinds: readonly TargetKind[]): CompiledTarget | undefined;
  /** Name targets (services, processes) named by `word`. */
  matchName(word: string, kinds: readonly TargetKind[]): CompiledTarget | undefined;
  /** Source ids of the entries for a program, for explanations. */
  sourcesOf(program: string): readonly string[];
}

/** Thrown when a catalog (built-in or the user's) does not validate. */
export class CatalogInvalid extends Error {
  readonly issues: string;
  constructor(where: string, issues: string) {
    super(`${where}: ${issues}`);
    this.issues = issues;
  }
}

/** Glob (`*` one segment, `**` any depth) → anchored, linear regex. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  const g = normalizePath(glob);
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      if (g[i + 2] === '/') { re += '(?:[^\\n]*/)?'; i += 2; } else { re += '[^\\n]*'; i += 1; }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

const HOME_RE = /^(?:~[a-z0-9_.-]*|\$\{?home\}?|%userprofile%|\$env:userprofile|\$\{env:userprofile\}|%homepath%|\$env:homepath|\/home\/[^/]+|\/root|\/users\/[^/]+|[a-z]:\/users\/[^/]+|\/var\/root)(?=\/|$)/;

/** Normalized form of a path or registry key for target matching (see targets.ts). */
export function normalizePath(p: string): string {
  let x = p.trim().toLowerCase().replace(/\\+/g, '/').replace(/^["']+|["']+$/g, '');
  x = x.replace(/^(?:microsoft\.powershell\.core\/)?registry::/, '');
  x = x.replace(/^hkey_local_machine(?=\/|$)|^hklm:/, 'hklm').replace(/^hkey_current_user(?=\/|$)|^hkcu:/, 'hkcu').replace(/^hkey_users\/[^/]+/, 'hkcu');
  x = x.replace(/^(hklm|hkcu)\/+/, '$1/');
  x = x.replace(/^(%appdata%|\$env:appdata)/, '~/appdata/roaming').replace(/^(%localappdata%|\$env:localappdata)/, '~/appdata/local');
  x = x.replace(/^(%systemroot%|%windir%|\$env:systemroot|\$env:windir)/, 'c:/windows').replace(/^(%programdata%|\$env:programdata)/, 'c:/programdata');
  x = x.replace(/^(%systemdrive%|\$env:systemdrive)/, 'c:');
  x = x.replace(HOME_RE, '~');
  x = x.replace(/\/{2,}/g, '/').replace(/\/\.\//g, '/');
  return x;
}

function nameRegExp(name: string): RegExp {
  return new RegExp('^' + name.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9._-]*') + '$');
}

function compileTarget(t: TargetEntry): CompiledTarget {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const p of t.paths ?? []) (p.startsWith('!') ? exclude : include).push(globToRegExp(p.replace(/^!/, '')));
  return { entry: t, include, exclude, names: (t.names ?? []).map(nameRegExp) };
}

function describeIssues(err: z.ZodError): string {
  return err.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Builds a catalog from the built-in data plus `extra` (a parsed user catalog file). @throws CatalogInvalid */
export function buildCatalog(extra?: CatalogFile): Catalog {
  let builtinPrograms: ProgramEntry[];
  try {
    builtinPrograms = [...expandCompact(unixPrograms), ...expandCompact(windowsPrograms)];
  } catch (e) {
    throw new CatalogInvalid('built-in program catalog', (e as Error).message);
  }
  const allPrograms = [...builtinPrograms, ...(extra?.programs ?? [])];
  const allTargets = [...checkTargets(builtinTargets), ...(extra?.targets ?? [])].map(compileTarget);
  const index = new Map<string, Map<Capability, Unlock[]>>();
  const rare = new Set<string>();
  const sources = new Map<string, string[]>();
  for (const p of allPrograms) {
    for (const raw of p.names) {
      const n = raw.toLowerCase();
      let caps = index.get(n);
      if (!caps) index.set(n, (caps = new Map()));
      for (const [cap, unlocks] of Object.entries(p.capabilities) as [Capability, Unlock[]][]) caps.set(cap, [...(caps.get(cap) ?? []), ...unlocks]);
      if (p.use === 'rare') rare.add(n);
      sources.set(n, [...new Set([...(sources.get(n) ?? []), ...p.sources])]);
    }
  }
  const pathCache = new Map<string, CompiledTarget | null>();
  return {
    programs: allPrograms,
    targets: allTargets,
    lookup: (program) => index.get(program.toLowerCase()),
    isRare: (program) => rare.has(program.toLowerCase()),
    sourcesOf: (program) => sources.get(program.toLowerCase()) ?? [],
    matchPath(path, kinds) {
      if (path.length < 2 || path.length > 512) return undefined;
      const key = kinds.join(',') + '\0' + path;
      const hit = pathCache.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const found = matchPathUncached(allTargets, path, kinds);
      if (pathCache.size > 4096) pathCache.clear();
      pathCache.set(key, found ?? null);
      return found;
    },
    matchName(word, kinds) {
      const w = word.toLowerCase().replace(/^["']+|["']+$/g, '').replace(/\.(exe|service|sys)$/, '');
      if (w.length < 2 || w.length > 80) return undefined;
      for (const t of allTargets) {
        if (!kinds.includes(t.entry.kind)) continue;
        if (t.names.some((r) => r.test(w))) return t;
      }
      return undefined;
    },
  };
}

function matchPathUncached(targets: readonly CompiledTarget[], path: string, kinds: readonly TargetKind[]): CompiledTarget | undefined {
  const n = normalizePath(path);
  const candidates = [n];
  // `~/.ssh/*` or `/var/log/*`: the whole directory.
  if (/\/\*$/.test(n)) candidates.push(n.slice(0, -2));
  if (n.endsWith('/')) candidates.push(n.slice(0, -1));
  for (const t of targets) {
    if (!kinds.includes(t.entry.kind) || t.include.length === 0) continue;
    for (const c of candidates) {
      if (t.include.some((r) => r.test(c)) && !t.exclude.some((r) => r.test(c))) return t;
    }
  }
  return undefined;
}

/** Light load-time check of the built-in targets (the full zod check runs in the tests). */
function checkTargets(rows: readonly TargetEntry[]): TargetEntry[] {
  for (const t of rows) {
    if (!/^T\d{4}(\.\d{3})?$/.test(t.technique) || (t.paths?.length ?? 0) + (t.names?.length ?? 0) === 0 || t.sources.length === 0) {
      throw new CatalogInvalid('built-in target catalog', `target ${t.id} needs a technique id, paths or names, and a source`);
    }
  }
  return [...rows];
}

/** The built-in entries, unvalidated, for the tests that run them through the zod schemas. */
export function builtinRaw(): { programs: unknown[]; targets: unknown[] } {
  return { programs: [...expandCompact(unixPrograms), ...expandCompact(windowsPrograms)], targets: [...builtinTargets] };
}

/** Parses and validates a user catalog file's text (JSON). @throws CatalogInvalid with every problem named */
export function parseCatalogFile(text: string, where: string): CatalogFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CatalogInvalid(where, `not valid JSON (${(e as Error).message})`);
  }
  const r = catalogFileSchema.safeParse(raw);
  if (!r.success) throw new CatalogInvalid(where, describeIssues(r.error));
  return r.data;
}

let builtin: Catalog | undefined;

/** The built-in catalog (validated on first use). */
export function builtinCatalog(): Catalog {
  builtin ??= buildCatalog();
  return builtin;
}
