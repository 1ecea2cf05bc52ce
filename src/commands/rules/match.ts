/** Shared predicates for rules: URLs, hosts, sensitive paths, what a command reads and writes. */
import { DYN, type Invocation } from '../ir.js';
import { isFetcher } from '../programs.js';

const URL_RE = /\b(?:https?|ftps?|tftp|smb|file):\/\/[^\s'"<>`|;)(\]]+/gi;
const URLISH_RE = /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\/\S*$|^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:\/\S*)?$/i;

export function urlsIn(text: string): string[] {
  return [...text.matchAll(URL_RE)].map((m) => m[0].replace(/[.,]+$/, ''));
}

const urlCache = new WeakMap<Invocation, { args: string[]; urls: string[] }>();

/** URLs among an invocation's arguments (also scheme-less `host/path` for fetchers); cached per argument list. */
export function invocationUrls(inv: Invocation): string[] {
  const hit = urlCache.get(inv);
  if (hit && hit.args === inv.args) return hit.urls;
  const urls = computeUrls(inv);
  urlCache.set(inv, { args: inv.args, urls });
  return urls;
}

function computeUrls(inv: Invocation): string[] {
  const out: string[] = [];
  for (const a of inv.args) {
    const u = urlsIn(a);
    if (u.length > 0) out.push(...u);
    else if (isFetcher(inv) && !a.startsWith('-') && URLISH_RE.test(a)) out.push('http://' + a);
  }
  return out;
}

export function hostOf(url: string): string | undefined {
  const m = /^[a-z0-9+.-]+:\/\/(?:[^@/?#\s]*@)?(\[[^\]]+\]|[^:/?#\s]+)/i.exec(url);
  return m?.[1]?.toLowerCase();
}

export function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^0x[0-9a-f]+$/i.test(host) || /^\d{8,10}$/.test(host) || host.startsWith('[');
}

export function isPrivateHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.local') || host.endsWith('.internal') && !host.startsWith('metadata') || host.endsWith('.svc') || host.endsWith('.cluster.local')) return true;
  if (host === '[::1]') return true;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 0;
}

export function isPublicIp(host: string): boolean {
  return isIp(host) && !isPrivateHost(host) && !host.startsWith('169.254.');
}

/** Temporary, hidden or world-writable places where dropped payloads go. */
export function isStagingPath(p: string): boolean {
  return /^(\/tmp|\/var\/tmp|\/dev\/shm|\/run\/user|\/private\/tmp)(\/|$)|%temp%|\$env:temp|\$env:tmp|\\temp\\|\\appdata\\|%appdata%|\$env:appdata|\\users\\public|%public%|\$env:public|\\programdata|%programdata%|\\windows\\tasks|(^|\/)\.[^/.\\][^/\\]*$/i.test(p);
}

export function basename(p: string): string {
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return cut >= 0 ? p.slice(cut + 1) : p;
}

/** Files a fetcher writes (-o, -O, --output, -OutFile, certutil/bitsadmin destination, wget default name). */
export function fetchOutputs(inv: Invocation): string[] {
  const a = inv.args;
  const out: string[] = [];
  const p = inv.program;
  if (p === 'curl') {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '-o' || a[i] === '--output') out.push(a[i + 1] ?? '');
      else if (/^-[a-zA-Z]*o$/.test(a[i]!) && !a[i]!.startsWith('--')) out.push(a[i + 1] ?? '');
      else if (a[i] === '-O' || a[i] === '--remote-name' || /^-[a-zA-Z]*O[a-zA-Z]*$/.test(a[i]!)) out.push(...invocationUrls(inv).map((u) => basename(u.split('?')[0]!)));
    }
  } else if (p === 'wget' || p === 'wget2') {
    let explicit = false;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '-O' || a[i] === '--output-document') { explicit = true; if (a[i + 1] !== '-') out.push(a[i + 1] ?? ''); }
      else if (a[i]!.startsWith('--output-document=')) { explicit = true; out.push(a[i]!.slice(18)); }
      else if (a[i] === '-P' || a[i] === '--directory-prefix') out.push(...invocationUrls(inv).map((u) => `${a[i + 1] ?? '.'}/${basename(u.split('?')[0]!)}`)), (explicit = true);
      else if (/^-[a-zA-Z]*O$/.test(a[i]!)) { explicit = true; if (a[i + 1] !== '-') out.push(a[i + 1] ?? ''); }
    }
    if (!explicit && !a.includes('-qO-') && !a.includes('-O-')) out.push(...invocationUrls(inv).map((u) => basename(u.split('?')[0]!)).filter(Boolean));
  } else if (p === 'invoke-webrequest' || p === 'invoke-restmethod' || p === 'start-bitstransfer') {
    for (let i = 0; i < a.length; i++) if (/^-(outfile|o|destination|d)$/i.test(a[i]!)) out.push(a[i + 1] ?? '');
    if (p === 'start-bitstransfer') { const pos = a.filter((x) => !x.startsWith('-')); if (pos[1]) out.push(pos[1]); }
  } else if (p === 'certutil' || p === 'bitsadmin') {
    const pos = a.filter((x) => !x.startsWith('-') && !x.startsWith('/'));
    if (pos.length >= 2) out.push(pos[pos.length - 1]!);
  } else if (p === 'tftp') {
    for (let i = 0; i < a.length; i++) if (a[i] === '-r' || a[i] === '-l') out.push(a[i + 1] ?? '');
  } else if (p === 'aria2c') {
    for (let i = 0; i < a.length; i++) if (a[i] === '-o' || a[i] === '--out') out.push(a[i + 1] ?? '');
  }
  return out.filter((x) => x && !x.includes(DYN));
}

/** Everything an invocation gets as input: pipeline predecessors, substitutions, wrapper parents. */
export function feeders(inv: Invocation): Invocation[] {
  const out = [...inv.upstream, ...inv.substitutions];
  for (const s of inv.substitutions) out.push(...s.upstream, ...s.substitutions);
  for (let p = inv.parent; p; p = p.parent) out.push(...p.upstream, ...p.substitutions);
  return out;
}

/** Sensitive credential stores. `strong` ones deny on read. */
const STRONG_SECRETS: RegExp[] = [
  /(^|[/\\~])\.ssh[/\\](id_[a-z0-9_]+|identity)(?!\.pub)\b/i,
  /(^|[/\\~])\.ssh[/\\]?\*?$/i,
  /(^|[/\\])\.aws[/\\](credentials|config)\b/i,
  /(^|[/\\])\.config[/\\]gcloud[/\\](credentials\.db|access_tokens\.db|legacy_credentials|application_default_credentials\.json)/i,
  /(^|[/\\])\.azure[/\\](accessTokens\.json|msal_token_cache|azureProfile\.json)/i,
  /^\/etc\/(shadow|gshadow|master\.passwd)(-|$)/,
  /(^|[/\\])\.(git-credentials|netrc|pgpass|my\.cnf)$/i,
  /Login Data|[/\\]Cookies$|cookies\.sqlite|key[34]\.db|logins\.json|Local State|\.keychain(-db)?\b|wallet\.dat|\.password-store|\.gnupg[/\\](private-keys|secring)/i,
  /^\/proc\/(\d+|self|\*)\/(environ|mem|maps)$/,
  /(^|[/\\])(sam|security|system)(\.save|\.hiv)?$/i,
  /ntds\.dit|\\config\\(sam|security|system)\b|unattend\.xml|sysprep\.inf|groups\.xml|\\microsoft\\credentials|\\microsoft\\protect|sitemanager\.xml|\\\.vault|web\.config|winscp\.ini|\.kdbx$/i,
  /(^|[/\\])(\.bash_history|\.zsh_history|\.mysql_history|\.psql_history)$/,
  /consolehost_history\.txt/i,
  /(^|[/\\~])\.gnupg[/\\]?$|lsass[^/\\]*\.(dmp|dump)$|[/\\]lsass\b/i,
  /[/\\]etc[/\\]kubernetes[/\\](admin\.conf|pki)|\/var\/run\/secrets\/kubernetes\.io|\/var\/lib\/kubelet\/pki/i,
  /\.vault-token$|\.terraform\.d[/\\]credentials|\.docker[/\\]config\.json$|\.npmrc$|\.pypirc$|\.kube[/\\]config$/i,
];

export function isSecretPath(p: string): boolean {
  if (p.length > 512 || p.startsWith('-')) return false;
  return STRONG_SECRETS.some((r) => r.test(p));
}

/** Programs that copy or print file contents (reading a secret with them exposes it). */
export const CONTENT_READERS = new Set([
  'cat', 'tac', 'less', 'more', 'head', 'tail', 'base64', 'base32', 'xxd', 'od', 'hexdump', 'strings', 'cp', 'scp', 'rsync', 'tar', 'zip',
  '7z', 'gzip', 'bzip2', 'xz', 'nc', 'ncat', 'curl', 'wget', 'python', 'python3', 'dd', 'sed', 'awk', 'grep', 'sqlite3', 'openssl', 'gpg',
  'get-content', 'copy-item', 'compress-archive', 'type', 'copy', 'xcopy', 'robocopy', 'findstr', 'more', 'esentutl', 'reg', 'vim', 'vi',
  'nano', 'view', 'bat', 'mv', 'ln', 'sort', 'uniq', 'cut', 'jq', 'certutil', 'select-string', 'send-mailmessage', 'invoke-webrequest',
  'invoke-restmethod', 'cmd', 'mail', 'sendmail', 'mutt', 'ftp', 'tftp', 'socat', 'gzip', 'pv', 'split',
]);

/** A path is a whole home directory, a filesystem root or a top-level system directory. */
export function isCriticalTree(p: string): boolean {
  const x = p.replace(/\\/g, '/').replace(/\/+$/, '').replace(/\/\*$/, '').replace(/\/\.$/, '');
  if (x === '' || x === '/' || x === '~' || x === '*' && p.startsWith('/') || x === '/home/user' || x === '$HOME' || x === '/*') return true;
  if (/^\/(bin|boot|dev|etc|home|lib|lib32|lib64|opt|proc|root|sbin|srv|sys|usr|var|System|Library|Applications|Users|Volumes|private)$/.test(x)) return true;
  if (/^\/(usr|var|etc)\/(bin|lib|sbin|share|local|log|lib64)?$/.test(x) && x.split('/').length <= 3) return true;
  if (/^\/(home|Users)\/[^/]+$/.test(x)) return true;
  if (/^[a-z]:$|^[a-z]:\/(windows|users|program files( \(x86\))?|programdata|windows\/system32)$/i.test(x)) return true;
  if (/^(\$env:(userprofile|systemroot|windir|systemdrive|homedrive)|%(userprofile|systemroot|windir|systemdrive|homedrive)%|\$home|~\/\*?)$/i.test(x)) return true;
  return false;
}

export function flagSet(args: readonly string[]): Set<string> {
  const s = new Set<string>();
  for (const a of args) {
    if (a.startsWith('--')) s.add(a);
    else if (/^-[A-Za-z]+$/.test(a)) for (const ch of a.slice(1)) s.add('-' + ch);
  }
  return s;
}

const lowerCache = new WeakMap<string[], string>();

/** The arguments joined and lower-cased (cached per argument list; many rules ask). */
export function lowerArgs(inv: Invocation): string {
  let s = lowerCache.get(inv.args);
  if (s === undefined) {
    s = inv.args.join(' ').toLowerCase();
    lowerCache.set(inv.args, s);
  }
  return s;
}

const DYN_RE = new RegExp(DYN, 'gu');

export function display(inv: Invocation, max = 80): string {
  const t = [inv.written, ...inv.args].join(' ').replace(DYN_RE, '…');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}
