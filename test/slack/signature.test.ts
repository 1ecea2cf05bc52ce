import { describe, expect, it } from 'vitest';
import { createMemoryReplayGuard, signSlackRequest, verifySlackRequest } from '../../src/integrations/slack/signature.js';

/** https://docs.slack.dev/authentication/verifying-requests-from-slack - the documented example (standards.md §6.2). */
const vector = {
  title: 'https://docs.slack.dev/authentication/verifying-requests-from-slack - worked example',
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const at = (s: number) => s * 1000;
const headers = (sig: string, ts: string) => ({ 'x-slack-signature': sig, 'x-slack-request-timestamp': ts });

describe(vector.title, () => {
  it('signs the example to the documented signature', () => {
    expect(signSlackRequest(vector.secret, vector.timestamp, vector.body)).toBe(vector.signature);
    expect(signSlackRequest(vector.secret, vector.timestamp, Buffer.from(vector.body))).toBe(vector.signature);
  });

  it('verifies the example at its own time and within five minutes of it', () => {
    const h = headers(vector.signature, vector.timestamp);
    expect(verifySlackRequest(vector.secret, h, vector.body, at(1531420618))).toEqual({ ok: true, timestampS: 1531420618, signature: vector.signature });
    expect(verifySlackRequest(vector.secret, h, vector.body, at(1531420618 + 300)).ok).toBe(true);
    expect(verifySlackRequest(vector.secret, h, vector.body, at(1531420618 - 300)).ok).toBe(true);
  });

  it('is stale beyond five minutes either way, before the HMAC is even computed', () => {
    const h = headers(vector.signature, vector.timestamp);
    expect(verifySlackRequest(vector.secret, h, vector.body, at(1531420618 + 301))).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackRequest(vector.secret, h, vector.body, at(1531420618 - 301))).toEqual({ ok: false, reason: 'stale' });
  });

  it('a changed byte, another secret or another timestamp is a mismatch', () => {
    const now = at(1531420618);
    expect(verifySlackRequest(vector.secret, headers(vector.signature, vector.timestamp), vector.body.replace('roadrunner', 'roadrunnes'), now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackRequest('another', headers(vector.signature, vector.timestamp), vector.body, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackRequest(vector.secret, headers(vector.signature, '1531420619'), vector.body, now)).toEqual({ ok: false, reason: 'mismatch' });
    // The last hex digit wrong: same length, constant-time compare says no.
    expect(verifySlackRequest(vector.secret, headers(vector.signature.slice(0, -1) + '0', vector.timestamp), vector.body, now)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('missing or malformed headers are refused without comparing (length checked first)', () => {
    const now = at(1531420618);
    expect(verifySlackRequest(vector.secret, {}, vector.body, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySlackRequest(vector.secret, { 'x-slack-signature': vector.signature }, vector.body, now)).toEqual({ ok: false, reason: 'missing' });
    for (const sig of [vector.signature.slice(0, -2), `${vector.signature}00`, vector.signature.toUpperCase(), `v1=${vector.signature.slice(3)}`, '']) {
      expect(verifySlackRequest(vector.secret, headers(sig, vector.timestamp), vector.body, now)).toEqual({ ok: false, reason: 'malformed' });
    }
    for (const ts of ['1531420618.5', '-1', '0x5b47', ' 1531420618', '']) {
      expect(verifySlackRequest(vector.secret, headers(vector.signature, ts), vector.body, now)).toEqual({ ok: false, reason: 'malformed' });
    }
    // Two headers of one name are ambiguous.
    expect(verifySlackRequest(vector.secret, { 'x-slack-signature': [vector.signature, vector.signature], 'x-slack-request-timestamp': vector.timestamp }, vector.body, now)).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('replay guard', () => {
  it('first sighting only, within the window; forgets after it', async () => {
    const g = createMemoryReplayGuard();
    expect(await g.firstSeen('sig:a', 1000, 0)).toBe(true);
    expect(await g.firstSeen('sig:a', 1000, 500)).toBe(false);
    expect(await g.firstSeen('sig:b', 1000, 500)).toBe(true);
    expect(await g.firstSeen('sig:a', 2000, 1000)).toBe(true);
  });

  it('stays bounded', async () => {
    const g = createMemoryReplayGuard(3);
    for (const k of ['a', 'b', 'c', 'd']) expect(await g.firstSeen(k, 10_000, 0)).toBe(true);
    expect(await g.firstSeen('d', 10_000, 1)).toBe(false);
  });
});
