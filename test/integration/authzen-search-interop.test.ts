/**
 * The OpenID AuthZEN Search interop scenario (60 subject, 18 resource, 120 action searches)
 * replayed against the real gateway with the scenario as a Cedar bundle
 * (test/fixtures/bundles/authzen-search: six users, twenty records, six rules).
 *
 * Expected results: test/fixtures/authzen/search-*.json (MIT, see the README beside them). The
 * comparison is the interop runner's (openid/authzen interop/authzen-search-demo/test-harness):
 * POST `/access/v1/search/<kind>` with `Authorization: <key>` (the bare key), sort both result lists
 * (by type then id, or by name), drop action results other than view/edit/delete, compare as JSON.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

type Result = { type?: string; id?: string; name?: string };
interface Case {
  request: Record<string, any>;
  expected: { results: Result[] };
}
const load = (kind: string) => (JSON.parse(readFileSync(new URL(`../fixtures/authzen/search-${kind}.json`, import.meta.url), 'utf8')) as { evaluation: Case[] }).evaluation;
const cases = { subject: load('subject'), resource: load('resource'), action: load('action') };

/** The runner's normal form: sorted, actions limited to the scenario's three, nulls dropped. */
function normal(results: Result[], isActual: boolean): string {
  const sorted = [...results].sort((a, b) => {
    if (a.type) return a.type !== b.type ? a.type.localeCompare(b.type!) : a.id!.localeCompare(b.id!);
    return a.name!.localeCompare(b.name!);
  });
  const kept = isActual ? sorted.filter((r) => (r.name ? ['delete', 'edit', 'view'].includes(r.name) : true)) : sorted;
  return JSON.stringify(kept, (_k, v) => (v === null ? undefined : v));
}

function title(kind: string, req: Record<string, any>, expected: Result[]): string {
  const what = (e: Result) => e.name ?? e.id;
  const q = kind === 'subject' ? `who may ${req.action.name} record ${req.resource.id}` : kind === 'resource' ? `which records may ${req.subject.id} ${req.action.name}` : `what may ${req.subject.id} do to record ${req.resource.id}`;
  return `${q} → [${expected.map(what).join(', ')}]`;
}

let gw: StartedGateway;
beforeAll(async () => {
  gw = await startGateway({ policies: 'test/fixtures/bundles/authzen-search' });
});
afterAll(async () => {
  await gw?.close();
});

describe('AuthZEN Search interop — the expected-results files', () => {
  it('hold the 60 subject, 18 resource and 120 action cases (198 in all)', () => {
    expect([cases.subject.length, cases.resource.length, cases.action.length]).toEqual([60, 18, 120]);
  });
});

for (const kind of ['subject', 'resource', 'action'] as const) {
  describe(`AuthZEN Search interop — POST /access/v1/search/${kind}`, () => {
    cases[kind].forEach((c) => {
      it(title(kind, c.request, c.expected.results), async () => {
        // The runner sends the bare key (no Bearer scheme).
        const r = await postJson(`${gw.url}/access/v1/search/${kind}`, c.request, { authorization: gw.pepKey });
        expect(r.status).toBe(200);
        expect(Array.isArray(r.json.results)).toBe(true);
        expect(normal(r.json.results, true)).toBe(normal(c.expected.results, false));
        // The whole answer fits one page, which says so with an empty next_token.
        expect(r.json.page.next_token).toBe('');
      });
    });
  });
}

describe('AuthZEN Search interop — every result re-checks true with the evaluation API', () => {
  it('each subject and resource search result, asked as an evaluation, is decision: true; each left-out candidate is false', async () => {
    const users = ['alice', 'bob', 'carol', 'dan', 'erin', 'felix'];
    let checked = 0;
    for (const c of cases.resource.filter((x) => x.request.subject.id === 'erin' || x.request.subject.id === 'felix')) {
      const found = new Set(c.expected.results.map((r) => r.id));
      for (let n = 101; n <= 120; n++) {
        const r = await postJson(`${gw.url}/access/v1/evaluation`, { subject: c.request.subject, action: c.request.action, resource: { type: 'record', id: String(n) } }, gw.headers);
        expect(r.json.decision, `${c.request.subject.id} ${c.request.action.name} ${n}`).toBe(found.has(String(n)));
        checked++;
      }
    }
    for (const c of cases.subject.slice(0, 6)) {
      const found = new Set(c.expected.results.map((r) => r.id));
      for (const u of users) {
        const r = await postJson(`${gw.url}/access/v1/evaluation`, { subject: { type: 'user', id: u }, action: c.request.action, resource: c.request.resource }, gw.headers);
        expect(r.json.decision, `${u} ${c.request.action.name} ${c.request.resource.id}`).toBe(found.has(u));
        checked++;
      }
    }
    expect(checked).toBe(6 * 20 + 6 * 6);
  });
});
