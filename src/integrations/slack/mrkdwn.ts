/**
 * Text safety for Slack messages. Everything a bot, an agent or a chat user controls goes through
 * here before it is put into a message an approver reads:
 *
 * - Slack mrkdwn control characters: "&", "<" and ">" must be escaped as `&amp;`, `&lt;`, `&gt;`
 *   (https://docs.slack.dev/messaging/formatting-message-text#escaping), so no one can inject a
 *   link (`<https://evil|docs>`), a mention (`<@U…>`, `<!channel>`) or a date token.
 * - Anything outside printable ASCII (controls, bidi overrides, zero-width characters, homoglyphs
 *   such as Cyrillic "а") is shown as `\u{…}`: an approver sees exactly which code points are there
 *   (threats.md §3.3).
 */

/** True when the text holds a character outside printable ASCII (tab and newline allowed). */
export function hasNonAscii(s: string): boolean {
  return /[^\x20-\x7e\n\t]/.test(s);
}

/** Non-printable-ASCII code points as `\u{hex}`; newline and tab kept. */
export function escapeNonAscii(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += (cp >= 0x20 && cp <= 0x7e) || ch === '\n' || ch === '\t' ? ch : `\\u{${cp.toString(16)}}`;
  }
  return out;
}

/** Escapes the three mrkdwn control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (code points), saying how much was left out. */
export function clip(s: string, max: number): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  const more = cps.length - max;
  return `${cps.slice(0, max).join('')}... (${more} more characters)`;
}

/** User-controlled text for a mrkdwn field: clipped, non-ASCII shown escaped, mrkdwn escaped. */
export function safe(s: string, max = 500): string {
  return escapeMrkdwn(escapeNonAscii(clip(s, max)));
}

/** User-controlled text inside an inline code span: as {@link safe}, and no backtick can close the span. */
export function code(s: string, max = 300): string {
  const t = safe(s, max).replace(/`/g, '\\u{60}').replace(/\n/g, ' ');
  return `\`${t.length > 0 ? t : ' '}\``;
}

/** For `plain_text` objects (no mrkdwn parsing): clipped and non-ASCII shown escaped. */
export function plain(s: string, max = 150): string {
  const t = escapeNonAscii(s);
  return [...t].length <= max ? t : `${[...t].slice(0, max - 3).join('')}...`;
}

/**
 * `Airlock::Bot::"deploy-bot"` → `Bot deploy-bot` (raw, to be passed through {@link safe}).
 * Anything that is not a uid text is returned as it is.
 */
export function uidLabel(uid: string): string {
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)::"((?:[^"\\]|\\.)*)"$/.exec(uid);
  return m ? `${m[1]} ${m[2]!.replace(/\\(.)/g, '$1')}` : uid;
}

/** Slack ids we put into `<#C…>` / `<@U…>` tokens or links: only their documented alphabet. */
export const SLACK_ID_RE = /^[A-Z0-9]{2,32}$/;
export const SLACK_TS_RE = /^\d{1,12}\.\d{1,8}$/;
