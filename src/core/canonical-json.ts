/**
 * RFC 8785 JSON Canonicalization Scheme (https://www.rfc-editor.org/rfc/rfc8785).
 *
 * - §3.2.2.3: numbers are serialized with the ECMAScript Number-to-String algorithm, which is what
 *   `JSON.stringify` does for finite numbers.
 * - §3.2.2.2: strings use the ECMAScript JSON quoting rules, again `JSON.stringify`.
 * - §3.2.3: object members are sorted by their names as arrays of UTF-16 code units, which is what
 *   the default `Array.prototype.sort` comparison does for strings.
 * Values must be I-JSON: non-finite numbers and `undefined` are refused rather than silently dropped.
 */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalize: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalize(v);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalize: unsupported type ${typeof value}`);
  }
}
