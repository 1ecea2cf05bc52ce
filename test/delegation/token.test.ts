import { SignJWT, base64url, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { signGrant } from '../../src/grants/grant.js';
import { DELEGATION_TYP, createTokenCache, nestActors, signDelegationToken, unnestActors, verifyDelegationToken, type DelegationClaims } from '../../src/delegation/token.js';
import { AUD, ISS, agent, human, signingKey } from './fixture.js';

const NOW_S = 1_790_000_000;
const claims: DelegationClaims = {
  iss: ISS,
  sub: human('alice'),
  aud: AUD,
  act: nestActors([agent('a'), agent('b')]),
  scope: 'tool.call:Tool::gh/*',
  jti: 'l2',
  iat: NOW_S,
  nbf: NOW_S,
  exp: NOW_S + 600,
  purp: 'triage',
  dpth: 2,
  chn: ['l1', 'l2'],
  phash: 'sha256:' + 'a'.repeat(64),
};

async function setup() {
  const key = await signingKey();
  const check = (token: string, nowS = NOW_S, extra: Partial<{ issuer: string; audience: string }> = {}) =>
    verifyDelegationToken(token, { issuer: ISS, audience: AUD, nowS, keyFor: async (kid) => (kid === key.kid ? key.publicKey : undefined), ...extra });
  const sign = (c: Partial<DelegationClaims> & Record<string, unknown> = {}) => signDelegationToken({ ...claims, ...c } as DelegationClaims, key);
  return { key, check, sign };
}

const parts = (t: string) => t.split('.') as [string, string, string];
const decode = (p: string) => JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
const encode = (o: unknown) => base64url.encode(JSON.stringify(o));

describe('RFC 8693 §4.1 act nesting', () => {
  // https://www.rfc-editor.org/rfc/rfc8693#section-4.1 - "the outermost act claim represents the current actor"
  it('outermost act is the current actor, nested ones prior actors', () => {
    expect(nestActors([agent('a'), agent('b'), agent('c')])).toEqual({ sub: agent('c'), act: { sub: agent('b'), act: { sub: agent('a') } } });
    expect(unnestActors({ sub: 'B', act: { sub: 'A' } }, 4)).toEqual(['A', 'B']);
    expect(unnestActors({ sub: 'B', act: { sub: 'A', exp: 1 } }, 4)).toBeUndefined(); // identity claims only
    expect(unnestActors(nestActors(['1', '2', '3', '4', '5']), 4)).toBeUndefined(); // bounded
  });
});

// threats.md T1/T2 and §3.6, against delegation tokens.
describe('delegation token verification', () => {
  it('verifies a well-formed token', async () => {
    const { check, sign } = await setup();
    const r = await check(await sign());
    expect(r.ok && r.claims.chn).toEqual(['l1', 'l2']);
    expect(decode(parts(await sign())[0])).toEqual({ alg: 'EdDSA', typ: DELEGATION_TYP, kid: expect.any(String) });
  });

  it('exp / nbf / iat at the 30 s leeway boundary', async () => {
    const { check, sign } = await setup();
    const t = await sign();
    expect((await check(t, NOW_S + 600 + 29)).ok).toBe(true); // jose: expired once exp <= now - leeway
    expect(await check(t, NOW_S + 600 + 30)).toMatchObject({ ok: false, reason: 'token_expired' });
    expect((await check(t, NOW_S - 30)).ok).toBe(true);
    expect(await check(t, NOW_S - 31)).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
    expect(await check(await sign({ iat: NOW_S + 31, nbf: NOW_S }))).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
  });

  it('refuses alg none, a tampered payload, a foreign key, an injected or unknown kid', async () => {
    const { key, check, sign } = await setup();
    const [h, p, s] = parts(await sign());
    expect(await check(`${encode({ alg: 'none', typ: DELEGATION_TYP, kid: key.kid })}.${p}.`)).toMatchObject({ ok: false, reason: 'token_malformed' });
    expect(await check(`${encode({ alg: 'none', typ: DELEGATION_TYP, kid: key.kid })}.${p}.${s}`)).toMatchObject({ ok: false, reason: 'token_malformed' });
    const widened = encode({ ...decode(p), scope: 'tool.call' });
    expect(await check(`${h}.${widened}.${s}`)).toMatchObject({ ok: false, reason: 'token_signature' });
    const other = await signingKey();
    expect(await check(await signDelegationToken(claims, other))).toMatchObject({ ok: false, reason: 'token_unknown_key' });
    // A foreign key presented under our kid: the signature fails against our public key.
    expect(await check(await signDelegationToken(claims, { kid: key.kid, privateKey: other.privateKey }))).toMatchObject({ ok: false, reason: 'token_signature' });
    for (const kid of ["x' OR '1'='1", '../../dev/null', '']) {
      expect((await check(`${encode({ alg: 'EdDSA', typ: DELEGATION_TYP, kid })}.${p}.${s}`)).ok).toBe(false);
    }
  });

  it('refuses HS256 keyed with the public key, header-supplied keys, other algorithms', async () => {
    const { key, check } = await setup();
    const pub = await exportJWK(key.publicKey);
    const hs = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: DELEGATION_TYP, kid: key.kid }).sign(new TextEncoder().encode(JSON.stringify(pub)));
    expect(await check(hs)).toMatchObject({ ok: false, reason: 'token_malformed' });
    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    for (const extra of [{ jwk }, { jku: 'http://169.254.169.254/keys' }, { x5u: 'http://internal/x' }, { x5c: ['MIIB'] }]) {
      const t = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: DELEGATION_TYP, kid: key.kid, ...extra }).sign(attacker.privateKey);
      expect(await check(t)).toMatchObject({ ok: false, reason: 'token_malformed' });
    }
    const es = await generateKeyPair('ES256');
    const t = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', typ: DELEGATION_TYP, kid: key.kid }).sign(es.privateKey);
    expect(await check(t)).toMatchObject({ ok: false, reason: 'token_malformed' });
  });

  it('refuses an execution grant (other typ), wrong issuer or audience', async () => {
    const { key, check, sign } = await setup();
    const grant = await signGrant({ iss: ISS, sub: agent('a'), aud: AUD, jti: 'g', iat: NOW_S, exp: NOW_S + 60, ahash: 'sha256:x', rid: 'r' }, key);
    expect(await check(grant)).toMatchObject({ ok: false, reason: 'token_malformed' });
    const t = await sign();
    expect(await check(t, NOW_S, { issuer: 'https://evil.test' })).toMatchObject({ ok: false, reason: 'token_wrong_issuer' });
    expect(await check(t, NOW_S, { audience: 'https://other.test' })).toMatchObject({ ok: false, reason: 'token_wrong_audience' });
  });

  it.each([
    ['dpth ≠ |chn|', { dpth: 3 }],
    ['chn does not end in jti', { jti: 'l9' }],
    ['duplicate ids in chn', { chn: ['l2', 'l2'] }],
    ['|act| ≠ dpth', { act: nestActors([agent('b')]) }],
    ['act with extra claims', { act: { sub: agent('b'), act: { sub: agent('a') }, exp: 1 } }],
    ['missing phash below the root', { phash: undefined }],
    ['phash on a root', { dpth: 1, chn: ['l2'], act: { sub: agent('b') } }],
    ['dpth not an integer', { dpth: 1.5 }],
    ['scope not a string', { scope: ['tool.call'] }],
    ['missing purp', { purp: undefined }],
  ])('refuses a signed token with a bad shape: %s', async (_name, change) => {
    const { check, sign } = await setup();
    expect(await check(await sign(change as Partial<DelegationClaims>))).toMatchObject({ ok: false, reason: 'token_malformed' });
  });

  it('signature cache: hits re-judge time and key, misses on any other string or key', async () => {
    const { key, sign } = await setup();
    const cache = createTokenCache(2);
    let current: typeof key.publicKey | undefined = key.publicKey;
    const check = (token: string, nowS = NOW_S, issuer = ISS) => verifyDelegationToken(token, { issuer, audience: AUD, nowS, keyFor: async (kid) => (kid === key.kid ? current : undefined), cache });
    const t = await sign();
    expect((await check(t)).ok).toBe(true);
    expect(cache.size).toBe(1);
    expect((await check(t)).ok).toBe(true);
    expect(await check(t, NOW_S + 600 + 30)).toMatchObject({ ok: false, reason: 'token_expired' }); // time re-judged on a hit
    expect(await check(t, NOW_S - 31)).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
    expect(await check(t, NOW_S, 'https://evil.test')).toMatchObject({ ok: false, reason: 'token_wrong_issuer' });
    const [h, p, s] = t.split('.') as [string, string, string];
    expect(await check(`${h}.${encode({ ...decode(p), scope: 'tool.call' })}.${s}`)).toMatchObject({ ok: false, reason: 'token_signature' });
    current = undefined; // the key was dropped from the ring
    expect(await check(t)).toMatchObject({ ok: false, reason: 'token_unknown_key' });
    current = key.publicKey;
    await check(await sign({ jti: 'l2', purp: 'x' }));
    await check(await sign({ jti: 'l2', purp: 'y' }));
    expect(cache.size).toBe(2); // bounded
  });
});
