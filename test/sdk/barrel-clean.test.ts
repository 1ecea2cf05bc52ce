/**
 * The SDK root export stays free of SQLite, Cedar, tree-sitter and node:fs (STYLE §1; MCP
 * barrelClean.test.ts): walks the static import graph of the built dist/sdk/index.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const FORBIDDEN = [/^better-sqlite3$/, /^@cedar-policy\//, /^web-tree-sitter$/, /^tree-sitter-/, /^(node:)?fs(\/promises)?$/, /^pg$/, /^fastify$/];

function graph(entry: string): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const stack = [resolve(entry)];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const src = readFileSync(f, 'utf8');
    // static imports and re-exports only; `import type` is erased by tsc
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) stack.push(resolve(dirname(f), spec));
      else bare.set(spec, f);
    }
  }
  return { files, bare };
}

describe('SDK root export', () => {
  it('dist/sdk/index.js imports nothing of sqlite, Cedar, tree-sitter or node:fs', () => {
    const entry = 'dist/sdk/index.js';
    expect(existsSync(entry), 'run npm run build first').toBe(true);
    const { files, bare } = graph(entry);
    expect(files.size).toBeGreaterThan(3);
    const bad = [...bare.entries()].filter(([spec]) => FORBIDDEN.some((re) => re.test(spec)));
    expect(bad).toEqual([]);
    expect([...files].some((f) => f.includes('/runtime/') || f.includes('/store/'))).toBe(false);
  });

  it('the embedded entry does reach the runtime (sanity check of the walker)', () => {
    const { files } = graph('dist/sdk/embedded.js');
    expect([...files].some((f) => f.includes('/runtime/runtime.js'))).toBe(true);
  });
});
