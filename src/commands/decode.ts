/** Offline decoders for obfuscated payloads. All linear; none allocate more than their input allows. */

const B64 = /^[A-Za-z0-9+/=_-]+$/;

/** Decodes standard or URL-safe base64 (whitespace ignored); undefined when it is not base64. */
export function decodeBase64Bytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean.length < 4 || !B64.test(clean)) return undefined;
  const std = clean.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Buffer.from(std, 'base64');
  if (bytes.length === 0) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Share of bytes that are printable ASCII, tab or newline. */
export function printableRatio(text: string): number {
  if (text.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || c >= 0xa0) ok++;
  }
  return ok / text.length;
}

export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

export function utf16le(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf16le');
}

/** Base64 → text, guessing UTF-16LE (PowerShell) or UTF-8; undefined when the result is not text. */
export function decodeBase64Text(text: string, prefer: 'utf16le' | 'utf8' = 'utf8'): string | undefined {
  const bytes = decodeBase64Bytes(text);
  if (!bytes) return undefined;
  const zeros = countOddZeros(bytes);
  const looks16 = bytes.length >= 2 && zeros >= bytes.length / 4;
  const first = prefer === 'utf16le' || looks16 ? utf16le(bytes) : utf8(bytes);
  if (printableRatio(first) >= 0.9) return stripBom(first);
  const second = first === utf8(bytes) ? utf16le(bytes) : utf8(bytes);
  if (printableRatio(second) >= 0.9) return stripBom(second);
  return undefined;
}

function countOddZeros(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 1; i < bytes.length; i += 2) if (bytes[i] === 0) n++;
  return n;
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Hex digits (optionally separated by spaces, `\x`, `0x` or `,`) → text. */
export function decodeHex(text: string): string | undefined {
  const clean = text.replace(/\\x|0x|[\s,:]/gi, '');
  if (clean.length < 2 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return undefined;
  return Buffer.from(clean, 'hex').toString('utf8');
}

/** Bash `$'…'` and `echo -e`/`printf` escapes: \xHH, \NNN (octal), \uHHHH, \n, \t, \e… */
export function decodeCEscapes(text: string, octalNeedsZero = false): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\' || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const n = text[i + 1]!;
    i++;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'e': case 'E': out += '\x1b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3));
        if (m) { out += String.fromCharCode(parseInt(m[0], 16)); i += m[0].length; } else out += '\\x';
        break;
      }
      case 'u': case 'U': {
        const m = /^[0-9a-fA-F]{1,8}/.exec(text.slice(i + 1, i + (n === 'u' ? 5 : 9)));
        if (m) { const cp = parseInt(m[0], 16); out += cp <= 0x10ffff ? String.fromCodePoint(cp) : ''; i += m[0].length; } else out += '\\' + n;
        break;
      }
      default: {
        const oct = /^[0-7]{1,3}/.exec(text.slice(i, i + (octalNeedsZero && n === '0' ? 4 : 3)));
        if (oct && (!octalNeedsZero || n === '0')) {
          out += String.fromCharCode(parseInt(oct[0], 8) & 0xff);
          i += oct[0].length - 1;
        } else out += '\\' + n;
      }
    }
  }
  return out;
}

/** `tr SET1 SET2` with a–z style ranges. */
export function trTranslate(input: string, set1: string, set2: string): string | undefined {
  const a = expandTrSet(set1);
  const b = expandTrSet(set2);
  if (!a || !b || b.length === 0) return undefined;
  const table = new Map<string, string>();
  for (let i = 0; i < a.length; i++) table.set(a[i]!, b[Math.min(i, b.length - 1)]!);
  let out = '';
  for (const ch of input) out += table.get(ch) ?? ch;
  return out;
}

function expandTrSet(set: string): string[] | undefined {
  const out: string[] = [];
  const s = decodeCEscapes(set);
  for (let i = 0; i < s.length; i++) {
    if (s[i + 1] === '-' && i + 2 < s.length) {
      const from = s.charCodeAt(i);
      const to = s.charCodeAt(i + 2);
      if (to < from || to - from > 256) return undefined;
      for (let c = from; c <= to; c++) out.push(String.fromCharCode(c));
      i += 2;
    } else out.push(s[i]!);
    if (out.length > 1024) return undefined;
  }
  return out;
}

/** Minimal `printf FORMAT ARGS…`: %s, %b, %c, %d and escapes in the format. */
export function printfFormat(format: string, args: string[]): string {
  let out = '';
  let ai = 0;
  const f = decodeCEscapes(format);
  for (let i = 0; i < f.length; i++) {
    const ch = f[i]!;
    if (ch === '%' && i + 1 < f.length) {
      const spec = f[i + 1]!;
      i++;
      if (spec === '%') out += '%';
      else if (spec === 's' || spec === 'd') out += args[ai++] ?? '';
      else if (spec === 'b') out += decodeCEscapes(args[ai++] ?? '', true);
      else if (spec === 'c') out += (args[ai++] ?? '').slice(0, 1);
      else out += '%' + spec;
    } else out += ch;
  }
  return out;
}
