import { describe, expect, it } from 'vitest';
import { tierUpOffByOperator } from './load-grammars.js';

describe('tierUpOffByOperator', () => {
  it('sees tier-up turned off on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(tierUpOffByOperator(['--liftoff-only'], undefined)).toBe(true);
    expect(tierUpOffByOperator(['--liftoff_only'], undefined)).toBe(true);
    expect(tierUpOffByOperator([], '--max-old-space-size=512 --no-wasm-tier-up')).toBe(true);
    expect(tierUpOffByOperator(['--enable-source-maps'], ' --no_wasm_dynamic_tiering ')).toBe(true);
  });
  it('leaves the defaults to come back otherwise', () => {
    expect(tierUpOffByOperator([], undefined)).toBe(false);
    expect(tierUpOffByOperator(['--enable-source-maps', '--wasm-tier-up'], '--max-old-space-size=512')).toBe(false);
    // A flag's name inside another option's value is not the flag.
    expect(tierUpOffByOperator(['--title=--liftoff-only-not'], '')).toBe(false);
  });
});
