import { describe, expect, it } from 'vitest';
import { parseStrictJson } from './strict-json.js';

function code(text: string): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('strict JSON parser', () => {
  it('parses what JSON.parse parses, into null-prototype objects', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\"",{"b":{}}],"c":""}';
    const v = parseStrictJson(text) as Record<string, unknown>;
    expect(JSON.stringify(v)).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.getPrototypeOf(v)).toBeNull();
  });

  it('rejects duplicate keys at any depth (ERR_JSON_DUPLICATE_KEY)', () => {
    expect(code('{"cmd":"ls","cmd":"rm -rf /"}')).toBe('ERR_JSON_DUPLICATE_KEY');
    expect(code('{"a":{"x":1,"x":1}}')).toBe('ERR_JSON_DUPLICATE_KEY');
    // Escaped spelling of the same key is the same key.
    expect(code('{"a":1,"\\u0061":2}')).toBe('ERR_JSON_DUPLICATE_KEY');
  });

  it('rejects prototype keys at any depth (ERR_JSON_FORBIDDEN_KEY)', () => {
    expect(code('{"__proto__":{"admin":true}}')).toBe('ERR_JSON_FORBIDDEN_KEY');
    expect(code('{"a":[{"constructor":{"prototype":{}}}]}')).toBe('ERR_JSON_FORBIDDEN_KEY');
    expect(code('{"x":{"prototype":1}}')).toBe('ERR_JSON_FORBIDDEN_KEY');
    expect(code('{"\\u005f_proto__":1}')).toBe('ERR_JSON_FORBIDDEN_KEY');
  });

  it('rejects integers outside the safe range and non-finite numbers (ERR_JSON_UNSAFE_INTEGER)', () => {
    expect(code('{"amount":9007199254740993}')).toBe('ERR_JSON_UNSAFE_INTEGER');
    expect(code('{"amount":9007199254740992}')).toBe('ERR_JSON_UNSAFE_INTEGER');
    expect(code('{"amount":-9007199254740993}')).toBe('ERR_JSON_UNSAFE_INTEGER');
    expect(code('{"ttl":1e309}')).toBe('ERR_JSON_UNSAFE_INTEGER');
    expect(code('{"amount":9007199254740991}')).toBeUndefined();
    expect(code('{"amount":1.5}')).toBeUndefined();
  });

  it('rejects numbers that would lose precision, like unsafe integers (more than 17 significant digits)', () => {
    for (const lossy of ['1.00000000000000000001', '123456789.123456789123', '0.10000000000000001', '0.29999999999999999', '1e-400', '-2.2250738585072011e-308', '12345678901234567.8']) {
      expect(code(`{"amount":${lossy}}`), lossy).toBe('ERR_JSON_UNSAFE_INTEGER');
    }
    for (const exact of ['0.1', '0.30000000000000004', '1.0', '1e2', '100e-2', '-0', '0.000', '5e-324', '1.5e-300', '123.456', '-12.5E-3', '12345678901234567e-5']) {
      expect(code(`{"amount":${exact}}`), exact).toBeUndefined();
    }
  });

  it('rejects malformed JSON (ERR_JSON_MALFORMED)', () => {
    for (const bad of ['{', '{"a":1,}', '[1,]', 'NaN', '{"a":NaN}', "{'a':1}", '{"a":1}//', '/*c*/{}', '\ufeff{}', '{"a":"\u0000"}', '"\\x"', '01', '{"a" 1}', 'tru', '"\\ud800"', '{}{}']) {
      expect(code(bad), bad).toBe('ERR_JSON_MALFORMED');
    }
    expect(code('')).toBe('ERR_BODY_EMPTY');
    expect(code('   ')).toBe('ERR_BODY_EMPTY');
  });

  it('bounds depth without overflowing the stack (ERR_JSON_TOO_DEEP)', () => {
    expect(code('['.repeat(10_000) + ']'.repeat(10_000))).toBe('ERR_JSON_TOO_DEEP');
    expect(code('{"a":'.repeat(65) + '1' + '}'.repeat(65))).toBe('ERR_JSON_TOO_DEEP');
    expect(code('{"a":'.repeat(60) + '1' + '}'.repeat(60))).toBeUndefined();
  });

  it('bounds sizes (ERR_JSON_TOO_LARGE)', () => {
    const many = '{' + Array.from({ length: 10_001 }, (_, i) => `"k${i}":1`).join(',') + '}';
    expect(code(many)).toBe('ERR_JSON_TOO_LARGE');
  });

  it('names the JSON pointer of the offending key', () => {
    try {
      parseStrictJson('{"context":{"args":[{"x":1,"x":2}]}}');
      expect.unreachable();
    } catch (e) {
      expect((e as { details: { path: string } }).details.path).toBe('/context/args/0/x');
    }
  });
});
