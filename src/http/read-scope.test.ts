import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { currentReadScope, inReadScope, type ReadScope } from '../store/read-scope.js';
import { registerReadScope } from './read-scope.js';

describe('one read scope per HTTP request', () => {
  const apps: ReturnType<typeof Fastify>[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('is the same in an async onRequest hook and in the handler after the JSON body was parsed, and new for each request', async () => {
    const app = Fastify();
    apps.push(app);
    registerReadScope(app, { readScope: inReadScope });
    const seen: Array<{ hook?: ReadScope; handler?: ReadScope }> = [];
    app.addHook('onRequest', async (req) => {
      // Like authentication: an await before the body arrives.
      await new Promise((r) => setImmediate(r));
      (req as unknown as { slot: number }).slot = seen.push({ hook: currentReadScope() }) - 1;
    });
    app.post('/x', async (req) => {
      await Promise.resolve();
      seen[(req as unknown as { slot: number }).slot]!.handler = currentReadScope();
      return { ok: (req.body as { n: number }).n };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/x`;
    // Concurrent requests, each body sent as its own chunk stream.
    const answers = await Promise.all([1, 2, 3].map((n) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) }).then((r) => r.json())));
    expect(answers).toEqual([{ ok: 1 }, { ok: 2 }, { ok: 3 }]);
    expect(seen).toHaveLength(3);
    for (const s of seen) {
      expect(s.hook).toBeDefined();
      expect(s.handler).toBe(s.hook);
    }
    expect(new Set(seen.map((s) => s.hook)).size).toBe(3);
    expect(currentReadScope()).toBeUndefined();
  });
});
