/**
 * Resolves wrappers (sudo, env, nohup, xargs…) to the program that really runs, and follows
 * nested code: `bash -c`, stdin scripts, `eval`, `powershell -EncodedCommand`, `cmd /c`,
 * `find -exec`, `Start-Process`, `python -c`…
 */
import { DYN, type Invocation } from './ir.js';
import { fixedMapper, type WalkEngine, type SpanMapper } from './engine-api.js';
import { isPosixShell, isPython, PS_HOSTS, readsCodeFromStdin } from './programs.js';
import { scanSnippet } from './snippets.js';
import { resolveProgram } from './wrappers.js';
import { expandPowerShellHost } from './powershell/host.js';
import { argMapper, nested, stdinMapper } from './nesting.js';

export { resolveProgram, type Resolved } from './wrappers.js';

/** A mapper for nested code found in argument `i` of `inv`. */
function snippetLang(p: string): 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'lua' | 'awk' | 'other' | undefined {
  if (isPython(p)) return 'python';
  if (p === 'perl') return 'perl';
  if (p === 'ruby' || p === 'irb') return 'ruby';
  if (p === 'node' || p === 'nodejs' || p === 'bun' || p === 'deno') return 'node';
  if (p === 'php') return 'php';
  if (p === 'lua' || p === 'luajit') return 'lua';
  if (p === 'awk' || p === 'gawk' || p === 'mawk' || p === 'nawk') return 'awk';
  if (p === 'osascript' || p === 'tclsh' || p === 'Rscript' || p === 'jjs') return 'other';
  return undefined;
}

export function expandInvocation(engine: WalkEngine, inv: Invocation, _map: SpanMapper): void {
  if (inv.wrappers.includes('xargs') && inv.stdinText !== undefined && inv.args[inv.args.length - 1] === DYN) {
    // `echo a b | xargs cmd`: the words on stdin become the arguments.
    const words = inv.stdinText.split(/\s+/).filter(Boolean).slice(0, 256);
    const span = inv.argSpans[inv.argSpans.length - 1] ?? inv.span;
    inv.args = [...inv.args.slice(0, -1), ...words];
    inv.argSpans = [...inv.argSpans.slice(0, -1), ...words.map(() => span)];
  }
  const p = inv.program;
  const a = inv.args;
  if (isPosixShell(p) || p === 'su' || p === 'wsl' || p === 'script') {
    const ci = a.findIndex((x) => (p === 'su' || p === 'script' ? x === '-c' || x === '--command' : /^-[a-z]*c[a-z]*$/.test(x) || x === '--command'));
    if (p === 'wsl') {
      const ei = a.findIndex((x) => x === '-e' || x === '--exec' || x === '--');
      const rest = ei >= 0 ? a.slice(ei + 1) : a.filter((x) => !x.startsWith('-'));
      if (rest.length > 0) nested(engine, inv, 'posix', rest.join(' '), fixedMapper(inv.span));
      return;
    }
    if (ci >= 0 && a[ci + 1] !== undefined) {
      const code = a[ci + 1]!;
      nested(engine, inv, 'posix', code, argMapper(engine, inv, ci + 1, code), inv.argsDecoded);
      return;
    }
    if (readsCodeFromStdin(inv) && inv.stdinText !== undefined) nested(engine, inv, 'posix', inv.stdinText, stdinMapper(engine, inv), inv.stdinDecoded);
    return;
  }
  if (p === 'eval') {
    const code = a.join(' ');
    if (code.trim()) nested(engine, inv, 'posix', code, a.length === 1 ? argMapper(engine, inv, 0, code) : fixedMapper(inv.span), inv.argsDecoded);
    return;
  }
  if (p === 'alias' && inv.lang === 'posix') {
    for (let i = 0; i < a.length; i++) {
      const m = /^[^=]+=(.*)$/s.exec(a[i]!);
      if (m?.[1]) nested(engine, inv, 'posix', m[1], fixedMapper(inv.argSpans[i] ?? inv.span));
    }
    return;
  }
  if (PS_HOSTS.has(p)) return expandPowerShellHost(engine, inv);
  if (p === 'cmd') {
    const ci = a.findIndex((x) => /^\/[ckr]$/i.test(x) || /^\/[ckr]\s/i.test(x));
    if (ci >= 0) {
      const first = a[ci]!.length > 2 ? a[ci]!.slice(3) : '';
      const code = [first, ...a.slice(ci + 1)].filter(Boolean).join(' ');
      if (code) nested(engine, inv, 'cmd', code, a.length === ci + 2 ? argMapper(engine, inv, ci + 1, code) : fixedMapper(inv.span));
    } else if (inv.stdinText !== undefined) nested(engine, inv, 'cmd', inv.stdinText, stdinMapper(engine, inv));
    return;
  }
  if (p === 'invoke-expression') {
    const code = a.filter((x) => !/^-command$/i.test(x)).join(' ');
    if (code.trim()) nested(engine, inv, 'powershell', code, a.length === 1 ? argMapper(engine, inv, 0, code) : fixedMapper(inv.span));
    else if (inv.stdinText !== undefined) nested(engine, inv, 'powershell', inv.stdinText, stdinMapper(engine, inv), inv.stdinDecoded);
    return;
  }
  if (p === 'start-process') {
    let file = '';
    let list = '';
    const pos: string[] = [];
    let verbRunAs = false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!.toLowerCase();
      if (/^-(filepath|fi|file|path)/.test(x)) file = a[++i] ?? '';
      else if (/^-(argumentlist|args|arg|a)$/.test(x) || x.startsWith('-argumentl')) list = a[++i] ?? '';
      else if (x === '-verb') verbRunAs = /runas/i.test(a[++i] ?? '');
      else if (/^-(windowstyle|workingdirectory|redirectstandard\w*|credential)$/.test(x)) i++;
      else if (!x.startsWith('-')) pos.push(a[i]!);
    }
    file ||= pos[0] ?? '';
    list ||= pos.slice(1).join(' ');
    if (verbRunAs) inv.root = true;
    if (file) {
      const q = /\s/.test(file) ? `"${file}"` : file;
      nested(engine, inv, 'cmd', `${q} ${list.replace(/',\s*'/g, ' ').replace(/^'|'$/g, '')}`.trim(), fixedMapper(inv.span));
      if (verbRunAs) for (const x of engine.invocations) if (x.parent === inv) x.root = true;
    }
    return;
  }
  if (p === 'runas' && inv.lang !== 'posix') {
    const code = a.filter((x) => !x.startsWith('/')).join(' ');
    inv.root = true;
    if (code) nested(engine, inv, 'cmd', code, fixedMapper(inv.span));
    return;
  }
  if (p === 'nsenter' && inv.lang === 'posix') {
    let i = 0;
    while (i < a.length && a[i]!.startsWith('-') && a[i] !== '--') i += /^-[tSGwr]$|^--(target|setuid|setgid|wd|root)$/.test(a[i]!) ? 2 : 1;
    if (a[i] === '--') i++;
    if (i < a.length) nested(engine, inv, 'posix', a.slice(i).map(shellQuote).join(' '), fixedMapper(inv.span));
    return;
  }
  if ((p === 'vim' || p === 'vi' || p === 'nvim' || p === 'ex' || p === 'view') && inv.lang === 'posix') {
    // `vim -c ':!sh'` runs a shell command.
    for (let i = 0; i < a.length; i++) {
      const m = a[i] === '-c' || a[i] === '--cmd' ? /^:?!(.+)$/s.exec(a[i + 1] ?? '') : /^\+:?!(.+)$/s.exec(a[i]!);
      if (m) nested(engine, inv, 'posix', m[1]!, fixedMapper(inv.argSpans[i] ?? inv.span));
    }
    return;
  }
  if (p === 'find') {
    for (let i = 0; i < a.length; i++) {
      if (!/^-(exec|execdir|ok|okdir)$/.test(a[i]!)) continue;
      let j = i + 1;
      while (j < a.length && a[j] !== ';' && a[j] !== '+' && a[j] !== '\\;') j++;
      const sub = a.slice(i + 1, j);
      if (sub.length > 0) {
        const r = resolveProgram('posix', sub[0]!, sub.slice(1), inv.argSpans.slice(i + 2, j));
        const child = engine.addInvocation({
          lang: 'posix', program: r.program, written: r.written, args: r.args, argSpans: r.argSpans, span: inv.span, depth: inv.depth,
          root: inv.root || r.root, wrappers: ['find', ...r.wrappers], parent: inv, decoded: inv.decoded,
        });
        engine.expand(child, fixedMapper(inv.span));
      }
      i = j;
    }
    return;
  }
  if ((p === 'schtasks' || p === 'reg' || p === 'sc' || p === 'wmic' || p === 'at' || p === 'forfiles') && inv.lang !== 'posix') {
    const flag = p === 'schtasks' ? /^\/tr$/i : p === 'reg' ? /^\/d$/i : p === 'sc' ? /^binpath=$/i : p === 'forfiles' ? /^\/c$/i : /^create$/i;
    const i = a.findIndex((x) => flag.test(x));
    const code = i >= 0 ? a[i + 1] : undefined;
    if (code && /\.(exe|bat|cmd|ps1|vbs|js|hta|dll)\b|powershell|cmd|mshta|rundll32|regsvr32|wscript|cscript/i.test(code)) nested(engine, inv, 'cmd', code, argMapper(engine, inv, i + 1, code));
    return;
  }
  if (p === 'ssh' && inv.lang === 'posix') {
    const sshValued = /^-[bcDEeFIiJLlmOoPpQRSWw]$/;
    let i = 0;
    while (i < a.length && a[i]!.startsWith('-')) i += sshValued.test(a[i]!) ? 2 : 1;
    const rest = a.slice(i + 1);
    if (rest.length > 0) nested(engine, inv, 'posix', rest.join(' '), rest.length === 1 ? argMapper(engine, inv, i + 1, rest[0]!) : fixedMapper(inv.span));
    return;
  }
  if ((p === 'docker' || p === 'podman' || p === 'kubectl') && inv.lang === 'posix') {
    const dd = a.indexOf('--');
    if (p === 'kubectl' && a[0] === 'exec' && dd >= 0 && dd + 1 < a.length) {
      nested(engine, inv, 'posix', a.slice(dd + 1).map(shellQuote).join(' '), fixedMapper(inv.span));
    } else if (p !== 'kubectl' && a[0] === 'exec') {
      let i = 1;
      while (i < a.length && a[i]!.startsWith('-')) i += /^-(e|u|w|-env|-user|-workdir)$/.test(a[i]!) ? 2 : 1;
      const rest = a.slice(i + 1);
      if (rest.length > 0) nested(engine, inv, 'posix', rest.map(shellQuote).join(' '), fixedMapper(inv.span));
    }
    return;
  }
  if ((p === 'sqlite3' || p === 'mysql' || p === 'mariadb' || p === 'psql') && inv.lang === 'posix') {
    // Database shells run shell commands given to `.shell`, `.system`, `\!` or `system`.
    for (let i = 0; i < a.length; i++) {
      const m = /^\s*(?:\.shell|\.system|\\!|system)\s+([\s\S]+)$/.exec(a[i]!);
      if (m) nested(engine, inv, 'posix', m[1]!, fixedMapper(inv.argSpans[i] ?? inv.span));
    }
    return;
  }
  const lang = snippetLang(p);
  if (lang) {
    const flag = lang === 'python' ? /^-c$/ : lang === 'node' ? /^(-e|-p|--eval|--print|eval)$/ : lang === 'php' ? /^-r$/ : lang === 'awk' ? /^$/ : /^-[eE]$|^-[a-zA-Z]*e$/;
    let code: string | undefined;
    let idx = -1;
    if (lang === 'awk') {
      let i = 0;
      while (i < a.length && a[i]!.startsWith('-')) i += /^-[vfF]$/.test(a[i]!) ? 2 : 1;
      idx = i;
      code = a[i];
    } else {
      idx = a.findIndex((x) => flag.test(x));
      code = idx >= 0 ? a[idx + 1] : undefined;
      if (code !== undefined) idx += 1;
      if (code === undefined && (lang === 'perl' || lang === 'ruby' || lang === 'node' || lang === 'php')) {
        // `ruby -e'code'` and `perl -e'code'`: the code is glued to the flag.
        let glued = a.findIndex((x) => /^-[eE]\S/.test(x));
        if (glued < 0 && lang === 'php') glued = a.findIndex((x) => /^-r\S/.test(x));
        if (glued >= 0) {
          idx = glued;
          code = a[glued]!.slice(2);
        }
      }
      if (code === undefined && lang === 'python') {
        const m = a.findIndex((x) => x === '-m');
        if (m >= 0) code = undefined;
      }
    }
    if (code !== undefined) {
      scanSnippet(engine, inv, lang, code, argMapper(engine, inv, idx, code));
    } else if (readsCodeFromStdin(inv) && inv.stdinText !== undefined) {
      scanSnippet(engine, inv, lang, inv.stdinText, stdinMapper(engine, inv));
    }
    return;
  }
  if (inv.lang === 'posix' && (p === 'echo' || p === 'printf') && inv.stdinText === undefined) expandWrittenScript(engine, inv);
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `echo '* * * * * curl x|sh' >> /etc/crontab`: the text lands in a file that runs later; analyze it. */
function expandWrittenScript(engine: WalkEngine, inv: Invocation): void {
  const targets = [...inv.redirects.filter((r) => r.op.includes('>')).map((r) => r.target), ...inv.downstream.filter((d) => d.program === 'tee' || d.program === 'crontab').flatMap((d) => (d.program === 'crontab' ? ['crontab'] : d.args))];
  if (!targets.some((t) => /cron|\.bashrc|\.zshrc|\.profile|\.bash_profile|\.bash_login|\/etc\/profile|rc\.local|\.config\/autostart|systemd|init\.d|\.desktop$|\.sh$/.test(t))) return;
  const text = inv.args.filter((x) => !/^-[neE]+$/.test(x)).join(' ');
  if (text.includes(DYN) || !text.trim()) return;
  // What is written runs later, not now: its dynamic parts are not this command's uncertainty.
  engine.quietDynamic++;
  try {
    expandLines(engine, inv, text, targets);
  } finally {
    engine.quietDynamic--;
  }
}

function expandLines(engine: WalkEngine, inv: Invocation, text: string, targets: string[]): void {
  for (const line of text.split('\n')) {
    const cron = /^\s*(@\w+|(\S+\s+){5})(\S+\s+)?(.*)$/.exec(line);
    const isCron = targets.some((t) => /cron/.test(t));
    let code = isCron && cron ? cron[4]! : line;
    if (isCron && cron && /^(root|[a-z_][a-z0-9_-]*)$/.test(cron[3]?.trim() ?? '') && /crontab|cron\.d/.test(targets.join(' '))) code = cron[4]!;
    code = code.replace(/^ExecStart(Pre|Post)?=/, '').replace(/^Exec=/, '');
    if (code.trim()) nested(engine, inv, 'posix', code, fixedMapper(inv.span));
  }
}

