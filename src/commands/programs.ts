/** Program classes shared by the unwrapping logic and the rules. */
import type { Invocation, Lang } from './ir.js';

export const POSIX_SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'yash', 'rbash', 'busybox']);
export const PS_HOSTS = new Set(['powershell', 'pwsh', 'powershell_ise']);
export const FETCHERS = new Set([
  'curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'xh', 'lwp-download', 'lwp-request', 'get', 'GET', 'wget2', 'curlie',
  'invoke-webrequest', 'invoke-restmethod', 'start-bitstransfer', 'bitsadmin', 'certutil', 'tftp', 'ftp',
]);
export const NETCAT = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'telnet', 'cryptcat', 'pwncat', 'powercat']);
export const CODE_RUNNERS = new Set([
  ...POSIX_SHELLS, 'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'nodejs', 'php', 'lua', 'bun', 'deno', 'tclsh', 'osascript',
  'powershell', 'pwsh', 'invoke-expression', 'cmd', 'source', '.', 'eval', 'sudo', 'wscript', 'cscript', 'mshta',
]);

export function isPython(p: string): boolean {
  return /^python[0-9.]*$/.test(p) || p === 'pypy' || p === 'pypy3';
}

export function isPosixShell(p: string): boolean {
  return POSIX_SHELLS.has(p);
}

export function isCodeRunner(p: string): boolean {
  return CODE_RUNNERS.has(p) || isPython(p);
}

export function isFetcher(inv: Invocation): boolean {
  if (inv.program === 'certutil') return inv.args.some((a) => /^[-/]urlcache$/i.test(a) || /^[-/]verifyctl$/i.test(a));
  if (inv.program === 'bitsadmin') return inv.args.some((a) => /^\/(transfer|addfile)$/i.test(a));
  if (inv.program === 'get' && inv.lang !== 'posix') return false;
  if ((inv.program === 'http' || inv.program === 'https') && inv.lang !== 'posix') return false;
  return FETCHERS.has(inv.program);
}

/** Interpreter that takes its program from stdin (no script operand, or `-`, `/dev/stdin`, `-s`). */
export function readsCodeFromStdin(inv: Invocation): boolean {
  const p = inv.program;
  if (!isCodeRunner(p) || p === 'eval' || p === 'sudo' || p === 'mshta' || p === 'wscript' || p === 'cscript') return false;
  if (p === 'source' || p === '.') return inv.args.some((a) => a === '/dev/stdin' || a === '-' || a.startsWith('/dev/fd/') || a.startsWith('/proc/self/fd'));
  if (p === 'invoke-expression') return inv.args.length === 0;
  const a = inv.args;
  if (isPosixShell(p)) {
    if (a.some((x) => /^-[a-z]*c[a-z]*$/.test(x))) return false;
    const operands = a.filter((x) => !x.startsWith('-') && !x.startsWith('+'));
    return operands.length === 0 || a.includes('-s') || operands[0] === '/dev/stdin' || operands[0]!.startsWith('/dev/fd/');
  }
  if (PS_HOSTS.has(p)) return a.length === 0 || a.some((x, i) => /^[-/]c(ommand)?$/i.test(x) && a[i + 1] === '-') || a.every((x) => x.startsWith('-') || x.startsWith('/'));
  if (p === 'cmd') return a.length === 0;
  const codeFlags = /^-(c|e|E|r|p|-eval|-print)$/;
  if (a.some((x) => codeFlags.test(x))) return false;
  const operands = a.filter((x) => !x.startsWith('-'));
  return operands.length === 0 || operands[0] === '-' || operands[0] === '/dev/stdin' || operands[0]!.startsWith('/dev/fd/');
}

/** Names used for program identity in facts and rules. */
export function normalizeProgram(lang: Lang, written: string): string {
  let base = written;
  const cut = Math.max(base.lastIndexOf('/'), lang === 'posix' ? -1 : base.lastIndexOf('\\'));
  if (cut >= 0 && cut < base.length - 1) base = base.slice(cut + 1);
  if (lang !== 'posix' || /\.exe$/i.test(base)) {
    base = base.toLowerCase().replace(/\.(exe|com)$/, '');
    if (lang === 'powershell') base = psAliases[base] ?? base;
  }
  return base;
}

/** PowerShell aliases (built-in ones) → cmdlet, lower-case. */
export const psAliases: Record<string, string> = {
  iex: 'invoke-expression', iwr: 'invoke-webrequest', irm: 'invoke-restmethod', saps: 'start-process', start: 'start-process',
  gc: 'get-content', ri: 'remove-item', rm: 'remove-item', rmdir: 'remove-item', del: 'remove-item', erase: 'remove-item', rd: 'remove-item',
  ni: 'new-item', ac: 'add-content', sc: 'set-content', icm: 'invoke-command', ipmo: 'import-module', gcm: 'get-command',
  cpi: 'copy-item', copy: 'copy-item', mi: 'move-item', move: 'move-item', gci: 'get-childitem', ls: 'get-childitem', dir: 'get-childitem',
  ii: 'invoke-item', gwmi: 'get-wmiobject', iwmi: 'invoke-wmimethod', spps: 'stop-process', kill: 'stop-process', sal: 'set-alias',
  nal: 'new-alias', '%': 'foreach-object', foreach: 'foreach-object', '?': 'where-object', where: 'where-object', echo: 'write-output',
  write: 'write-output', sp: 'set-itemproperty', gp: 'get-itemproperty', cat: 'get-content', type: 'get-content', sasv: 'start-service',
  spsv: 'stop-service', 'invoke-webrequest': 'invoke-webrequest', wget: 'invoke-webrequest', curl: 'invoke-webrequest', cd: 'set-location',
  cls: 'clear-host', clhy: 'clear-history', gl: 'get-location', pwd: 'get-location', cp: 'copy-item', mv: 'move-item', r: 'invoke-history',
};
