/** Character classes for hidden-text checks (threats §3.3), with escapes for showing them safely. */

export const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
export const BIDI_MARKS = /[\u200E\u200F\u061C]/;
export const ZERO_WIDTH = /[\u200B\u200C\u200D\u2060-\u2064\uFEFF\u00AD\u034F\u180E\u115F\u1160\u3164\uFFA0\u17B4\u17B5]/;
const RTL_LETTER = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
const ASCII_VISIBLE = /[\x21-\x7e]/;

/** False when the text is printable ASCII (plus tab/newline): nothing can hide in it. Most commands. */
export function mayHide(input: string): boolean {
  return /[^\t\n\x20-\x7e]/.test(input);
}

/** Visible form of a string: control and invisible characters as \u{…} escapes. */
export function escapeInvisible(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || BIDI.test(ch) || BIDI_MARKS.test(ch) || ZERO_WIDTH.test(ch) || (cp >= 0xe0000 && cp <= 0xe007f)) out += `\\u{${cp.toString(16).toUpperCase()}}`;
    else out += ch;
  }
  return out;
}

/** Context around an offset, escaped. */
export function around(input: string, i: number): string {
  return escapeInvisible(input.slice(Math.max(0, i - 12), Math.min(input.length, i + 14)));
}

/** True when an invisible char sits between non-ASCII letters of a script that needs it (Arabic, Indic, emoji ZWJ sequences). */
export function legitimateJoiner(input: string, i: number): boolean {
  const ch = input[i]!;
  if (ch === '\uFEFF') return i === 0;
  if (ch !== '\u200C' && ch !== '\u200D') return false;
  const prev = input.codePointAt(i - 1) ?? 0;
  const prevHigh = i >= 2 ? input.codePointAt(i - 2) ?? 0 : 0;
  const next = input.codePointAt(i + 1) ?? 0;
  const isText = (cp: number): boolean => cp > 0x7f && !/[\s]/.test(String.fromCodePoint(cp));
  return (isText(prev) || prevHigh > 0xffff || (prev >= 0xdc00 && prev <= 0xdfff)) && isText(next);
}

export function isRtlContext(input: string, i: number): boolean {
  return RTL_LETTER.test(input[i - 1] ?? '') || RTL_LETTER.test(input[i + 1] ?? '');
}

export function isAsciiVisible(ch: string | undefined): boolean {
  return ch !== undefined && ASCII_VISIBLE.test(ch);
}
