import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../approval/webhook-signature.js';
import { createWebhookDispatcher } from './dispatcher.js';

const SECRET = 'whsec-test-secret';

/** A real receiver on loopback that verifies every delivery as a user's endpoint would. */
async function receiver(statuses: number[]) {
  const got: { verified: boolean; body: string; event: string | undefined }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const check = verifyWebhook(SECRET, req.headers['x-airlock-signature'] as string | undefined, body, Math.floor(Date.now() / 1000));
    got.push({ verified: check.ok, body, event: req.headers['x-airlock-event'] as string | undefined });
    res.statusCode = statuses.shift() ?? 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(r)) };
}

let closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

describe('signed webhooks', () => {
  it('delivers a body the receiver can verify, with the event type', async () => {
    const rx = await receiver([]);
    closers.push(rx.close);
    const d = createWebhookDispatcher({ targets: [{ url: rx.url, secret: SECRET }] });
    d.emit({ type: 'approval.created', id: 'evt-1', at: new Date().toISOString(), data: { approvalId: 'a1' } });
    await d.drain();
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0]!.verified).toBe(true);
    expect(rx.got[0]!.event).toBe('approval.created');
    expect(JSON.parse(rx.got[0]!.body).data.approvalId).toBe('a1');
  });

  it('retries with backoff on 5xx and stops on success', async () => {
    const rx = await receiver([503, 500, 200]);
    closers.push(rx.close);
    const d = createWebhookDispatcher({ targets: [{ url: rx.url, secret: SECRET }], baseDelayMs: 5 });
    d.emit({ type: 'approval.decided', id: 'evt-2', at: new Date().toISOString(), data: {} });
    await d.drain();
    expect(rx.got).toHaveLength(3);
  });

  it('gives up after maxAttempts and on a 4xx refusal; emit never throws or blocks', async () => {
    const rx = await receiver([400]);
    closers.push(rx.close);
    const results: boolean[] = [];
    const d = createWebhookDispatcher({ targets: [{ url: rx.url, secret: SECRET }, { url: 'http://127.0.0.1:1/nothing', secret: SECRET }], baseDelayMs: 1, maxAttempts: 3, onResult: (r) => results.push(r.ok) });
    // emit returns before any delivery is attempted: nothing has reached the receiver or the callback yet.
    const returned = d.emit({ type: 'approval.created', id: 'evt-3', at: new Date().toISOString(), data: {} });
    expect(returned).toBeUndefined();
    expect(rx.got).toHaveLength(0);
    expect(results).toHaveLength(0);
    await d.drain();
    expect(rx.got).toHaveLength(1); // 400: not retried
    expect(results.filter((ok) => !ok)).toHaveLength(1 + 3);
  });

  it('filters by event type', async () => {
    const rx = await receiver([]);
    closers.push(rx.close);
    const d = createWebhookDispatcher({ targets: [{ url: rx.url, secret: SECRET, events: ['approval.decided'] }] });
    d.emit({ type: 'approval.created', id: 'e', at: '', data: {} });
    await d.drain();
    expect(rx.got).toHaveLength(0);
  });
});

describe('webhook signature verification', () => {
  it('refuses a wrong secret, an edited body, a stale timestamp and a malformed header', async () => {
    const { signWebhook } = await import('../../approval/webhook-signature.js');
    const now = 1_790_000_000;
    const h = signWebhook(SECRET, '{"a":1}', now);
    expect(verifyWebhook(SECRET, h, '{"a":1}', now).ok).toBe(true);
    expect(verifyWebhook('other', h, '{"a":1}', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(SECRET, h, '{"a":2}', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(SECRET, h, '{"a":1}', now + 301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhook(SECRET, 'v1=abc', '{"a":1}', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhook(SECRET, undefined, '{"a":1}', now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
