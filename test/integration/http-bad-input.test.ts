/**
 * Bad input over HTTP against the real gateway (threats.md §3.1 "Malformed JSON and HTTP").
 *
 * For every payload: the right status and stable code; the body is exactly
 * `{"error": {"code", "message", "details"?}}`; the process keeps serving; nothing is audited as a
 * decision for a request that was never valid (the audit chain head does not move) but the
 * rejection is counted in `airlock_http_rejected_total{code}`. Valid requests add exactly one
 * audit record each.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as rawPostJson, startGateway, type StartedGateway } from '../helpers/server.js';

const BUNDLE = 'test/fixtures/bundles/authzen-cert';
const VALID = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };
const VALID_TEXT = JSON.stringify(VALID);
const ERROR_CODES = new Set([
  'ERR_JSON_MALFORMED',
  'ERR_JSON_DUPLICATE_KEY',
  'ERR_JSON_FORBIDDEN_KEY',
  'ERR_JSON_UNSAFE_INTEGER',
  'ERR_JSON_TOO_DEEP',
  'ERR_JSON_TOO_LARGE',
  'ERR_BODY_EMPTY',
  'ERR_BODY_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_REQUEST_INVALID',
  'ERR_NOT_FOUND',
  'ERR_METHOD_NOT_ALLOWED',
]);

let gw: StartedGateway;
/** Every request authenticates as the registered enforcement point (`test-pep`, may ask about any `user`). */
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => rawPostJson(url, body, { ...gw.headers, ...headers });
beforeAll(async () => {
  gw = await startGateway({ policies: BUNDLE });
});
afterAll(async () => {
  await gw?.close();
});

async function auditSeq(): Promise<number> {
  return (await gw.runtime.store.audit.head('main'))?.seq ?? 0;
}

/** `airlock_http_rejected_total{code="…"}` from GET /metrics (0 when the series does not exist yet). */
async function rejectedCount(code: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`, { headers: gw.adminHeaders })).text();
  const m = new RegExp(`^airlock_http_rejected_total\\{code="${code}"\\} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The error body contract: exactly {"error": {...}} with string code/message and optional object details. */
function expectErrorBody(text: string, code: string): any {
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  const e = body.error;
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  for (const k of Object.keys(e)) expect(['code', 'message', 'details']).toContain(k);
  if (e.details !== undefined) {
    expect(typeof e.details).toBe('object');
    expect(Array.isArray(e.details)).toBe(false);
  }
  expect(ERROR_CODES.has(e.code)).toBe(true);
  return body;
}

async function expectAlive(): Promise<void> {
  const r = await fetch(`${gw.url}/healthz`);
  expect(r.status).toBe(200);
  const ok = await postJson(`${gw.url}/access/v1/evaluation`, VALID);
  expect(ok.json.decision).toBe(true);
}

interface Rejection {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * Sends one bad request and checks the whole contract around it: status, code, body shape,
 * no audit record, +1 in the rejected counter, and the server still answering afterwards.
 */
async function expectRejected(send: () => Promise<Rejection>, status: number, code: string): Promise<any> {
  const seqBefore = await auditSeq();
  const countBefore = await rejectedCount(code);
  const r = await send();
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  const body = expectErrorBody(r.text, code);
  expect(await auditSeq()).toBe(seqBefore);
  expect(await rejectedCount(code)).toBe(countBefore + 1);
  await expectAlive();
  return body;
}

/** POSTs a raw body; `contentType: null` sends no Content-Type header. */
const post = (path: string, body: string | Uint8Array, contentType: string | null = 'application/json') => async (): Promise<Rejection> => {
  const headers: Record<string, string> = { ...gw.headers };
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

/** Raw HTTP/1.1 POST with chunked transfer encoding (no Content-Length). */
const postChunked = (path: string, chunks: number, chunkSize: number) => (): Promise<Rejection> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(gw.url);
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), path, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...gw.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), headers });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      // The server may close the socket once the limit is hit; that is acceptable only after a response.
      reject(e);
    });
    const chunk = Buffer.alloc(chunkSize, 0x20);
    let i = 0;
    const pump = () => {
      while (i < chunks) {
        i++;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.write('[');
    pump();
  });

describe('threats.md §3.1 malformed JSON (JSONTestSuite-style n_ cases) → 400 ERR_JSON_MALFORMED', () => {
  const cases: [string, string][] = [
    ['n_object_trailing_comma', '{"subject": {"type": "user", "id": "alice"},}'],
    ['n_array_extra_comma', '[1,]'],
    ['n_number_NaN', '{"a": NaN}'],
    ['n_number_infinity', '{"a": Infinity}'],
    ['n_number_minus_infinity', '{"a": -Infinity}'],
    ['n_object_trailing_comment', '{"a": 1} /* comment */'],
    ['n_object_comment', '{"a": /* c */ 1}'],
    ['n_object_single_quote', "{'a': 1}"],
    ['n_object_unquoted_key', '{a: 1}'],
    ['n_object_missing_colon', '{"a" 1}'],
    ['n_array_missing_comma', '[1 2]'],
    ['n_number_leading_zero', '{"a": 01}'],
    ['n_number_plus', '{"a": +1}'],
    ['n_number_starting_with_dot', '{"a": .5}'],
    ['n_number_real_without_fractional_part', '{"a": 1.}'],
    ['n_number_hex', '{"a": 0x1}'],
    ['n_string_escape_x', '{"a": "\\x41"}'],
    ['n_string_unescaped_ctrl_char (U+0000)', '{"a": "x\u0000y"}'],
    ['n_string_unescaped_tab', '{"a": "x\ty"}'],
    ['n_string_unterminated', '{"a": "abc'],
    ['n_incomplete_true', '{"a": tru}'],
    ['n_structure_trailing_garbage', '{"a": 1}}'],
    ['n_structure_two_values', '{} {}'],
    ['n_structure_lone_close', '}'],
    ['n_structure_unclosed_array', '[1, 2'],
    ['n_string_bad_unicode_escape', '{"a": "\\u12G4"}'],
    ['n_structure_UTF8_BOM_no_data / BOM before value', '\uFEFF' + VALID_TEXT],
  ];
  for (const [name, body] of cases) {
    it(name, async () => {
      await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_MALFORMED');
    });
  }

  it('lone surrogate "\\ud800" (I-JSON, RFC 7493 §2.1) → 400 ERR_JSON_MALFORMED', async () => {
    const body = VALID_TEXT.replace('"alice"', '"\\ud800"');
    await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_MALFORMED');
  });

  it('lone low surrogate "\\udc00" in a key → 400 ERR_JSON_MALFORMED', async () => {
    await expectRejected(post('/access/v1/evaluation', '{"\\udc00": 1}'), 400, 'ERR_JSON_MALFORMED');
  });

  it('a valid surrogate pair is accepted (not a false positive)', async () => {
    const r = await postJson(`${gw.url}/access/v1/evaluation`, VALID_TEXT.replace('"alice"', '"\\ud83d\\ude00"'));
    expect(r.status).toBe(200);
  });

  // threats.md §3.1 lists invalid UTF-8 among the n_ cases that must be a 400.
  it('invalid UTF-8 bytes in the body (n_string_invalid_utf-8) → 400 ERR_JSON_MALFORMED', async () => {
    const bytes = Buffer.from(VALID_TEXT.replace('"alice"', '"al\u0001ice"'), 'utf8');
    bytes[bytes.indexOf(0x01)] = 0xff; // a byte that never occurs in UTF-8
    await expectRejected(post('/access/v1/evaluation', bytes), 400, 'ERR_JSON_MALFORMED');
  });
});

describe('threats.md §3.1 body and media type', () => {
  it('empty body → 400 ERR_BODY_EMPTY', async () => {
    await expectRejected(post('/access/v1/evaluation', ''), 400, 'ERR_BODY_EMPTY');
  });

  it('whitespace-only body → 400 ERR_BODY_EMPTY', async () => {
    await expectRejected(post('/access/v1/evaluation', '  \n '), 400, 'ERR_BODY_EMPTY');
  });

  it('no Content-Type and no body → 400 ERR_BODY_EMPTY', async () => {
    await expectRejected(post('/access/v1/evaluation', new Uint8Array(0), null), 400, 'ERR_BODY_EMPTY');
  });

  it('body over the 1 MiB limit (Content-Length) → 413 ERR_BODY_TOO_LARGE', async () => {
    const big = `{"subject":{"type":"user","id":"alice","properties":{"pad":"${'a'.repeat(1_048_576)}"}},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`;
    await expectRejected(post('/access/v1/evaluation', big), 413, 'ERR_BODY_TOO_LARGE');
  });

  it('body over the limit with chunked encoding and no Content-Length → 413 ERR_BODY_TOO_LARGE', async () => {
    await expectRejected(postChunked('/access/v1/evaluation', 40, 64 * 1024), 413, 'ERR_BODY_TOO_LARGE');
  });

  it('a body just under the limit is parsed (the limit is not off by a lot)', async () => {
    const pad = 'a'.repeat(1_000_000);
    const r = await postJson(`${gw.url}/access/v1/evaluation`, { ...VALID, context: { pad } });
    expect(r.status).toBe(200);
  });

  it('Content-Type text/plain → ERR_UNSUPPORTED_MEDIA_TYPE (400 on AuthZEN endpoints, 415 elsewhere)', async () => {
    await expectRejected(post('/v1/authorize', VALID_TEXT, 'text/plain'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    await expectRejected(post('/access/v1/evaluation', VALID_TEXT, 'text/plain'), 400, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('Content-Type application/x-www-form-urlencoded → ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    await expectRejected(post('/access/v1/evaluation', 'a=1', 'application/x-www-form-urlencoded'), 400, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('Content-Type application/json; charset=utf-16 → ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const utf16 = Buffer.from(VALID_TEXT, 'utf16le');
    await expectRejected(post('/access/v1/evaluation', utf16, 'application/json; charset=utf-16'), 400, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('body without any Content-Type → ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    // A Uint8Array body: fetch adds no Content-Type of its own (a string body would get text/plain).
    await expectRejected(post('/v1/authorize', Buffer.from(VALID_TEXT), null), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    await expectRejected(post('/access/v1/evaluation', Buffer.from(VALID_TEXT), null), 400, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('application/json; charset=utf-8 (any case) is accepted', async () => {
    for (const ct of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
      const r = await postJson(`${gw.url}/access/v1/evaluation`, VALID_TEXT, { 'content-type': ct });
      expect(r.status, ct).toBe(200);
    }
  });
});

describe('threats.md §3.1 structural limits and dangerous keys', () => {
  it('array depth 10,000 → 400 ERR_JSON_TOO_DEEP, no stack overflow', async () => {
    await expectRejected(post('/access/v1/evaluation', '['.repeat(10_000) + ']'.repeat(10_000)), 400, 'ERR_JSON_TOO_DEEP');
  });

  it('object depth 10,000 inside context → 400 ERR_JSON_TOO_DEEP', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    await expectRejected(post('/access/v1/evaluation', VALID_TEXT.slice(0, -1) + `,"context":${deep}}`), 400, 'ERR_JSON_TOO_DEEP');
  });

  it('unterminated depth 100,000 → 400 (depth is checked before the end is read)', async () => {
    await expectRejected(post('/access/v1/evaluation', '['.repeat(100_000)), 400, 'ERR_JSON_TOO_DEEP');
  });

  it('duplicate top-level key {"action":…,"action":…} → 400 ERR_JSON_DUPLICATE_KEY at /action', async () => {
    const body = '{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"action":{"name":"delete"},"resource":{"type":"record","id":"record-1"}}';
    const e = await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_DUPLICATE_KEY');
    expect(e.error.details.path).toBe('/action');
  });

  it('duplicate key at depth → 400 ERR_JSON_DUPLICATE_KEY with its JSON pointer', async () => {
    const body = '{"subject":{"type":"user","id":"alice","id":"bob"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}';
    const e = await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_DUPLICATE_KEY');
    expect(e.error.details.path).toBe('/subject/id');
  });

  const forbidden: [string, string, string][] = [
    ['__proto__ at top level', '{"__proto__":{"admin":true}}', '/__proto__'],
    ['__proto__ in subject.properties', VALID_TEXT.replace('"id":"alice"', '"id":"alice","properties":{"__proto__":{"role":"admin"}}'), '/subject/properties/__proto__'],
    ['constructor.prototype in context', VALID_TEXT.slice(0, -1) + ',"context":{"x":[{"constructor":{"prototype":{"admin":true}}}]}}', '/context/x/0/constructor'],
    ['prototype key', '{"context":{"prototype":1}}', '/context/prototype'],
  ];
  for (const [name, body, path] of forbidden) {
    it(`${name} → 400 ERR_JSON_FORBIDDEN_KEY at ${path}`, async () => {
      const e = await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_FORBIDDEN_KEY');
      expect(e.error.details.path).toBe(path);
    });
  }

  it('2^53+1 → 400 ERR_JSON_UNSAFE_INTEGER', async () => {
    const body = VALID_TEXT.slice(0, -1) + ',"context":{"amount":9007199254740993}}';
    const e = await expectRejected(post('/access/v1/evaluation', body), 400, 'ERR_JSON_UNSAFE_INTEGER');
    expect(e.error.details.path).toBe('/context/amount');
  });

  it('1e309 (not finite) → 400 ERR_JSON_UNSAFE_INTEGER', async () => {
    await expectRejected(post('/access/v1/evaluation', VALID_TEXT.slice(0, -1) + ',"context":{"ttl":1e309}}'), 400, 'ERR_JSON_UNSAFE_INTEGER');
  });

  it('2^53-1 is accepted', async () => {
    const r = await postJson(`${gw.url}/access/v1/evaluation`, VALID_TEXT.slice(0, -1) + ',"context":{"amount":9007199254740991}}');
    expect(r.status).toBe(200);
  });

  it('object with more than 10,000 keys → 400 ERR_JSON_TOO_LARGE', async () => {
    const keys = Array.from({ length: 10_001 }, (_, i) => `"k${i}":0`).join(',');
    await expectRejected(post('/access/v1/evaluation', VALID_TEXT.slice(0, -1) + `,"context":{${keys}}}`), 400, 'ERR_JSON_TOO_LARGE');
  });
});

describe('threats.md §3.1 request shape → 400 ERR_REQUEST_INVALID with the JSON pointer of the bad field', () => {
  const cases: [string, string, unknown, string][] = [
    ['/access/v1/evaluation', 'missing subject', { action: VALID.action, resource: VALID.resource }, '/subject'],
    ['/access/v1/evaluation', 'subject.id empty', { ...VALID, subject: { type: 'user', id: '' } }, '/subject/id'],
    ['/access/v1/evaluation', 'subject.type a number', { ...VALID, subject: { type: 1, id: 'alice' } }, '/subject/type'],
    ['/access/v1/evaluation', 'resource null', { ...VALID, resource: null }, '/resource'],
    ['/access/v1/evaluation', 'action an array', { ...VALID, action: ['read'] }, '/action'],
    ['/access/v1/evaluation', 'action.properties a string', { ...VALID, action: { name: 'read', properties: 'soft' } }, '/action/properties'],
    ['/access/v1/evaluation', 'resource.id over 1024 characters', { ...VALID, resource: { type: 'record', id: 'r'.repeat(1025) } }, '/resource/id'],
    ['/access/v1/evaluation', 'body is a number', 42, '/'],
    ['/access/v1/evaluation', 'body is null', null, '/'],
    ['/v1/authorize', 'missing action', { subject: VALID.subject, resource: VALID.resource }, '/action'],
    ['/v1/authorize', 'context an array', { ...VALID, context: [] }, '/context'],
    ['/access/v1/evaluations', 'options not an object', { ...VALID, options: 'fast', evaluations: [{}] }, '/options'],
    ['/access/v1/evaluations', 'evaluations a string', { ...VALID, evaluations: 'all' }, '/evaluations'],
  ];
  for (const [path, name, body, pointer] of cases) {
    it(`${path}: ${name} → details.path ${pointer}`, async () => {
      const e = await expectRejected(post(path, JSON.stringify(body)), 400, 'ERR_REQUEST_INVALID');
      expect(e.error.details.path).toBe(pointer);
    });
  }
});

describe('unknown routes and methods', () => {
  it('POST to an unknown route → 404 ERR_NOT_FOUND', async () => {
    await expectRejected(post('/access/v2/evaluation', VALID_TEXT), 404, 'ERR_NOT_FOUND');
  });

  it('GET an unknown route → 404 ERR_NOT_FOUND', async () => {
    await expectRejected(async () => {
      const res = await fetch(`${gw.url}/no/such/thing?x=1`, { headers: gw.headers });
      return { status: res.status, text: await res.text(), headers: res.headers };
    }, 404, 'ERR_NOT_FOUND');
  });

  it('GET /access/v1/evaluation (wrong method) is rejected with the error body, never a decision', async () => {
    const seq = await auditSeq();
    const res = await fetch(`${gw.url}/access/v1/evaluation`, { headers: gw.headers });
    const text = await res.text();
    expect([404, 405]).toContain(res.status);
    expectErrorBody(text, res.status === 405 ? 'ERR_METHOD_NOT_ALLOWED' : 'ERR_NOT_FOUND');
    expect(await auditSeq()).toBe(seq);
  });
});

describe('DESIGN §6 "every answer that was returned is in the audit log": valid requests', () => {
  it('each valid single request adds exactly one audit record (allow and deny alike)', async () => {
    const seq = await auditSeq();
    await postJson(`${gw.url}/access/v1/evaluation`, VALID);
    expect(await auditSeq()).toBe(seq + 1);
    await postJson(`${gw.url}/access/v1/evaluation`, { ...VALID, subject: { type: 'user', id: 'bob' }, action: { name: 'write' } });
    expect(await auditSeq()).toBe(seq + 2);
    const d = await postJson(`${gw.url}/v1/authorize`, VALID);
    expect(d.json.auditSeq).toBe(seq + 3);
    expect(await auditSeq()).toBe(seq + 3);
  });

  it('a batch adds one record per evaluated item; an invalid item is answered false without a record', async () => {
    const seq = await auditSeq();
    const r = await postJson(`${gw.url}/access/v1/evaluations`, { ...VALID, evaluations: [{}, { resource: { type: '' } }, { action: { name: 'write' } }] });
    expect(r.status).toBe(200);
    expect(r.json.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false, true]);
    expect(await auditSeq()).toBe(seq + 2);
  });

  it('the decision counter moves with valid requests and not with rejected ones', async () => {
    const metric = async () => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: gw.adminHeaders })).text();
      return [...text.matchAll(/^airlock_decisions_total\{outcome="[a-z_]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await metric();
    await post('/access/v1/evaluation', '{"a":')();
    await post('/access/v1/evaluation', JSON.stringify({ subject: 'alice' }))();
    expect(await metric()).toBe(before);
    await postJson(`${gw.url}/access/v1/evaluation`, VALID);
    expect(await metric()).toBe(before + 1);
  });
});
