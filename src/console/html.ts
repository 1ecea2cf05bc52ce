/**
 * HTML text built from templates where every interpolated value is escaped unless it is itself
 * `Html` (built the same way). The console renders pages only through this, so text from a request,
 * a registry or an IdP can never become markup or script (no inline script exists to inject into).
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function part(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(part).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Joins fragments (each escaped unless already Html). */
export function join(items: readonly unknown[], sep = ''): Html {
  return new Html(items.map(part).join(escapeHtml(sep)));
}
