import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';

// Issue 13: every option is documented with its environment variable (docs/operations.md), in
// both directions, so the table cannot drift from the schema.
const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const table = doc.slice(doc.indexOf('<!-- config-table:start -->'), doc.indexOf('<!-- config-table:end -->'));
const rows = [...table.matchAll(/^\| `([A-Za-z.]+)` \| `(AIRLOCK_[A-Z_]+)`/gm)].map((m) => [m[1]!, m[2]!] as const);

describe('config documentation pins', () => {
  it('docs/operations.md lists every config key with its environment variable, and no other', () => {
    const fromCode = Object.entries(ENV_VARS).map(([k, v]) => `${k}=${v}`).sort();
    expect(rows.map(([k, v]) => `${k}=${v}`).sort()).toEqual(fromCode);
  });

  it('every top-level schema key has an environment variable', () => {
    const keys = Object.keys(configSchema.shape).filter((k) => k !== 'slack' && k !== 'database' && k !== 'console' && k !== 'tracing');
    expect(keys.filter((k) => !(k in ENV_VARS))).toEqual([]);
  });
});
