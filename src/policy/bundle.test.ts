import { describe, expect, it } from 'vitest';
import { AirlockError } from '../core/errors.js';
import { bundleVersion, compileBundle, type CompiledBundle } from './bundle.js';
import { toPolicyRequest } from './request-mapping.js';
import { readTestFile } from './test-file.js';
import { smallBundle, smallSchema } from './testing/small-bundle.js';
import type { PolicyRequest } from './types.js';

function ok(files: Record<string, string>): CompiledBundle {
  const r = compileBundle(files);
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
  return r.bundle;
}

function problems(files: Record<string, string>) {
  const r = compileBundle(files);
  if (r.ok) throw new Error('expected an invalid bundle');
  return r.problems;
}

const req = (action: string, subject = { type: 'Agent', id: 'a' }, context: Record<string, unknown> = {}): PolicyRequest =>
  toPolicyRequest({ subject, action: { name: action }, resource: { type: 'Tool', id: 't' }, context }, () => undefined, 'Airlock');

describe('compileBundle', () => {
  it('reads ids from @id, else file:index, with file and line', () => {
    const b = ok(
      smallBundle(`// header

@id("first")
permit (principal, action == Airlock::Action::"deploy", resource);

permit (principal, action == Airlock::Action::"tool.call", resource);
`),
    );
    expect(b.namespace).toBe('Airlock');
    expect(b.actions).toEqual(['deploy', 'ops', 'other', 'payment.submit', 'tool.call']);
    expect(b.policies.get('first')).toMatchObject({ effect: 'permit', file: 'main.cedar', line: 3 });
    expect(b.policies.get('main.cedar:1')).toMatchObject({ effect: 'permit', file: 'main.cedar', line: 6 });
    expect(b.evaluate(req('tool.call')).determining).toEqual(['main.cedar:1']);
  });

  it('lists every parse error with file and line, across files', () => {
    const ps = problems({
      'schema.cedarschema': smallSchema,
      'a.cedar': 'permit (principal, action, resource);\n\npermit (principal, action, resource) when { 1 + };\n',
      'b.cedar': '// one\n// two\nforbid (principal, action, resource) when { ( };\n',
    });
    expect(ps.map((p) => [p.file, p.line])).toEqual([
      ['a.cedar', 3],
      ['b.cedar', 3],
    ]);
  });

  it('lists every schema violation with its policy id and line', () => {
    const ps = problems(
      smallBundle(`@id("ok")
permit (principal, action == Airlock::Action::"deploy", resource);

@id("bad-attr")
permit (principal, action == Airlock::Action::"deploy", resource)
when {
  principal.nickname == "x"
};

@id("unguarded")
forbid (principal, action == Airlock::Action::"deploy", resource) when { context.amount > 1 };
`),
    );
    expect([...new Set(ps.map((p) => `${p.policyId}@${p.line}`))]).toEqual(['bad-attr@7', 'unguarded@11']);
    expect(ps.map((p) => [p.policyId, p.line])).toContainEqual(['bad-attr', 7]);
    expect(ps.map((p) => [p.policyId, p.line])).toEqual([
      ...ps.filter((p) => p.policyId === 'bad-attr').map(() => ['bad-attr', 7]),
      ['unguarded', 11],
    ]);
    for (const p of ps) expect(p.file).toBe('main.cedar');
  });

  it('refuses unknown @requires, duplicate ids, bad annotations, forbid requirements', () => {
    const ps = problems(
      smallBundle(
        `@id("x")
@requires("aproval")
permit (principal, action, resource);

@id("y")
@requires("approval")
@quorum("-1")
forbid (principal, action, resource);
`,
        { 'z.cedar': '\n@id("x")\npermit (principal, action, resource);\n' },
      ),
    );
    expect(ps.map((p) => [p.file, p.line, p.policyId])).toEqual([
      ['main.cedar', 2, 'x'],
      ['main.cedar', 6, 'y'],
      ['main.cedar', 7, 'y'],
      ['z.cedar', 2, 'x'],
    ]);
    expect(ps[3]!.message).toMatch(/duplicate policy id "x" \(first at main.cedar:1\)/);
  });

  it('needs a schema with one namespace, and at least one policy file', () => {
    expect(problems({ 'main.cedar': 'permit (principal, action, resource);' }).map((p) => p.file)).toEqual(['schema.cedarschema']);
    expect(problems({ 'schema.cedarschema': 'entity A;', 'main.cedar': 'permit (principal, action, resource);' })[0]!.message).toMatch(
      /exactly one namespace/,
    );
    expect(problems({ 'schema.cedarschema': 'namespace X { entity A in [Nope]; }', 'main.cedar': 'permit (principal, action, resource);' })[0]).toMatchObject({
      file: 'schema.cedarschema',
      line: 1,
    });
    expect(problems({ 'schema.cedarschema': smallSchema })[0]!.message).toMatch(/no \*\.cedar/);
  });

  it('validates entities.json against the schema', () => {
    const bad = JSON.stringify([{ uid: { type: 'Airlock::Agent', id: 'a' }, attrs: { nope: 1 }, parents: [] }]);
    expect(problems(smallBundle('permit (principal, action, resource);', { 'entities.json': bad }))[0]).toMatchObject({ file: 'entities.json' });
    expect(problems(smallBundle('permit (principal, action, resource);', { 'entities.json': '[\n{,\n]' }))[0]).toMatchObject({
      file: 'entities.json',
      line: 2,
    });
    const good = JSON.stringify([{ uid: { type: 'Airlock::Agent', id: 'a' }, attrs: { level: 3 }, parents: [{ type: 'Airlock::Group', id: 'g' }] }]);
    const b = ok(smallBundle('permit (principal, action, resource);', { 'entities.json': good }));
    expect(b.staticEntities.get('Airlock::Agent::"a"')).toEqual({
      uid: { type: 'Airlock::Agent', id: 'a' },
      attrs: { level: 3 },
      parents: [{ type: 'Airlock::Group', id: 'g' }],
    });
  });

  it('with a test reader, reports test-file problems with file and line', () => {
    const files = smallBundle('permit (principal, action, resource);', {
      'tests/a.yaml': '- name: one\n  request: { subject: { type: Agent, id: a }, action: deploy, resource: { type: Tool, id: t } }\n  expect: maybe\n',
    });
    const r = compileBundle(files, { readTests: readTestFile });
    if (r.ok) throw new Error('expected an invalid bundle');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: 'tests/a.yaml', line: 1 });
  });

  it('without a test reader (the gateway), test files are not parsed but still make the version', () => {
    const bad = smallBundle('permit (principal, action, resource);', { 'tests/a.yaml': '- name: [unclosed\n' });
    const b = ok(bad);
    expect(b.tests).toEqual([]);
    expect(b.version).toBe(bundleVersion(bad));
    expect(b.version).not.toBe(ok({ ...bad, 'tests/a.yaml': '[]\n' }).version);
    const read = compileBundle(bad, { readTests: readTestFile });
    expect(read.ok).toBe(false);
  });

  it('version is sha256 of the canonical content and changes iff the content changes', () => {
    const files = smallBundle('permit (principal, action, resource);', { 'tests/a.yaml': '[]\n' });
    const v = ok(files).version;
    expect(v).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ok({ ...files }).version).toBe(v);
    // key order does not matter; unrelated files are not part of the bundle
    expect(bundleVersion(Object.fromEntries(Object.entries(files).reverse()))).toBe(v);
    expect(bundleVersion({ ...files, 'README.md': 'x' })).toBe(v);
    expect(ok({ ...files, 'main.cedar': files['main.cedar'] + '\n' }).version).not.toBe(v);
    expect(ok({ ...files, 'tests/a.yaml': '[] # changed\n' }).version).not.toBe(v);
  });
});

describe('CompiledBundle.evaluate', () => {
  const b = ok(
    smallBundle(`@id("group")
permit (principal, action in Airlock::Action::"ops", resource);

@id("humans-other")
permit (principal is Airlock::Human, action == Airlock::Action::"other", resource);

@id("everything")
forbid (principal, action, resource) when { context has environment && context.environment == "frozen" };
`),
  );

  it('action groups from the schema apply without passing the schema', () => {
    expect(b.evaluate(req('deploy')).determining).toEqual(['group']);
    expect(b.evaluateUnsliced(req('deploy')).determining).toEqual(['group']);
  });

  it('an empty slice is a default deny; unconstrained policies still apply to unknown actions', () => {
    expect(b.evaluate(req('other'))).toEqual({ decision: 'deny', determining: [], errors: [] });
    expect(b.evaluate(req('other', { type: 'Human', id: 'h' })).decision).toBe('allow');
    expect(b.evaluate(req('no.such.action', undefined, { environment: 'frozen' }))).toEqual({
      decision: 'deny',
      determining: ['everything'],
      errors: [],
    });
  });

  it('extra context keys and attributes do not fail evaluation', () => {
    expect(b.evaluate(req('deploy', undefined, { anything: { nested: [1, 'x'] } })).decision).toBe('allow');
  });

  it('a Cedar failure throws (the gateway turns it into deny)', () => {
    // A malformed entity type reaches the engine (the mapping would refuse it; the engine must too).
    const bad = { ...req('deploy'), entities: [{ uid: { type: 'Not a type!', id: 'x' }, attrs: {}, parents: [] }] } as PolicyRequest;
    expect(() => b.evaluate(bad)).toThrow(AirlockError);
  });

  it('dispose releases the sets; evaluating afterwards throws, another instance is unaffected', () => {
    const files = smallBundle('permit (principal, action, resource);');
    const one = ok(files);
    const two = ok(files);
    one.dispose();
    one.dispose();
    expect(() => one.evaluate(req('deploy'))).toThrow(AirlockError);
    expect(two.evaluate(req('deploy')).decision).toBe('allow');
    two.dispose();
  });
});
