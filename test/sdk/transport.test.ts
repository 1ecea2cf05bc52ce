/**
 * The one HTTP client of Airlock's API (sdk/transport.ts), as the SDK and the CLI use it, against a
 * real loopback server that answers what a gateway (or something in front of it) can answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClientAt } from '../../src/cli/gateway-client.js';
import { lightFetchAsFetch } from '../../src/cli/light-fetch.js';
import { AirlockError } from '../../src/core/errors.js';
import { AirlockRequestError } from '../../src/sdk/errors.js';
import { createTransport } from '../../src/sdk/transport.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let url: string;
const seen: Seen[] = [];
const stalled: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const send = (status: number, payload: string, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(payload);
      switch (req.url) {
        case '/ok':
          return send(200, JSON.stringify({ fine: true }));
        case '/empty':
          return send(204, '');
        case '/airlock-error':
          return send(403, JSON.stringify({ error: { code: 'ERR_FORBIDDEN', message: 'not yours', details: { rule: 'owner' } } }));
        case '/future-error':
          return send(409, JSON.stringify({ error: { code: 'ERR_FROM_A_NEWER_GATEWAY', message: 'something new' } }));
        case '/proxy-error':
          return send(502, '<html>Bad Gateway</html>', 'text/html');
        case '/oauth-error':
          return send(400, JSON.stringify({ error: 'invalid_grant', error_description: 'expired' }));
        case '/stall':
          stalled.push(req);
          return undefined;
        default:
          return send(404, JSON.stringify({ error: { code: 'ERR_NOT_FOUND', message: 'no route' } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe.each([
  ['global fetch', undefined],
  ['the CLI light fetch', lightFetchAsFetch],
])('transport over %s', (_name, fetchImpl) => {
  const transport = () => createTransport({ url: `${url}/`, key: 'ak_test_secret', ...(fetchImpl ? { fetch: fetchImpl } : {}) });

  it('sends the key as a bearer token and JSON both ways', async () => {
    const a = await transport().call('POST', '/ok', { n: 1 });
    expect(a).toEqual({ status: 200, ok: true, json: { fine: true } });
    const s = seen.at(-1)!;
    expect(s.headers['authorization']).toBe('Bearer ak_test_secret');
    expect(s.headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.body)).toEqual({ n: 1 });
    expect((await transport().call('GET', '/empty')).json).toBeUndefined();
  });

  it('sends a form for the token endpoint and hands back a non-Airlock error body through send()', async () => {
    const a = await transport().send('POST', '/oauth-error', { form: new URLSearchParams({ grant_type: 'x' }) });
    expect(a).toEqual({ status: 400, ok: false, json: { error: 'invalid_grant', error_description: 'expired' } });
    expect(seen.at(-1)!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.at(-1)!.body).toBe('grant_type=x');
  });

  it('turns an Airlock error body into its code, status and details', async () => {
    const e = (await rejection(transport().call('GET', '/airlock-error'))) as AirlockRequestError;
    expect(e).toBeInstanceOf(AirlockRequestError);
    expect([e.code, e.status, e.message, e.details]).toEqual(['ERR_FORBIDDEN', 403, 'not yours', { rule: 'owner' }]);
  });

  it('a non-2xx answer without an Airlock body is ERR_BAD_RESPONSE, never a success', async () => {
    const e = (await rejection(transport().call('GET', '/proxy-error'))) as AirlockRequestError;
    expect([e.code, e.status]).toEqual(['ERR_BAD_RESPONSE', 502]);
  });

  it('no answer in time, or nobody listening, is ERR_SERVER_UNREACHABLE', async () => {
    const slow = createTransport({ url, key: 'k', timeoutMs: 300, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    const e = (await rejection(slow.call('GET', '/stall'))) as AirlockRequestError;
    expect([e.code, e.status]).toEqual(['ERR_SERVER_UNREACHABLE', 0]);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e2 = (await rejection(createTransport({ url: `http://127.0.0.1:${port}`, key: 'k', ...(fetchImpl ? { fetch: fetchImpl } : {}) }).call('GET', '/ok'))) as AirlockRequestError;
    expect(e2.code).toBe('ERR_SERVER_UNREACHABLE');
  });
});

describe('options are checked once, at creation', () => {
  it.each([
    [{ url: 'not a url', key: 'k' }, /not a URL/],
    [{ url: 'ftp://127.0.0.1', key: 'k' }, /http: or https:/],
    [{ url: 'http://127.0.0.1', key: '' }, /API key/],
    [{ url: 'http://127.0.0.1', key: 'k', timeoutMs: 0 }, /positive/],
  ])('%j', (options, message) => {
    expect(() => createTransport(options)).toThrow(message);
  });
});

describe('the CLI client (same transport, the CLI\'s own errors)', () => {
  it('a known code keeps its exit status and names the rule; an unknown code is internal', async () => {
    const c = gatewayClientAt(url, 'ak_cli');
    expect(await c.get('/ok')).toEqual({ fine: true });
    const known = (await rejection(c.get('/airlock-error'))) as AirlockError;
    expect(known).toBeInstanceOf(AirlockError);
    expect([known.code, known.message, known.exitCode]).toEqual(['ERR_FORBIDDEN', 'not yours [owner]', new AirlockError('ERR_FORBIDDEN').exitCode]);
    const future = (await rejection(c.post('/future-error'))) as AirlockError;
    expect([future.code, future.message]).toEqual(['ERR_INTERNAL', 'something new']);
    const proxy = (await rejection(c.get('/proxy-error'))) as AirlockError;
    expect(proxy.code).toBe('ERR_INTERNAL');
  });

  it('send() gives the OAuth error body back but still throws an Airlock error', async () => {
    const c = gatewayClientAt(url, 'ak_cli');
    expect((await c.send('POST', '/oauth-error', { form: new URLSearchParams() })).json).toEqual({ error: 'invalid_grant', error_description: 'expired' });
    expect(((await rejection(c.send('GET', '/airlock-error'))) as AirlockError).code).toBe('ERR_FORBIDDEN');
  });
});
