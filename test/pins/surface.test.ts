import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandLoaders } from '../../src/cli/registry.js';

// The public surface: removing or renaming any of these breaks users' scripts and imports.
describe('public surface pins', () => {
  it('pins the airlock CLI commands, and each one loads with help text', async () => {
    expect(Object.keys(commandLoaders)).toEqual([
      'serve', 'authorize', 'policy', 'audit', 'identity', 'human', 'check', 'exec', 'shell-init', 'mcp', 'hook',
      'delegate', 'delegations', 'elevate', 'approvals', 'approve', 'deny', 'confirm', 'evidence', 'keys', 'db',
    ]);
    for (const [name, load] of Object.entries(commandLoaders)) {
      const cmd = await load();
      expect(cmd.name, name).toBe(name);
      expect(cmd.summary.length, name).toBeGreaterThan(10);
      expect(cmd.help, name).toMatch(/usage: airlock/);
    }
  });

  it('pins the package entry points (SDK root, embedded mode, CLI binary)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.exports).toEqual({
      '.': { types: './dist/sdk/index.d.ts', default: './dist/sdk/index.js' },
      './embedded': { types: './dist/sdk/embedded.d.ts', default: './dist/sdk/embedded.js' },
      './package.json': './package.json',
    });
    expect(pkg.bin).toEqual({ airlock: './dist/cli/main.js' });
    expect(pkg.type).toBe('module');
    expect(pkg.engines).toEqual({ node: '^22.12.0 || >=24.0.0' });
  });
});
