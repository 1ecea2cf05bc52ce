import { LineCounter, isMap, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';
import type { BundleProblem, CedarEntity, CedarUid, PolicyTestCase } from './types.js';

/**
 * `tests/*.yaml`: a list of cases, or `{ tests: [...] }`. Each case:
 * `{ name, request: { subject, action, resource, context? }, expect, entities? }`.
 * `action` may be a plain name. Entity types without `::` get the schema's namespace.
 */
const uid = z.strictObject({ type: z.string().min(1), id: z.string().min(1) });
const entityRef = z.strictObject({
  type: z.string().min(1),
  id: z.string().min(1),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const testCase = z.strictObject({
  name: z.string().min(1),
  request: z.strictObject({
    subject: entityRef,
    action: z.union([
      z.string().min(1),
      z.strictObject({ name: z.string().min(1), properties: z.record(z.string(), z.unknown()).optional() }),
    ]),
    resource: entityRef,
    context: z.record(z.string(), z.unknown()).optional(),
  }),
  expect: z.enum(['allow', 'deny', 'approval_required', 'confirmation_required']),
  entities: z
    .array(
      z.strictObject({
        uid,
        attrs: z.record(z.string(), z.unknown()).optional(),
        parents: z.array(uid).optional(),
        tags: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});

function qualify(u: CedarUid, namespace: string): CedarUid {
  return { type: u.type.includes('::') ? u.type : `${namespace}::${u.type}`, id: u.id };
}

export function readTestFile(file: string, text: string, namespace: string): { cases: PolicyTestCase[]; problems: BundleProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: BundleProblem[] = [];
  for (const e of doc.errors) problems.push({ file, line: e.linePos?.[0]?.line ?? 1, message: e.message.split('\n')[0]! });
  if (problems.length > 0) return { cases: [], problems };
  let seq: unknown = doc.contents;
  if (isMap(seq)) seq = seq.get('tests', true);
  if (!isSeq(seq)) {
    return { cases: [], problems: [{ file, line: 1, message: 'a test file is a list of cases, or a map with a "tests" list' }] };
  }
  const cases: PolicyTestCase[] = [];
  const names = new Set<string>();
  seq.items.forEach((item, i) => {
    const offset = (item as { range?: [number, number, number] }).range?.[0] ?? 0;
    const line = lineCounter.linePos(offset).line;
    const parsed = testCase.safeParse((item as { toJSON(): unknown }).toJSON());
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file, line, message: `test #${i + 1}: ${issue.path.join('.') || '(case)'}: ${issue.message}` });
      }
      return;
    }
    const c = parsed.data;
    if (names.has(c.name)) problems.push({ file, line, message: `duplicate test name "${c.name}"` });
    names.add(c.name);
    const action = typeof c.request.action === 'string' ? { name: c.request.action } : c.request.action;
    const entities: CedarEntity[] | undefined = c.entities?.map((e) => ({
      uid: qualify(e.uid, namespace),
      attrs: e.attrs ?? {},
      parents: (e.parents ?? []).map((p) => qualify(p, namespace)),
      ...(e.tags ? { tags: e.tags } : {}),
    }));
    cases.push({
      file,
      name: c.name,
      line,
      request: {
        subject: c.request.subject,
        action,
        resource: c.request.resource,
        ...(c.request.context !== undefined ? { context: c.request.context } : {}),
      },
      expect: c.expect,
      ...(entities ? { entities } : {}),
    });
  });
  return { cases, problems };
}
