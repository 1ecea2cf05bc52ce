/**
 * Resolves wrappers (sudo, env, nohup, timeout, xargs, start, conhost…) to the program that
 * really runs, keeping the argument spans aligned.
 */
import { DYN, type Lang } from './ir.js';
import type { Span } from './types.js';
import { normalizeProgram } from './programs.js';

export interface Resolved {
  program: string;
  written: string;
  args: string[];
  argSpans: Span[];
  wrappers: string[];
  root: boolean;
  /** Assignments given to env/sudo (`sudo EDITOR='tee -a' visudo`). */
  env: Record<string, string>;
}

/** Options that take a value, per wrapper. */
const valued: Record<string, RegExp> = {
  sudo: /^-[ugphCDrtUTR]$|^--(user|group|host|prompt|chdir|role|type|other-user|close-from|command-timeout)$/,
  doas: /^-[uC]$/,
  env: /^-[uCS]$|^--(unset|chdir|split-string)$/,
  nice: /^-n$|^--adjustment$/,
  ionice: /^-[cnp]$/,
  timeout: /^-[sk]$|^--(signal|kill-after)$/,
  stdbuf: /^-[ioe]$/,
  taskset: /^-c$/,
  xargs: /^-[IinPdLEsa]$|^--(max-args|max-procs|delimiter|replace|arg-file|max-lines|eof)$/,
  exec: /^-a$/,
  proxychains: /^-f$/,
  proxychains4: /^-f$/,
  flock: /^-[wEn]$/,
  strace: /^-[opesEuS]$/,
  ltrace: /^-[opesEuS]$/,
  nsenter: /^-[tSGwr]$|^--(target|setuid|setgid|wd|root)$/,
  'systemd-run': /^-[pEu]$|^--(unit|property|setenv|uid|gid|working-directory|description|slice|on-calendar)$/,
  runuser: /^-[ugl]$/,
  chroot: /^--(userspec|groups)$/,
  watch: /^-[n]$|^--(interval)$/,
  sshpass: /^-[pfde]$/,
};

const ROOT = new Set(['sudo', 'doas', 'pkexec', 'run0', 'gsudo', 'su', 'runuser']);
const SIMPLE = new Set([
  'nohup', 'time', 'builtin', 'setsid', 'caffeinate', 'torsocks', 'unbuffer', 'chronic', 'tsocks', 'catchsegv', 'nice', 'ionice',
  'stdbuf', 'timeout', 'taskset', 'exec', 'xargs', 'proxychains', 'proxychains4', 'flock', 'strace', 'ltrace', 'sudo', 'doas', 'pkexec',
  'run0', 'gsudo', 'env', 'busybox', 'unshare', 'systemd-run', 'runuser', 'chroot', 'sg', 'firejail', 'command', 'watch',
  'dbus-launch', 'xvfb-run', 'sshpass', 'chpst', 'faketime', 'ltrace', 'valgrind', 'call',
]);

export function resolveProgram(lang: Lang, written: string, args: string[], argSpans: Span[]): Resolved {
  let w = written;
  let a = args;
  let s = argSpans;
  const wrappers: string[] = [];
  const env: Record<string, string> = {};
  let root = false;
  for (let guard = 0; guard < 8; guard++) {
    const prog = normalizeProgram(lang, w);
    if (lang === 'cmd' && prog === 'start') {
      let i = 0;
      if (a[i] !== undefined && a[i] === '') i++;
      while (i < a.length && /^\//.test(a[i]!)) i++;
      if (i >= a.length) break;
      wrappers.push('start');
      w = a[i]!;
      s = s.slice(i + 1);
      a = a.slice(i + 1);
      continue;
    }
    if (prog === 'conhost' && a.length > 0) {
      // `conhost.exe --headless powershell …` hides the window of the program it starts.
      let i = 0;
      while (i < a.length && a[i]!.startsWith('--')) i += /^--(width|height)$/.test(a[i]!) ? 2 : 1;
      if (i >= a.length) break;
      wrappers.push('conhost');
      w = a[i]!;
      s = s.slice(i + 1);
      a = a.slice(i + 1);
      continue;
    }
    if (!SIMPLE.has(prog) || lang === 'powershell') break;
    if (prog === 'command' && a.some((x) => x === '-v' || x === '-V')) break;
    let i = 0;
    const takesValue = valued[prog];
    while (i < a.length) {
      const x = a[i]!;
      if (x === '--') { i++; break; }
      if ((prog === 'env' || prog === 'sudo' || prog === 'doas') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(x)) {
        const eq = x.indexOf('=');
        env[x.slice(0, eq)] = x.slice(eq + 1);
        i++;
        continue;
      }
      if ((prog === 'timeout' || prog === 'chroot' || prog === 'flock' || prog === 'sg' || prog === 'chrt') && !x.startsWith('-')) {
        i++; // the duration, new root, lock file or group
        break;
      }
      if (prog === 'taskset' && !x.startsWith('-') && /^(0x)?[0-9a-f,-]+$/i.test(x)) { i++; break; }
      if (prog === 'nice' && /^-\d+$/.test(x)) { i++; continue; }
      if (!x.startsWith('-') || x === '-') break;
      if (prog === 'flock' && (x === '-c' || x === '--command')) break;
      i++;
      if (takesValue?.test(x)) i++;
    }
    if (prog === 'env' && a.slice(0, i).some((x) => x === '-S' || x === '--split-string')) {
      const idx = a.findIndex((x) => x === '-S' || x === '--split-string');
      const parts = (a[idx + 1] ?? '').split(/\s+/).filter(Boolean);
      a = [...parts, ...a.slice(idx + 2)];
      s = [...parts.map(() => s[idx + 1] ?? s[0]!), ...s.slice(idx + 2)];
      i = 0;
    }
    if (ROOT.has(prog)) root = true;
    if (i >= a.length) {
      if (prog === 'xargs') {
        wrappers.push(prog);
        w = 'echo';
        a = [];
        s = [];
      }
      break;
    }
    wrappers.push(prog);
    w = a[i]!;
    s = s.slice(i + 1);
    a = a.slice(i + 1);
    if (prog === 'xargs' && !args.some((x) => /^-[Ii]|^--replace/.test(x))) {
      a = [...a, DYN];
      s = [...s, s[s.length - 1] ?? { start: 0, end: 0 }];
    }
  }
  return { program: normalizeProgram(lang, w), written: w, args: a, argSpans: s, wrappers, root, env };
}

