import { SignJWT, generateKeyPair, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { createMemoryKeyProvider } from '../keys/memory-provider.js';
import { signGrant, verifyGrant, GRANT_TYP, type GrantClaims } from './grant.js';
import { createKeyRing } from './keyring.js';

const NOW = 1_790_000_000;
const claims: GrantClaims = {
  iss: 'airlock',
  sub: 'Airlock::Agent::"deploy-bot"',
  aud: 'Airlock::Service::"checkout"',
  jti: 'g-1',
  iat: NOW,
  exp: NOW + 60,
  ahash: 'sha256:' + 'a'.repeat(64),
  rid: 'req-1',
};

async function setup() {
  const ring = createKeyRing(createMemoryKeyProvider(), 'grant', systemClock);
  const key = await ring.current();
  const check = (token: string, extra: Partial<{ actionHash: string; nowS: number; issuer: string }> = {}) =>
    verifyGrant(token, { issuer: 'airlock', actionHash: claims.ahash, nowS: NOW, keyFor: (kid) => ring.publicKey(kid), ...extra });
  return { ring, key, check };
}

// threats.md T1/T2 and §3.6: the JWT attack classes against execution grants.
describe('execution grants', () => {
  it('a grant verifies against its own action hash', async () => {
    const { key, check } = await setup();
    const r = await check(await signGrant(claims, key));
    expect(r.ok && r.claims.jti).toBe('g-1');
  });

  it('is a compact JWS with exactly the pinned header and every claim, signed with Ed25519', async () => {
    const { key, ring } = await setup();
    const t = signGrant(claims, key);
    const [h, p] = t.split('.');
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(h!)))).toEqual({ alg: 'EdDSA', typ: GRANT_TYP, kid: key.kid });
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(p!)))).toEqual(claims);
    // One bit off in the signed part and jose refuses it.
    const forged = `${h}.${base64url.encode(JSON.stringify({ ...claims, ahash: 'sha256:' + 'b'.repeat(64) }))}.${t.split('.')[2]}`;
    const r = await verifyGrant(forged, { issuer: 'airlock', nowS: NOW, keyFor: (kid) => ring.publicKey(kid) });
    expect(r).toMatchObject({ ok: false, code: 'grant_signature' });
  });

  it('refuses another action hash, expiry past leeway, future iat, wrong issuer', async () => {
    const { key, check } = await setup();
    const t = await signGrant(claims, key);
    expect(await check(t, { actionHash: 'sha256:' + 'b'.repeat(64) })).toMatchObject({ ok: false, code: 'grant_hash_mismatch' });
    expect(await check(t, { nowS: NOW + 60 + 31 })).toMatchObject({ ok: false, code: 'grant_expired' });
    expect((await check(t, { nowS: NOW + 60 + 29 })).ok).toBe(true); // within the 30 s leeway
    expect(await check(await signGrant({ ...claims, iat: NOW + 120, exp: NOW + 180 }, key))).toMatchObject({ ok: false, code: 'grant_not_yet_valid' });
    expect(await check(t, { issuer: 'someone-else' })).toMatchObject({ ok: false, code: 'grant_wrong_issuer' });
  });

  it('refuses alg none, a tampered payload, an unknown kid and a foreign key', async () => {
    const { key, check } = await setup();
    const t = await signGrant(claims, key);
    const [h, p, s] = t.split('.') as [string, string, string];
    const none = base64url.encode(JSON.stringify({ alg: 'none', typ: GRANT_TYP, kid: key.kid }));
    expect(await check(`${none}.${p}.`)).toMatchObject({ ok: false, code: 'grant_malformed' });
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    const tampered = base64url.encode(JSON.stringify({ ...payload, ahash: 'sha256:' + 'c'.repeat(64) }));
    expect(await check(`${h}.${tampered}.${s}`, { actionHash: 'sha256:' + 'c'.repeat(64) })).toMatchObject({ ok: false, code: 'grant_signature' });
    const other = await createKeyRing(createMemoryKeyProvider(), 'grant', systemClock).current();
    expect(await check(await signGrant(claims, other))).toMatchObject({ ok: false, code: 'grant_unknown_key' });
    const injected = base64url.encode(JSON.stringify({ alg: 'EdDSA', typ: GRANT_TYP, kid: "x' OR '1'='1" }));
    expect(await check(`${injected}.${p}.${s}`)).toMatchObject({ ok: false, code: 'grant_unknown_key' });
  });

  it('refuses an HS256 token signed with the public key, and a header-supplied key', async () => {
    const { key, check } = await setup();
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const hs = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: GRANT_TYP, kid: key.kid }).sign(secret);
    expect(await check(hs)).toMatchObject({ ok: false, code: 'grant_malformed' });
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { exportJWK } = await import('jose');
    const jwk = await exportJWK(publicKey);
    const withJwk = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: GRANT_TYP, kid: key.kid, jwk }).sign(privateKey);
    expect(await check(withJwk)).toMatchObject({ ok: false, code: 'grant_malformed' });
  });

  it('refuses a token of another type (e.g. a checkpoint or delegation token)', async () => {
    const { key, check } = await setup();
    const other = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: 'airlock-delegation+jwt', kid: key.kid }).sign(key.privateKey);
    expect(await check(other)).toMatchObject({ ok: false, code: 'grant_malformed' });
  });

  it('keeps verifying grants of a rotated-out key until they expire', async () => {
    const { ring, key, check } = await setup();
    const t = await signGrant(claims, key);
    const next = await ring.rotate();
    expect(next.kid).not.toBe(key.kid);
    expect((await check(t)).ok).toBe(true);
    expect((await ring.publicJwks()).map((j) => j.kid).sort()).toEqual([key.kid, next.kid].sort());
  });
});
