import { describe, expect, it } from 'vitest';
import { nodeSupportWarning } from './node-support.js';

describe('nodeSupportWarning', () => {
  it('warns on Node 20 and names the supported lines', () => {
    expect(nodeSupportWarning('20.20.2')).toMatch(/Node\.js 20\.20\.2 is out of support.*22 or 24/);
  });
  it('is silent on the supported lines and later', () => {
    expect(nodeSupportWarning('22.12.0')).toBeUndefined();
    expect(nodeSupportWarning('24.22.3')).toBeUndefined();
    expect(nodeSupportWarning('26.1.0')).toBeUndefined();
  });
});
