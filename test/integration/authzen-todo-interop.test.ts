/**
 * The OpenID AuthZEN "Todo" interop vectors (authorization-api-1_0-02; 40 single + 3 batch cases)
 * replayed against the real gateway with the Todo policy as a Cedar bundle.
 *
 * Vectors: test/fixtures/authzen/todo-decisions-1_0-02.json (MIT, see the README beside it).
 * Comparison is the interop runner's (openid/authzen interop/authzen-todo-backend/test/runner.ts):
 * `data.decision || false` for a single evaluation and `JSON.stringify(data.evaluations)` for a
 * batch, so batch items must be bare `{"decision": bool}`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as rawPostJson, startGateway, type StartedGateway } from '../helpers/server.js';

interface Vectors {
  evaluation: { request: Record<string, unknown>; expected: boolean }[];
  evaluations: { request: Record<string, unknown>; expected: { decision: boolean }[] }[];
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/authzen/todo-decisions-1_0-02.json', import.meta.url), 'utf8')) as Vectors;

const NAMES: Record<string, string> = {
  CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs: 'rick',
  CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs: 'morty',
  CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs: 'summer',
  CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs: 'beth',
  CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs: 'jerry',
};

function title(req: any, expected: unknown, i: number): string {
  const who = NAMES[req.subject?.id] ?? req.subject?.id;
  const res = req.resource ? `${req.resource.type}:${req.resource.properties?.ownerID ?? req.resource.id}` : `${req.evaluations?.length} items`;
  return `#${i + 1} ${who} ${req.action?.name} ${res} → ${JSON.stringify(expected)}`;
}

let gw: StartedGateway;
/** Every request authenticates as the registered enforcement point (`test-pep`, may ask about any `user`). */
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => rawPostJson(url, body, { ...gw.headers, ...headers });
beforeAll(async () => {
  gw = await startGateway({ policies: 'test/fixtures/bundles/authzen-todo' });
});
afterAll(async () => {
  await gw?.close();
});

// The runner sends `Authorization: $AUTHZEN_PDP_API_KEY` — the bare key, no `Bearer` scheme. The
// key is that of the registered enforcement point `test-pep` (may ask about any `user`).
const runnerHeaders = () => ({ authorization: gw.pepKey });

describe('AuthZEN Todo interop (authorization-api-1_0-02) — the vector file', () => {
  it('has the 40 single and 3 batch cases of the upstream file', () => {
    expect(vectors.evaluation).toHaveLength(40);
    expect(vectors.evaluations).toHaveLength(3);
  });
});

describe('AuthZEN Todo interop (authorization-api-1_0-02) — POST /access/v1/evaluation', () => {
  vectors.evaluation.forEach((c, i) => {
    it(title(c.request, c.expected, i), async () => {
      const r = await postJson(`${gw.url}/access/v1/evaluation`, c.request, runnerHeaders());
      expect(r.status).toBe(200);
      const rsp = r.json.decision || false;
      expect(JSON.stringify(rsp)).toBe(JSON.stringify(c.expected));
    });
  });
});

describe('AuthZEN Todo interop (authorization-api-1_0-02) — POST /access/v1/evaluations', () => {
  vectors.evaluations.forEach((c, i) => {
    it(title(c.request, c.expected, i), async () => {
      const r = await postJson(`${gw.url}/access/v1/evaluations`, c.request, runnerHeaders());
      expect(r.status).toBe(200);
      const rsp = r.json.evaluations || [];
      // Exactly the runner's check: any extra member (e.g. `context`) in an item fails the case.
      expect(JSON.stringify(rsp)).toBe(JSON.stringify(c.expected));
    });
  });

  it('all 40 single cases as one batch (execute_all) give the same decisions in order', async () => {
    const r = await postJson(`${gw.url}/access/v1/evaluations`, { evaluations: vectors.evaluation.map((c) => c.request) }, runnerHeaders());
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.json.evaluations)).toBe(JSON.stringify(vectors.evaluation.map((c) => ({ decision: c.expected }))));
  });
});

describe('AuthZEN Todo interop — policy edges beyond the vectors', () => {
  const rick = 'CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs';
  const morty = 'CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs';
  const evalOne = async (subject: unknown, action: string, resource: unknown) =>
    (await postJson(`${gw.url}/access/v1/evaluation`, { subject, action: { name: action }, resource })).json.decision;

  it('an unknown subject gets nothing, not even can_read_todos (default deny)', async () => {
    expect(await evalOne({ type: 'user', id: 'unknown-pid' }, 'can_read_todos', { type: 'todo', id: 'todo-1' })).toBe(false);
  });

  it('a subject cannot grant itself a role or an email through properties (static facts win)', async () => {
    // Morty claims to be Rick by email: static email wins, so he still cannot edit Rick's todo.
    const todo = { type: 'todo', id: 't', properties: { ownerID: 'rick@the-citadel.com' } };
    expect(await evalOne({ type: 'user', id: morty, properties: { email: 'rick@the-citadel.com', roles: ['evil_genius'] } }, 'can_update_todo', todo)).toBe(false);
  });

  it('a todo without ownerID is editable only through a role that needs no ownership', async () => {
    const todo = { type: 'todo', id: 't' };
    expect(await evalOne({ type: 'user', id: morty }, 'can_update_todo', todo)).toBe(false);
    expect(await evalOne({ type: 'user', id: rick }, 'can_update_todo', todo)).toBe(true);
  });

  it('an unknown action is denied', async () => {
    expect(await evalOne({ type: 'user', id: rick }, 'can_drop_database', { type: 'todo', id: 'todo-1' })).toBe(false);
  });
});
