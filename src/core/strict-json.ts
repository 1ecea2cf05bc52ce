import { AirlockError } from './errors.js';

/**
 * A strict JSON parser for request bodies. `JSON.parse` keeps the last of duplicate keys, turns an
 * own `__proto__` key into a prototype on spread, and rounds big integers, each of which can make two
 * different actions hash alike (threats.md §3.1–3.2). This parser refuses all three with distinct
 * codes, bounds depth and sizes, and builds objects with a null prototype.
 */
export interface StrictJsonLimits {
  maxDepth: number;
  maxKeys: number;
  maxItems: number;
  maxStringLength: number;
}

export const defaultJsonLimits: StrictJsonLimits = {
  maxDepth: 64,
  maxKeys: 10_000,
  maxItems: 100_000,
  maxStringLength: 1_048_576,
};

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseStrictJson(text: string, limits: StrictJsonLimits = defaultJsonLimits): unknown {
  const p = new Parser(text, limits);
  p.skipWs();
  if (p.pos >= text.length) throw new AirlockError('ERR_BODY_EMPTY');
  const v = p.value(0, '');
  p.skipWs();
  if (p.pos !== text.length) p.fail('unexpected data after the JSON value');
  return v;
}

class Parser {
  pos = 0;
  readonly s: string;
  readonly limits: StrictJsonLimits;
  constructor(s: string, limits: StrictJsonLimits) {
    this.s = s;
    this.limits = limits;
  }

  fail(msg: string): never {
    throw new AirlockError('ERR_JSON_MALFORMED', `invalid JSON at offset ${this.pos}: ${msg}`, { offset: this.pos });
  }

  skipWs(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(depth: number, path: string): unknown {
    if (depth > this.limits.maxDepth) {
      throw new AirlockError('ERR_JSON_TOO_DEEP', `JSON nesting exceeds ${this.limits.maxDepth} levels`, { path });
    }
    this.skipWs();
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object(depth, path);
      case '[':
        return this.array(depth, path);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(path);
        return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return v;
  }

  object(depth: number, path: string): Record<string, unknown> {
    this.pos++; // {
    const out: Record<string, unknown> = Object.create(null);
    const seen = new Set<string>();
    this.skipWs();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.s[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      const keyPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) {
        throw new AirlockError('ERR_JSON_FORBIDDEN_KEY', `key "${key}" is not accepted`, { path: keyPath });
      }
      if (seen.has(key)) {
        throw new AirlockError('ERR_JSON_DUPLICATE_KEY', `duplicate key "${key}"`, { path: keyPath });
      }
      seen.add(key);
      if (seen.size > this.limits.maxKeys) {
        throw new AirlockError('ERR_JSON_TOO_LARGE', `object has more than ${this.limits.maxKeys} keys`, { path });
      }
      this.skipWs();
      if (this.s[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      out[key] = this.value(depth + 1, keyPath);
      this.skipWs();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "}"');
    }
  }

  array(depth: number, path: string): unknown[] {
    this.pos++; // [
    const out: unknown[] = [];
    this.skipWs();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (out.length >= this.limits.maxItems) {
        throw new AirlockError('ERR_JSON_TOO_LARGE', `array has more than ${this.limits.maxItems} items`, { path });
      }
      out.push(this.value(depth + 1, `${path}/${out.length}`));
      this.skipWs();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "]"');
    }
  }

  string(): string {
    const s = this.s;
    const start = ++this.pos; // opening quote
    // Fast path: no escapes.
    let i = start;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return this.checkLen(s.slice(start, i));
      }
      if (c === 0x5c) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
    }
    let out = s.slice(start, i);
    this.pos = i;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return this.checkLen(out);
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        out += s[this.pos++];
        continue;
      }
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos -= 2;
          this.fail('bad escape');
      }
      if (out.length > this.limits.maxStringLength) this.checkLen(out);
    }
    return this.fail('unterminated string');
  }

  checkLen(v: string): string {
    if (v.length > this.limits.maxStringLength) {
      throw new AirlockError('ERR_JSON_TOO_LARGE', `string longer than ${this.limits.maxStringLength} characters`);
    }
    if (!v.isWellFormed()) {
      throw new AirlockError('ERR_JSON_MALFORMED', 'string contains a lone surrogate (not I-JSON, RFC 7493 §2.1)');
    }
    return v;
  }

  number(path: string): number {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) this.fail('bad number');
    this.pos += r[0].length;
    const n = Number(r[0]);
    // Two different literals that round to one double would hash alike (threats.md §3.2).
    if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) {
      throw new AirlockError('ERR_JSON_UNSAFE_INTEGER', `number ${r[0]} is outside the exactly representable range`, { path });
    }
    if (!survivesRoundTrip(r[0], n)) {
      throw new AirlockError('ERR_JSON_UNSAFE_INTEGER', `number ${r[0]} has more digits than a double keeps (it would be read as ${String(n)})`, { path });
    }
    return n;
  }
}

/** A short integer literal (at most 15 digits) is always exact: the common case skips the decimal comparison. */
const SHORT_INTEGER = /^-?[0-9]{1,15}$/;

/**
 * Does the literal denote exactly the decimal that the double `n` prints as (its shortest
 * round-trip form)? If not, the literal carries digits the double lost — more than 17 significant
 * digits, `0.10000000000000001` (read as 0.1), `1e-400` (read as 0) — and a second literal would
 * parse to the same value, so both are refused like unsafe integers.
 */
export function survivesRoundTrip(literal: string, n: number): boolean {
  if (SHORT_INTEGER.test(literal)) return true;
  const a = decimalOf(literal);
  const b = decimalOf(String(n));
  return a !== undefined && b !== undefined && a.digits === b.digits && a.exp === b.exp && a.negative === b.negative;
}

/** `value = (negative ? -1 : 1) × digits × 10^exp`, digits without leading or trailing zeros ("" for zero). */
function decimalOf(text: string): { negative: boolean; digits: string; exp: number } | undefined {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let digits = (m[2]! + frac).replace(/^0+/, '');
  let exp = Number(m[4] ?? '0') - frac.length;
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  // Zero has no sign and no exponent worth comparing (-0 and 0e5 are 0).
  if (digits.length === 0) return { negative: false, digits: '', exp: 0 };
  return { negative: m[1] === '-', digits, exp };
}
