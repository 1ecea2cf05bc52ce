import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/core/canonical-json.js';

// Vectors from RFC 8785 (JSON Canonicalization Scheme).
describe('RFC 8785 canonical JSON', () => {
  it('https://www.rfc-editor.org/rfc/rfc8785#section-3.2.2 - serialization of primitives', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('https://www.rfc-editor.org/rfc/rfc8785#section-3.2.3 - sorting of object properties by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the order from the text: Object.keys would put the integer-like key "1" first.
    const out = canonicalize(input);
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => out.indexOf(JSON.stringify(k) + ':'));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('https://www.rfc-editor.org/rfc/rfc8785#appendix-B - number serialization samples', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [9007199254740992, '9007199254740992'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [123456789012345680000, '123456789012345680000'],
      [295147905179352830000, '295147905179352830000'],
    ];
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s);
  });

  it('refuses values that are not I-JSON rather than dropping them', () => {
    expect(() => canonicalize(NaN)).toThrow();
    expect(() => canonicalize(Infinity)).toThrow();
    expect(() => canonicalize(() => 1)).toThrow();
    expect(() => canonicalize(1n)).toThrow();
  });

  it('nests objects and arrays and ignores whitespace and key order of the input', () => {
    const a = JSON.parse('{ "b" : [ 1 , { "z": 1, "a": 2 } ], "a": "x" }');
    const b = JSON.parse('{"a":"x","b":[1,{"a":2,"z":1}]}');
    expect(canonicalize(a)).toBe(canonicalize(b));
    expect(canonicalize(a)).toBe('{"a":"x","b":[1,{"a":2,"z":1}]}');
  });
});
