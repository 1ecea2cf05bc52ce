/**
 * Scripts run by path (`bash ./deploy.sh`, `python tool.py`, `pwsh -File x.ps1`, `./run.sh`):
 * which operand names the script, in which language it runs, and — when the edge handed its
 * text in (AnalyzeOptions.scripts) — its analysis as nested code. The analyzer reads no files
 * (DESIGN §7); an edge that can see the files reads them and analyzes again with their text.
 */
import { DYN, type Invocation, type Lang, type ScriptCall, type Snippet } from './ir.js';
import { fixedMapper, type WalkEngine } from './engine-api.js';
import { isPosixShell, isPython, PS_HOSTS } from './programs.js';
import { scanSnippet } from './snippets.js';


export type ScriptLang = Lang | Exclude<Snippet['lang'], 'powershell' | 'awk' | 'other'>;

export type { ScriptCall } from './ir.js';

const SCRIPT_EXT = /\.(sh|bash|zsh|ksh|py|pyw|pl|rb|php|js|mjs|cjs|lua|ps1|psm1|bat|cmd)$/i;

const INTERPRETERS: Record<string, Exclude<ScriptLang, Lang>> = {
  perl: 'perl', ruby: 'ruby', node: 'node', nodejs: 'node', php: 'php', lua: 'lua', luajit: 'lua',
};

function snippetLangOf(program: string): Exclude<ScriptLang, Lang> | undefined {
  if (isPython(program)) return 'python';
  return INTERPRETERS[program];
}

/** Language of a script run directly, from its extension (the shebang decides once the text is known). */
function langOfExtension(path: string, fallback: Lang): ScriptLang {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  switch (ext) {
    case 'py': case 'pyw': return 'python';
    case 'pl': return 'perl';
    case 'rb': return 'ruby';
    case 'php': return 'php';
    case 'js': case 'mjs': case 'cjs': return 'node';
    case 'lua': return 'lua';
    case 'ps1': case 'psm1': return 'powershell';
    case 'bat': case 'cmd': return 'cmd';
    case 'sh': case 'bash': case 'zsh': case 'ksh': return 'posix';
    default: return fallback;
  }
}

function langOfShebang(text: string): ScriptLang | undefined {
  const m = /^#!\s*(\S+)(?:\s+(?:-\S+\s+)*(\S+))?/.exec(text);
  if (!m) return undefined;
  const first = m[1]!.slice(m[1]!.lastIndexOf('/') + 1);
  const prog = first === 'env' ? (m[2] ?? '') : first;
  if (isPosixShell(prog)) return 'posix';
  if (PS_HOSTS.has(prog)) return 'powershell';
  return snippetLangOf(prog);
}

/** A path that names a file in or under the working directory or home (not a program looked up on PATH). */
function writtenAsPath(lang: Lang, w: string): boolean {
  if (lang === 'posix') return /^(\.{1,2}\/|~\/|\$\{?HOME\}?\/)/.test(w) || (w.includes('/') && !w.startsWith('/')) || (w.startsWith('/') && SCRIPT_EXT.test(w));
  return /^(\.{1,2}[\\/]|~[\\/])/.test(w) || /\.(ps1|psm1|bat|cmd)$/i.test(w);
}

/** Index of the first operand of a shell or interpreter, skipping its options (and their values). */
function firstOperand(args: readonly string[], valued: RegExp, stop: RegExp): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return i + 1 < args.length ? i + 1 : -1;
    if (stop.test(a)) return -1;
    if (valued.test(a)) { i++; continue; }
    if (a.startsWith('-') || (a.startsWith('+') && a.length > 1)) continue;
    return i;
  }
  return -1;
}

/** The script an invocation runs by path, if any: `{index}` of the argument (-1: the program itself). */
export function scriptOperand(inv: Invocation): { index: number; path: string; lang: ScriptLang } | undefined {
  const p = inv.program;
  const a = inv.args;
  const at = (index: number, lang: ScriptLang): { index: number; path: string; lang: ScriptLang } | undefined => {
    const path = a[index];
    if (path === undefined || path === '' || path === '-' || path.startsWith('/dev/') || path.startsWith('/proc/')) return undefined;
    // `find … -exec sh {} \;`, `xargs sh`: the script is whatever the command finds when it runs.
    if (path === '{}' || path === '{}/') return { index, path: DYN, lang };
    return { index, path, lang };
  };
  if (inv.lang === 'posix' && isPosixShell(p) && p !== 'busybox') {
    const i = firstOperand(a, /^[-+]o$|^[-+]O$|^--(rcfile|init-file)$/, /^-[a-z]*[cs][a-z]*$|^--command$/i);
    return i >= 0 ? at(i, 'posix') : undefined;
  }
  if (inv.lang === 'posix' && (p === 'source' || p === '.')) return at(0, 'posix');
  const snippet = snippetLangOf(p);
  if (snippet) {
    // python -m module, -c code; node -e/-p; perl/ruby -e; php -r: no script file.
    const stop = snippet === 'python' ? /^-[a-zA-Z]*[cm]$/ : snippet === 'node' ? /^(-e|-p|--eval|--print|-r|--require|--import)$/ : /^-[a-zA-Z]*[eEr]/;
    const valued = snippet === 'python' ? /^-[WX]$|^--check-hash-based-pycs$/ : snippet === 'node' ? /^--(loader|experimental-loader|env-file|max-old-space-size|inspect-port|conditions)$/ : /^-[IM]$/;
    const i = firstOperand(a, valued, stop);
    return i >= 0 ? at(i, snippet) : undefined;
  }
  if (PS_HOSTS.has(p)) {
    for (let i = 0; i < a.length; i++) {
      const m = /^[-/\u2013\u2014\u2015]+([A-Za-z]+)(?::(.*))?$/.exec(a[i]!);
      if (!m) return /\.ps1$/i.test(a[i]!) ? at(i, 'powershell') : undefined;
      const name = m[1]!.toLowerCase();
      if (name[0] === 'f' && 'file'.startsWith(name)) return m[2] ? { index: i, path: m[2], lang: 'powershell' } : at(i + 1, 'powershell');
      if (name === 'c' || name === 'e' || name === 'ec' || (name.length >= 3 && ('command'.startsWith(name) || 'encodedcommand'.startsWith(name)))) return undefined;
      if (m[2] === undefined && /^(w|windowstyle|ep|ex|exec\w*|executionpolicy|v|version|wd|workingdirectory|configurationname|settingsfile|inputformat|outputformat|custompipename)$/.test(name)) i++;
    }
    return undefined;
  }
  if (inv.written && !inv.written.includes(DYN) && writtenAsPath(inv.lang, inv.written)) {
    return { index: -1, path: inv.written, lang: langOfExtension(inv.written, inv.lang) };
  }
  return undefined;
}

/**
 * Records the script `inv` runs by path and, when its text was handed in, analyzes it as code
 * that `inv` runs. Findings inside point at where the path is written.
 */
export function followScript(engine: WalkEngine, inv: Invocation): void {
  const s = scriptOperand(inv);
  if (!s) return;
  const span = s.index >= 0 ? (inv.argSpans[s.index] ?? inv.span) : inv.span;
  if (s.path.includes(DYN)) {
    engine.scriptCalls.push({ path: s.path.split(DYN).join('…'), span, status: engine.scripts ? 'unread' : 'unseen', why: 'its path is only known when the command runs', invocation: inv, dynamic: true });
    return;
  }
  const source = engine.scripts?.get(s.path);
  const call: ScriptCall = { path: s.path, span, status: engine.scripts ? 'unread' : 'unseen', invocation: inv };
  engine.scriptCalls.push(call);
  if (!source) return;
  if ('unreadable' in source) {
    call.why = source.unreadable;
    return;
  }
  if ('binary' in source) {
    call.status = 'binary';
    return;
  }
  call.status = 'analyzed';
  if (engine.activeScripts.has(s.path)) return; // a script that runs itself: already being analyzed
  const lang = s.index < 0 ? (langOfShebang(source.text) ?? s.lang) : s.lang;
  engine.activeScripts.add(s.path);
  engine.inScript++;
  try {
    const map = fixedMapper(span);
    if (lang === 'posix' || lang === 'powershell' || lang === 'cmd') {
      const added = engine.analyze(lang, source.text, map, inv.depth + 1, inv, inv.decoded);
      if (inv.root) for (const x of added) x.root = true;
    } else {
      scanSnippet(engine, inv, lang, source.text, map);
    }
  } finally {
    engine.inScript--;
    engine.activeScripts.delete(s.path);
  }
}
