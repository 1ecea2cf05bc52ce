/**
 * OpenID AuthZEN Authorization API 1.0 — certification scenario, run against the real gateway
 * (Fastify on 127.0.0.1, SQLite audit, Cedar bundle test/fixtures/bundles/authzen-cert).
 *
 * Source: openid/authzen `certification/authorization-api-1_0-scenario.md` (section ids §C.x below
 * are the scenario's anchors, e.g. §C.2.2.1 = `{#c-2-2-1}`). Levels covered: Basic (Core and
 * Properties), Batch (Core and Properties), Search (Core and Properties, §C.4) and Discovery
 * (§C.6; https through AIRLOCK_PUBLIC_URL, as a deployment behind a TLS reverse proxy sets it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as rawPostJson, startGateway, type StartedGateway } from '../helpers/server.js';

const BUNDLE = 'test/fixtures/bundles/authzen-cert';

const alice = { type: 'user', id: 'alice' };
const bob = { type: 'user', id: 'bob' };
const record1 = { type: 'record', id: 'record-1' };
const record2 = { type: 'record', id: 'record-2' };
const read = { name: 'read' };
const write = { name: 'write' };

let gw: StartedGateway;
/** Every request authenticates as the registered enforcement point (`test-pep`, may ask about any `user`). */
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => rawPostJson(url, body, { ...gw.headers, ...headers });
beforeAll(async () => {
  gw = await startGateway({ policies: BUNDLE });
});
afterAll(async () => {
  await gw?.close();
});

const evaluation = (body: unknown, headers?: Record<string, string>) => postJson(`${gw.url}/access/v1/evaluation`, body, headers);
const evaluations = (body: unknown, headers?: Record<string, string>) => postJson(`${gw.url}/access/v1/evaluations`, body, headers);

/** §C.2.3.1: valid JSON, `decision` present and boolean; §C.2.3.2: `context`, if present, an object. */
function expectDecisionObject(json: any): void {
  expect(json).toBeTypeOf('object');
  expect(typeof json.decision).toBe('boolean');
  if (json.context !== undefined) {
    expect(json.context).toBeTypeOf('object');
    expect(Array.isArray(json.context)).toBe(false);
    expect(json.context).not.toBeNull();
  }
}

describe('AuthZEN 1.0 cert §C.1.4 required policy behaviour (the eight validated decisions)', () => {
  const rules: [string, unknown, boolean][] = [
    ['rule 1: alice read record-1 → true', { subject: alice, action: read, resource: record1 }, true],
    ['rule 2: alice write record-1 → true', { subject: alice, action: write, resource: record1 }, true],
    ['rule 3: bob read record-1 → true', { subject: bob, action: read, resource: record1 }, true],
    ['rule 4: bob write record-1 → false', { subject: bob, action: write, resource: record1 }, false],
    [
      'rule 5: alice write a resource with properties.status "archived" → false',
      { subject: alice, action: write, resource: { ...record2, properties: { status: 'archived' } } },
      false,
    ],
    [
      'rule 6: subject with properties.role "admin" write archived → true',
      { subject: { ...bob, properties: { role: 'admin' } }, action: write, resource: { ...record2, properties: { status: 'archived' } } },
      true,
    ],
    [
      'rule 7: alice delete with action.properties.soft = true on record-1 → true',
      { subject: alice, action: { name: 'delete', properties: { soft: true } }, resource: record1 },
      true,
    ],
    [
      'rule 8: alice delete with action.properties.soft = false on record-1 → false',
      { subject: alice, action: { name: 'delete', properties: { soft: false } }, resource: record1 },
      false,
    ],
  ];
  for (const [title, body, expected] of rules) {
    it(title, async () => {
      const r = await evaluation(body);
      expect(r.status).toBe(200);
      expectDecisionObject(r.json);
      expect(r.json.decision).toBe(expected);
    });
  }

  // §C.1.6: "the PDP MUST evaluate these values" — decisions must follow the request properties,
  // not only the fixture identifiers (an unknown record and an unknown admin subject).
  it('rule 5 by properties alone: alice write an unknown record whose properties.status is "archived" → false; "active" → true', async () => {
    const archived = await evaluation({ subject: alice, action: write, resource: { type: 'record', id: 'record-99', properties: { status: 'archived' } } });
    const active = await evaluation({ subject: alice, action: write, resource: { type: 'record', id: 'record-99', properties: { status: 'active' } } });
    expect([archived.json.decision, active.json.decision]).toEqual([false, true]);
  });

  it('rule 6 by properties alone: an unknown subject with properties.role "admin" may write archived; without it may not', async () => {
    const res = { type: 'record', id: 'record-99', properties: { status: 'archived' } };
    const admin = await evaluation({ subject: { type: 'user', id: 'carol', properties: { role: 'admin' } }, action: write, resource: res });
    const plain = await evaluation({ subject: { type: 'user', id: 'carol' }, action: write, resource: res });
    expect([admin.json.decision, plain.json.decision]).toEqual([true, false]);
  });

  it('rule 7 requires action.properties: delete without properties → false', async () => {
    const r = await evaluation({ subject: alice, action: { name: 'delete' }, resource: record1 });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(false);
  });
});

describe('AuthZEN 1.0 cert §C.2.2 request acceptance (POST /access/v1/evaluation)', () => {
  it('§C.2.2.1 fixture permit: 200 {"decision": true}', async () => {
    const r = await evaluation({ subject: alice, action: read, resource: record1 });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json.decision).toBe(true);
  });

  it('§C.2.2.2 fixture deny: 200 {"decision": false} (a deny is not an HTTP error)', async () => {
    const r = await evaluation({ subject: bob, action: write, resource: record1 });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(false);
  });

  it('§C.2.2.3 optional context accepted; decision unchanged', async () => {
    const r = await evaluation({ subject: alice, action: read, resource: record1, context: { time: '2025-06-27T18:03-07:00', ip: '192.168.1.1' } });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });

  it('§C.2.2.8 additional properties on subject, action and resource accepted', async () => {
    const r = await evaluation({
      subject: { ...alice, properties: { department: 'Sales', role: 'manager' } },
      action: { name: 'read', properties: { method: 'GET' } },
      resource: { ...record1, properties: { status: 'active', owner: 'bob' } },
    });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });

  it('§C.2.2.9 / §C.5.5 unknown top-level fields are ignored', async () => {
    const r = await evaluation({ subject: alice, action: read, resource: record1, foo: 'bar', futureField: { nested: true } });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });

  it('unknown fields inside subject/action/resource are ignored too', async () => {
    const r = await evaluation({ subject: { ...alice, identity: 'x' }, action: { name: 'read', extra: 1 }, resource: { ...record1, userID: 'y' } });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });
});

describe('AuthZEN 1.0 cert §C.2.3 response format', () => {
  it('§C.2.3.1 decision is a boolean; §C.2.3.2 context, when present, is an object', async () => {
    for (const body of [
      { subject: alice, action: read, resource: record1 },
      { subject: bob, action: write, resource: record1 },
    ]) {
      const r = await evaluation(body);
      expect(r.status).toBe(200);
      expectDecisionObject(r.json);
    }
  });
});

describe('AuthZEN 1.0 cert §C.2.4 error handling → HTTP 400', () => {
  const cases: [string, unknown, string][] = [
    // §C.2.4.1 missing required fields
    ['missing subject', { action: read, resource: record1 }, '/subject'],
    ['missing action', { subject: alice, resource: record1 }, '/action'],
    ['missing resource', { subject: alice, action: read }, '/resource'],
    // §C.2.4.2 missing required sub-fields
    ['subject missing type', { subject: { id: 'alice' }, action: read, resource: record1 }, '/subject/type'],
    ['subject missing id', { subject: { type: 'user' }, action: read, resource: record1 }, '/subject/id'],
    ['action missing name', { subject: alice, action: {}, resource: record1 }, '/action/name'],
    ['resource missing type', { subject: alice, action: read, resource: { id: 'record-1' } }, '/resource/type'],
    ['resource missing id', { subject: alice, action: read, resource: { type: 'record' } }, '/resource/id'],
    // §C.2.4.6 invalid field types
    ['subject is a string ("alice")', { subject: 'alice', action: read, resource: record1 }, '/subject'],
    ['action.name is a number (123)', { subject: alice, action: { name: 123 }, resource: record1 }, '/action/name'],
    ['body is an array', [{ subject: alice, action: read, resource: record1 }], '/'],
    ['context is a string', { subject: alice, action: read, resource: record1, context: 'x' }, '/context'],
    ['subject.properties is an array', { subject: { ...alice, properties: [1] }, action: read, resource: record1 }, '/subject/properties'],
  ];
  for (const [title, body, path] of cases) {
    it(`${title} → 400 ERR_REQUEST_INVALID at ${path}`, async () => {
      const r = await evaluation(body);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('ERR_REQUEST_INVALID');
      expect(r.json.error.details.path).toBe(path);
      expect(r.json.decision).toBeUndefined();
    });
  }

  it('§C.2.4.4 malformed JSON → 400', async () => {
    const r = await evaluation('{"subject": {"type": "user", "id": "alice"},');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_JSON_MALFORMED');
  });

  it('§C.2.4.5 empty body → 400', async () => {
    const r = await evaluation('');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_BODY_EMPTY');
  });

  // §C.2.4.3: "MUST return HTTP 400 when the request Content-Type is not application/json". Airlock's
  // other endpoints answer 415 for the same code; the AuthZEN ones follow the spec.
  it('§C.2.4.3 wrong content type is rejected with 400 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const r = await postJson(`${gw.url}/access/v1/evaluation`, JSON.stringify({ subject: alice, action: read, resource: record1 }), { 'content-type': 'text/plain' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('AuthZEN 1.0 cert §C.2.5 header handling (X-Request-ID)', () => {
  it('§C.2.5.1 X-Request-ID is echoed on a permit, a deny and an error', async () => {
    const id = 'cert-req-7f3a9c';
    const permit = await evaluation({ subject: alice, action: read, resource: record1 }, { 'x-request-id': id });
    const deny = await evaluation({ subject: bob, action: write, resource: record1 }, { 'x-request-id': `${id}-2` });
    const bad = await evaluation({ subject: 'alice', action: read, resource: record1 }, { 'x-request-id': `${id}-3` });
    expect(permit.headers.get('x-request-id')).toBe(id);
    expect(deny.headers.get('x-request-id')).toBe(`${id}-2`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBe(`${id}-3`);
  });

  it('§C.2.5.1 X-Request-ID is echoed on the batch endpoint', async () => {
    const r = await evaluations({ subject: alice, action: read, evaluations: [{ resource: record1 }] }, { 'x-request-id': 'batch-1' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('batch-1');
  });

  it('§C.2.5.2 no X-Request-ID: the request does not fail', async () => {
    const r = await evaluation({ subject: alice, action: read, resource: record1 });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });
});

describe('AuthZEN 1.0 cert §C.2.6 idempotency', () => {
  it('the same fixture request five times gives the same decision', async () => {
    for (const [body, expected] of [
      [{ subject: alice, action: read, resource: record1 }, true],
      [{ subject: bob, action: write, resource: record1 }, false],
    ] as const) {
      const decisions: boolean[] = [];
      for (let i = 0; i < 5; i++) decisions.push((await evaluation(body)).json.decision);
      expect(decisions).toEqual([expected, expected, expected, expected, expected]);
    }
  });
});

describe('AuthZEN 1.0 cert §C.3.2 batch request acceptance (POST /access/v1/evaluations)', () => {
  it('§C.3.2.1 evaluations array with top-level defaults → two decision objects', async () => {
    const r = await evaluations({ subject: alice, action: read, evaluations: [{ resource: record1 }, { resource: record2 }] });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json.evaluations).toHaveLength(2);
    for (const e of r.json.evaluations) expectDecisionObject(e);
  });

  it('§C.3.2.2 fixture decisions and order: bob read, write on record-1 → [true, false]', async () => {
    const r = await evaluations({ subject: bob, resource: record1, evaluations: [{ action: read }, { action: write }] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: false }] });
  });

  it('§C.3.2.3 resource properties per item: alice write active, archived → [true, false]', async () => {
    const r = await evaluations({
      subject: alice,
      action: write,
      evaluations: [
        { resource: { ...record1, properties: { status: 'active' } } },
        { resource: { ...record2, properties: { status: 'archived' } } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: false }] });
  });

  it('§C.3.2.4 subject properties per item: alice, bob(admin) write archived → [false, true]', async () => {
    const r = await evaluations({
      action: write,
      resource: { ...record2, properties: { status: 'archived' } },
      evaluations: [{ subject: alice }, { subject: { ...bob, properties: { role: 'admin' } } }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: false }, { decision: true }] });
  });

  it('§C.3.2.5 fully specified items, no defaults → [true, false]', async () => {
    const r = await evaluations({
      evaluations: [
        { subject: alice, action: read, resource: record1 },
        { subject: bob, action: write, resource: record1 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: false }] });
  });

  it('§C.3.2.6 context inheritance and per-item override accepted → two evaluations', async () => {
    const r = await evaluations({
      subject: alice,
      action: read,
      context: { time: '2025-06-27T18:03-07:00' },
      evaluations: [
        { resource: record1 },
        { resource: record2, context: { time: '2025-06-27T19:00-07:00', source: 'batch-override' } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.evaluations).toHaveLength(2);
    for (const e of r.json.evaluations) expectDecisionObject(e);
  });

  // Advisory in the scenario ("Vendors MAY treat this test as advisory"): a per-item resource
  // without `type` falls back to the top-level resource's `type`.
  it('§C.3.2.7 (advisory) default value merging: item resource {id, properties} takes type from the top level → [true, false]', async () => {
    const r = await evaluations({
      subject: alice,
      action: write,
      resource: { type: 'record' },
      evaluations: [
        { resource: { id: 'record-1', properties: { status: 'active' } } },
        { resource: { type: 'record', id: 'record-2', properties: { status: 'archived' } } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: false }] });
  });
});

describe('AuthZEN 1.0 cert §C.3.3 batch response format', () => {
  it('§C.3.3.1–4 length and order match the request, each item has a boolean decision, no top-level decision', async () => {
    // A pattern that a reordering (or a dropped item) would change.
    const items = [
      { subject: bob, action: write, resource: record1 }, // false
      { subject: alice, action: read, resource: record1 }, // true
      { subject: alice, action: write, resource: record2 }, // false (archived)
      { subject: bob, action: read, resource: record2 }, // true
      { subject: alice, action: write, resource: record1 }, // true
      { subject: bob, action: write, resource: record2 }, // true (admin, archived)
      { subject: { type: 'user', id: 'nobody' }, action: write, resource: record1 }, // false
    ];
    const expected = [false, true, false, true, true, true, false];
    const r = await evaluations({ evaluations: items });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBeUndefined();
    expect(r.json.evaluations).toHaveLength(items.length);
    for (const e of r.json.evaluations) expectDecisionObject(e);
    expect(r.json.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual(expected);
  });

  it('items are bare {"decision": bool} by default; options.include_context adds a context object per item', async () => {
    const plain = await evaluations({ subject: alice, action: read, evaluations: [{ resource: record1 }] });
    expect(plain.json.evaluations).toEqual([{ decision: true }]);
    const withCtx = await evaluations({ subject: alice, action: read, options: { include_context: true }, evaluations: [{ resource: record1 }] });
    expect(withCtx.status).toBe(200);
    expect(withCtx.json.evaluations[0].decision).toBe(true);
    expect(withCtx.json.evaluations[0].context).toBeTypeOf('object');
  });
});

describe('AuthZEN 1.0 §7.1.2 evaluations_semantic (batch short-circuiting)', () => {
  const T1 = { subject: alice, action: read, resource: record1 }; // true
  const F1 = { subject: bob, action: write, resource: record1 }; // false
  const T2 = { subject: bob, action: read, resource: record2 }; // true
  const F2 = { subject: alice, action: write, resource: record2 }; // false

  it('execute_all (explicit) evaluates every item, in order', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'execute_all' }, evaluations: [T1, F1, T2, F2] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: false }, { decision: true }, { decision: false }] });
  });

  it('execute_all is the default', async () => {
    const r = await evaluations({ evaluations: [F1, T1, F2] });
    expect(r.json).toEqual({ evaluations: [{ decision: false }, { decision: true }, { decision: false }] });
  });

  it('deny_on_first_deny stops after the first false; the response is truncated there', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'deny_on_first_deny' }, evaluations: [T1, T2, F1, T1, F2] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: true }, { decision: false }] });
  });

  it('deny_on_first_deny with no deny evaluates all', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'deny_on_first_deny' }, evaluations: [T1, T2] });
    expect(r.json).toEqual({ evaluations: [{ decision: true }, { decision: true }] });
  });

  it('deny_on_first_deny treats an invalid item as a deny and stops there', async () => {
    const r = await evaluations({ subject: alice, action: read, options: { evaluations_semantic: 'deny_on_first_deny' }, evaluations: [{ resource: record1 }, {}, { resource: record1 }] });
    expect(r.status).toBe(200);
    expect(r.json.evaluations).toHaveLength(2);
    expect(r.json.evaluations[0]).toEqual({ decision: true });
    expect(r.json.evaluations[1].decision).toBe(false);
  });

  it('permit_on_first_permit stops after the first true', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'permit_on_first_permit' }, evaluations: [F1, F2, T1, F1, T2] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ evaluations: [{ decision: false }, { decision: false }, { decision: true }] });
  });

  it('permit_on_first_permit with no permit evaluates all', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'permit_on_first_permit' }, evaluations: [F1, F2] });
    expect(r.json).toEqual({ evaluations: [{ decision: false }, { decision: false }] });
  });

  it('an unknown evaluations_semantic is a whole-payload error → 400 at /options/evaluations_semantic', async () => {
    const r = await evaluations({ options: { evaluations_semantic: 'first_wins' }, evaluations: [T1] });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_REQUEST_INVALID');
    expect(r.json.error.details.path).toBe('/options/evaluations_semantic');
  });
});

describe('AuthZEN 1.0 cert §C.3.4 batch error handling', () => {
  it('§C.3.4.1 an item missing a required field under execute_all → HTTP 200, that item decision:false, cardinality kept', async () => {
    const r = await evaluations({ subject: alice, action: read, evaluations: [{ resource: record1 }, {}] });
    expect(r.status).toBe(200);
    expect(r.json.evaluations).toHaveLength(2);
    expect(r.json.evaluations[0]).toEqual({ decision: true });
    expect(r.json.evaluations[1].decision).toBe(false);
    // Error details are allowed in the item's context (AuthZEN 1.0 §7.2.1 uses context.error).
    if (r.json.evaluations[1].context !== undefined) expect(r.json.evaluations[1].context.error.status).toBe(400);
  });

  it('§C.3.4.1 items with a wrong type or a missing sub-field are per-item denials, the rest decided', async () => {
    const r = await evaluations({
      subject: alice,
      action: read,
      evaluations: [{ resource: { type: 'record' } }, { resource: record1 }, { subject: 'alice' }, 'not-an-object', { action: { name: 123 } }],
    });
    expect(r.status).toBe(200);
    expect(r.json.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([false, true, false, false, false]);
  });

  it('§C.3.4.1 whole-payload failures stay HTTP errors: malformed JSON → 400', async () => {
    const r = await evaluations('{"evaluations": [}');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_JSON_MALFORMED');
  });

  it('`evaluations` that is not an array → 400 at /evaluations', async () => {
    const r = await evaluations({ subject: alice, action: read, resource: record1, evaluations: { 1: { resource: record1 } } });
    expect(r.status).toBe(400);
    expect(r.json.error.details.path).toBe('/evaluations');
  });

  it('§C.3.4.2 missing evaluations array behaves like the single endpoint → {"decision": true}', async () => {
    const r = await evaluations({ subject: alice, action: read, resource: record1 });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
    expect(r.json.evaluations).toBeUndefined();
  });

  it('§C.3.4.3 empty evaluations array behaves like the single endpoint → {"decision": true}', async () => {
    const r = await evaluations({ subject: alice, action: read, resource: record1, evaluations: [] });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
    expect(r.json.evaluations).toBeUndefined();
  });

  it('absent/empty evaluations with a missing top-level field → 400 like the single endpoint', async () => {
    const absent = await evaluations({ subject: alice, action: read });
    const empty = await evaluations({ subject: alice, resource: record1, evaluations: [] });
    expect(absent.status).toBe(400);
    expect(absent.json.error.details.path).toBe('/resource');
    expect(empty.status).toBe(400);
    expect(empty.json.error.details.path).toBe('/action');
  });
});

describe('AuthZEN 1.0 cert §C.6 discovery (GET /.well-known/authzen-configuration)', () => {
  const isAbsoluteUrl = (v: unknown): URL => {
    expect(typeof v).toBe('string');
    const u = new URL(v as string);
    expect(u.search).toBe('');
    expect(u.hash).toBe('');
    return u;
  };

  it('§C.6.2–6.5 200 application/json; policy_decision_point equals the base URL used for discovery; endpoints are absolute URLs with the default paths', async () => {
    const res = await fetch(`${gw.url}/.well-known/authzen-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as Record<string, unknown>;
    // We run plain http on loopback in tests, so the scenario's "valid HTTPS URL" check is
    // reduced to "absolute URL"; the https case is covered with publicUrl below.
    expect(isAbsoluteUrl(doc['policy_decision_point']).href.replace(/\/$/, '')).toBe(gw.url);
    expect(doc['policy_decision_point']).toBe(gw.url);
    expect(isAbsoluteUrl(doc['access_evaluation_endpoint']).pathname).toBe('/access/v1/evaluation');
    expect(doc['access_evaluation_endpoint']).toBe(`${gw.url}/access/v1/evaluation`);
    expect(isAbsoluteUrl(doc['access_evaluations_endpoint']).pathname).toBe('/access/v1/evaluations');
    expect(doc['access_evaluations_endpoint']).toBe(`${gw.url}/access/v1/evaluations`);
    if (doc['capabilities'] !== undefined) {
      expect(Array.isArray(doc['capabilities'])).toBe(true);
      for (const c of doc['capabilities'] as unknown[]) expect(typeof c).toBe('string');
    }
  });

  it('§C.6.4 the Search APIs are advertised at their default paths', async () => {
    const doc = (await (await fetch(`${gw.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
    for (const k of ['subject', 'resource', 'action']) {
      expect(doc[`search_${k}_endpoint`]).toBe(`${gw.url}/access/v1/search/${k}`);
      expect(isAbsoluteUrl(doc[`search_${k}_endpoint`]).pathname).toBe(`/access/v1/search/${k}`);
    }
  });

  it('the advertised endpoints work when followed', async () => {
    const doc = (await (await fetch(`${gw.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
    const r = await postJson(doc['access_evaluation_endpoint']!, { subject: alice, action: read, resource: record1 });
    expect(r.json.decision).toBe(true);
    const s = await postJson(doc['search_action_endpoint']!, { subject: alice, resource: record1 });
    expect(s.json.results).toEqual(expect.arrayContaining([{ name: 'read' }, { name: 'write' }]));
  });

  it('with publicUrl configured the document carries https URLs on that base (§C.6.3 "HTTPS, no query string or fragment")', async () => {
    const pub = await startGateway({ policies: BUNDLE, config: { publicUrl: 'https://pdp.example.com' } });
    try {
      const doc = (await (await fetch(`${pub.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
      expect(doc['policy_decision_point']).toBe('https://pdp.example.com');
      expect(doc['access_evaluation_endpoint']).toBe('https://pdp.example.com/access/v1/evaluation');
      expect(doc['access_evaluations_endpoint']).toBe('https://pdp.example.com/access/v1/evaluations');
      expect(doc['search_subject_endpoint']).toBe('https://pdp.example.com/access/v1/search/subject');
      for (const k of Object.keys(doc).filter((x) => x !== 'capabilities')) expect(new URL(doc[k]!).protocol, k).toBe('https:');
    } finally {
      await pub.close();
    }
  });
});

/** §C.4.x harness checks for a search answer: 200 JSON, `results` an array of well-formed entries. */
function expectSearchAnswer(r: { status: number; headers: Headers; json: any }, kind: 'subject' | 'resource' | 'action', type?: string): void {
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Array.isArray(r.json.results)).toBe(true);
  for (const e of r.json.results) {
    if (kind === 'action') expect(typeof e.name).toBe('string');
    else {
      expect(typeof e.id).toBe('string');
      expect(e.type).toBe(type);
    }
  }
  if (r.json.page !== undefined) {
    expect(r.json.page).toBeTypeOf('object');
    expect(typeof r.json.page.next_token).toBe('string');
  }
}

describe('AuthZEN 1.0 cert §C.4 Search (Core)', () => {
  const search = (kind: string, body: unknown, headers?: Record<string, string>) => postJson(`${gw.url}/access/v1/search/${kind}`, body, headers);
  const ids = (r: { json: any }) => r.json.results.map((e: { id?: string; name?: string }) => e.id ?? e.name);

  it('§C.4.2.1 subject search: users who may read record-1 include alice and bob', async () => {
    const r = await search('subject', { subject: { type: 'user' }, action: read, resource: record1 });
    expectSearchAnswer(r, 'subject', 'user');
    expect(ids(r)).toEqual(expect.arrayContaining(['alice', 'bob']));
  });

  it('§C.4.2.2 subject search with context is accepted', async () => {
    const r = await search('subject', { subject: { type: 'user' }, action: read, resource: record1, context: { time: '2025-06-27T18:03-07:00' } });
    expectSearchAnswer(r, 'subject', 'user');
    expect(ids(r)).toEqual(expect.arrayContaining(['alice', 'bob']));
  });

  it('§C.4.2.3 a subject.id sent in a subject search is ignored', async () => {
    const r = await search('subject', { subject: { type: 'user', id: 'alice' }, action: read, resource: record1 });
    expectSearchAnswer(r, 'subject', 'user');
    expect(ids(r)).toEqual(expect.arrayContaining(['alice', 'bob']));
  });

  it('§C.4.3.1 resource search: records alice may read include record-1', async () => {
    const r = await search('resource', { subject: alice, action: read, resource: { type: 'record' } });
    expectSearchAnswer(r, 'resource', 'record');
    expect(ids(r)).toContain('record-1');
  });

  it('§C.4.3.2 a resource.id sent in a resource search is ignored', async () => {
    const r = await search('resource', { subject: alice, action: read, resource: { type: 'record', id: 'record-2' } });
    expectSearchAnswer(r, 'resource', 'record');
    expect(ids(r).sort()).toEqual(['record-1', 'record-2']);
  });

  it('§C.4.4.1 action search: alice on record-1 may read and write (and not hard-delete)', async () => {
    const r = await search('action', { subject: alice, resource: record1 });
    expectSearchAnswer(r, 'action');
    expect(ids(r).sort()).toEqual(['read', 'write']);
  });

  it('§C.4.4.2 action search with context is accepted', async () => {
    const r = await search('action', { subject: alice, resource: record1, context: { ip: '192.168.1.1' } });
    expectSearchAnswer(r, 'action');
    expect(ids(r)).toEqual(expect.arrayContaining(['read', 'write']));
  });

  it('§C.4.5.1–3 page.limit 1 pages through the users one at a time; next_token is a string, empty on the last page', async () => {
    const body = { subject: { type: 'user' }, action: read, resource: record1 };
    const first = await search('subject', { ...body, page: { limit: 1 } });
    expectSearchAnswer(first, 'subject', 'user');
    expect(first.json.results).toHaveLength(1);
    expect(first.json.page.count).toBe(1);
    expect(first.json.page.next_token.length).toBeGreaterThan(0);
    const second = await search('subject', { ...body, page: { token: first.json.page.next_token } });
    expectSearchAnswer(second, 'subject', 'user');
    expect(second.json.page.next_token).toBe('');
    expect([...ids(first), ...ids(second)].sort()).toEqual(['alice', 'bob']);
  });

  it('§C.4.5.4 a page object is accepted and the single page ends with an empty next_token', async () => {
    const r = await search('resource', { subject: alice, action: read, resource: { type: 'record' }, page: { limit: 50 } });
    expectSearchAnswer(r, 'resource', 'record');
    expect(r.json.page.next_token).toBe('');
  });

  it('§C.4.6.1 an unknown subject id gives an empty results array', async () => {
    const r = await search('action', { subject: { type: 'user', id: 'nonexistent-user' }, resource: record1 });
    expectSearchAnswer(r, 'action');
    expect(r.json.results).toEqual([]);
  });

  it('§C.4.6.2 an unknown entity type gives an empty results array, not 400', async () => {
    const r = await search('subject', { subject: { type: 'spaceship' }, action: read, resource: record1 });
    expectSearchAnswer(r, 'subject', 'spaceship');
    expect(r.json.results).toEqual([]);
  });

  const missing: [string, string, unknown, string][] = [
    ['§C.4.7.1 subject search without action', 'subject', { subject: { type: 'user' }, resource: record1 }, '/action'],
    ['§C.4.7.1 resource search without subject', 'resource', { action: read, resource: { type: 'record' } }, '/subject'],
    ['§C.4.7.1 action search without resource', 'action', { subject: alice }, '/resource'],
    ['§C.4.7.2 subject search whose resource has no id', 'subject', { subject: { type: 'user' }, action: read, resource: { type: 'record' } }, '/resource/id'],
    ['§C.4.7.2 resource search whose subject has no id', 'resource', { subject: { type: 'user' }, action: read, resource: { type: 'record' } }, '/subject/id'],
    ['subject search whose subject has no type', 'subject', { subject: {}, action: read, resource: record1 }, '/subject/type'],
    ['a page.limit of 0', 'subject', { subject: { type: 'user' }, action: read, resource: record1, page: { limit: 0 } }, '/page/limit'],
    ['a page.token that is not a token this gateway issued', 'subject', { subject: { type: 'user' }, action: read, resource: record1, page: { token: 'bm9wZQ' } }, '/page/token'],
  ];
  for (const [title, kind, body, path] of missing) {
    it(`${title} → 400 ERR_REQUEST_INVALID at ${path}`, async () => {
      const r = await search(kind, body, { 'x-request-id': 'search-err' });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('ERR_REQUEST_INVALID');
      expect(r.json.error.details.path).toBe(path);
      expect(r.headers.get('x-request-id')).toBe('search-err');
    });
  }

  it('a page token of one search is refused by a search that differs in anything but page', async () => {
    const first = await search('subject', { subject: { type: 'user' }, action: read, resource: record1, page: { limit: 1 } });
    const token = first.json.page.next_token as string;
    const other = await search('subject', { subject: { type: 'user' }, action: write, resource: record1, page: { token } });
    expect(other.status).toBe(400);
    expect(other.json.error.details.path).toBe('/page/token');
  });

  it('§C.5.4 X-Request-ID is echoed on a search', async () => {
    const r = await search('action', { subject: alice, resource: record1 }, { 'x-request-id': 'search-7' });
    expect(r.headers.get('x-request-id')).toBe('search-7');
  });
});

describe('AuthZEN 1.0 cert §C.4 Search (Properties)', () => {
  const search = (kind: string, body: unknown) => postJson(`${gw.url}/access/v1/search/${kind}`, body);
  const archived = { ...record2, properties: { status: 'archived' } };
  const admin = { ...bob, properties: { role: 'admin' } };

  it('§C.4.2.4 subject search: users who may write record-2 (archived) include bob (rule 6), not alice', async () => {
    const r = await search('subject', { subject: { type: 'user' }, action: write, resource: archived });
    expectSearchAnswer(r, 'subject', 'user');
    expect(r.json.results).toEqual([{ type: 'user', id: 'bob' }]);
  });

  it('§C.4.3.3 resource search: records bob (admin) may write include record-2 and not the active record-1', async () => {
    const r = await search('resource', { subject: admin, action: write, resource: { type: 'record' } });
    expectSearchAnswer(r, 'resource', 'record');
    expect(r.json.results).toEqual([{ type: 'record', id: 'record-2' }]);
  });

  it('§C.4.4.3 action search: bob (admin) on archived record-2 may write', async () => {
    const r = await search('action', { subject: admin, resource: archived });
    expectSearchAnswer(r, 'action');
    expect(r.json.results.map((e: { name: string }) => e.name).sort()).toEqual(['read', 'write']);
  });
});
