import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { command } from '../cli/commands/policy.js';
import type { CliIO } from '../cli/command.js';
import { AirlockError } from '../core/errors.js';
import { runPolicyTests } from '../policy/test-runner.js';
import { loadBundle, readBundleDir } from './load-bundle.js';

const root = new URL('../../', import.meta.url).pathname;
const example = join(root, 'policies/example');
const fixture = (name: string) => join(root, 'test/fixtures/bundles', name);

async function problemsOf(dir: string) {
  const r = await loadBundle(dir);
  if (r.ok) throw new Error('expected invalid bundle');
  return r.problems;
}

describe('loadBundle', () => {
  it('the example bundle loads and all its policy tests pass', async () => {
    const r = await loadBundle(example);
    if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
    expect(r.bundle.namespace).toBe('Airlock');
    const results = runPolicyTests(r.bundle);
    expect(results.length).toBeGreaterThan(30);
    expect(results.filter((x) => !x.passed)).toEqual([]);
    // every outcome is covered, and every policy is exercised by some test
    expect(new Set(results.map((x) => x.expected))).toEqual(new Set(['allow', 'deny', 'approval_required', 'confirmation_required']));
    const hit = new Set(results.flatMap((x) => x.reasons.map((y) => y.policyId)));
    expect([...r.bundle.policies.keys()].filter((id) => !hit.has(id))).toEqual([]);
    r.bundle.dispose();
  });

  it('reads only bundle files, with / paths', async () => {
    const files = await readBundleDir(example);
    expect(Object.keys(files)).toContain('schema.cedarschema');
    expect(Object.keys(files).some((p) => p.startsWith('tests/') && p.endsWith('.yaml'))).toBe(true);
  });

  it('an unreadable directory is ERR_BUNDLE_UNREADABLE', async () => {
    await expect(readBundleDir(join(root, 'no/such/dir'))).rejects.toMatchObject({ code: 'ERR_BUNDLE_UNREADABLE' });
    await expect(loadBundle(join(root, 'no/such/dir'))).rejects.toBeInstanceOf(AirlockError);
  });

  it('fixture: parse errors in every file are listed with file and line', async () => {
    const ps = await problemsOf(fixture('parse-error'));
    expect(ps.map((p) => `${p.file}:${p.line}`)).toEqual(['main.cedar:6', 'more.cedar:3']);
  });

  it('fixture: every schema violation is listed', async () => {
    const ps = await problemsOf(fixture('schema-violation'));
    expect([...new Set(ps.map((p) => `${p.file}:${p.line}:${p.policyId}`))]).toEqual([
      'main.cedar:6:unknown-attribute',
      'main.cedar:10:unguarded-optional',
      'main.cedar:13:unknown-action',
    ]);
  });

  it('fixture: unknown @requires refuses the bundle', async () => {
    const ps = await problemsOf(fixture('unknown-requires'));
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ file: 'main.cedar', line: 2, policyId: 'typo-requirement' });
  });

  it('fixture: duplicate ids across files', async () => {
    const ps = await problemsOf(fixture('duplicate-id'));
    expect(ps).toEqual([{ file: 'b.cedar', line: 3, policyId: 'same', message: 'duplicate policy id "same" (first at a.cedar:1)' }]);
  });

  it('fixture: bad quorum values', async () => {
    const ps = await problemsOf(fixture('bad-quorum'));
    expect(ps.map((p) => `${p.file}:${p.line}:${p.policyId}`)).toEqual(['main.cedar:4:zero-quorum', 'main.cedar:9:words-quorum']);
  });
});

function io(): { io: CliIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  return { io: { stdout, stderr, stdin: new PassThrough(), env: {} }, out: () => o, err: () => e };
}

describe('airlock policy', () => {
  it('validate prints the version and exits 0 on a good bundle', async () => {
    const t = io();
    expect(await command.run(['validate', example], t.io)).toBe(0);
    expect(t.out()).toMatch(/^bundle OK: \d+ policies, version sha256:[0-9a-f]{64}\n$/);
  });

  it('validate lists file:line: message and exits 1 on a bad bundle', async () => {
    const t = io();
    expect(await command.run(['validate', fixture('parse-error')], t.io)).toBe(1);
    expect(t.err()).toMatch(/^main\.cedar:6: /m);
    expect(t.err()).toMatch(/^more\.cedar:3: /m);
  });

  it('test prints PASS lines and the summary; --json gives the results', async () => {
    const t = io();
    expect(await command.run(['test', example], t.io)).toBe(0);
    expect(t.out()).toMatch(/^PASS /m);
    expect(t.out()).toMatch(/^\d+ passed, 0 failed\n$/m);
    const j = io();
    expect(await command.run(['test', example, '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out())).toMatchObject({ failed: 0 });
  });

  it('a failing case exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-bundle-'));
    try {
      const files = await readBundleDir(fixture('unknown-requires'));
      await writeFile(join(dir, 'schema.cedarschema'), files['schema.cedarschema']!);
      await writeFile(join(dir, 'main.cedar'), 'permit (principal, action == Airlock::Action::"deploy", resource);\n');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(dir, 'tests'));
      await writeFile(
        join(dir, 'tests/t.yaml'),
        '- name: wrong on purpose\n  request: { subject: { type: Agent, id: a }, action: deploy, resource: { type: Tool, id: t } }\n  expect: deny\n',
      );
      const t = io();
      expect(await command.run(['test', dir], t.io)).toBe(1);
      expect(t.out()).toMatch(/^FAIL tests\/t\.yaml:1 wrong on purpose: expected deny, got allow/m);
      expect(t.out()).toMatch(/^0 passed, 1 failed$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad usage exits 2', async () => {
    const t = io();
    expect(await command.run(['frobnicate'], t.io)).toBe(2);
  });
});
