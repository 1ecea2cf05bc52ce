import { CompactSign, SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpoint } from '../audit/checkpoint.js';
import { DELEGATION_TYP, nestActors, signDelegationToken, type DelegationClaims } from '../delegation/token.js';
import { BINDING_TYP, signBinding, verifyBinding } from './binding-token.js';
import { GRANT_TYP, signGrant, verifyGrant, type GrantClaims } from './grant.js';
import { JWT_LEEWAY_S, signJws, signJwt, verifyJws, verifyJwt } from './jws.js';

const NOW = 1_790_000_000;

async function keys() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const key = { kid: 'k1', privateKey };
  return { key, publicKey, keyFor: async (kid: string) => (kid === 'k1' ? publicKey : undefined) };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

// The one signer (node:crypto, synchronous) must issue exactly the bytes the formats have always had:
// the signers it replaced were jose's, and Ed25519 signatures are deterministic.
describe('grants/jws.ts: one signer, the formats unchanged', () => {
  it('a grant, a binding token, a delegation token and a checkpoint are byte-identical to what jose signs', async () => {
    const { key } = await keys();
    const grant: GrantClaims = { iss: 'airlock', sub: 'Airlock::Agent::"a"', aud: 'Airlock::Tool::"t"', jti: 'g-1', iat: NOW, exp: NOW + 60, ahash: 'sha256:x', rid: 'r-1' };
    expect(signGrant(grant, key)).toBe(await new SignJWT({ ...grant }).setProtectedHeader({ alg: 'EdDSA', typ: GRANT_TYP, kid: key.kid }).sign(key.privateKey));

    const binding = { ahash: 'sha256:x', rid: 'r-1', apr: 'ap-1', exp: NOW + 60 };
    expect(await signBinding(binding, 'airlock', key)).toBe(
      await new SignJWT({ ahash: binding.ahash, rid: binding.rid, apr: binding.apr }).setProtectedHeader({ alg: 'EdDSA', typ: BINDING_TYP, kid: key.kid }).setIssuer('airlock').setExpirationTime(binding.exp).sign(key.privateKey),
    );

    const dlg: DelegationClaims = { iss: 'airlock', sub: 'Airlock::Human::"h"', aud: 'airlock', act: nestActors(['Airlock::Agent::"a"']), scope: 'tool.call', jti: 'l-1', iat: NOW, nbf: NOW, exp: NOW + 60, purp: 'p', dpth: 1, chn: ['l-1'] };
    const { iss, sub, aud, jti, iat, nbf, exp, ...rest } = dlg;
    expect(await signDelegationToken(dlg, key)).toBe(
      await new SignJWT({ ...rest }).setProtectedHeader({ alg: 'EdDSA', typ: DELEGATION_TYP, kid: key.kid }).setIssuer(iss).setSubject(sub).setAudience(aud).setJti(jti).setIssuedAt(iat).setNotBefore(nbf).setExpirationTime(exp).sign(key.privateKey),
    );

    const head = { seq: 7, hash: 'sha256:h' };
    const at = '2026-12-02T00:00:00.000Z';
    const cp = await signCheckpoint('main', head as never, at, key);
    const payload = new TextEncoder().encode(JSON.stringify({ writer: 'main', seq: 7, hash: 'sha256:h', at }));
    expect(cp.jws).toBe(await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'airlock-checkpoint+jws' }).sign(key.privateKey));
  });

  it('refuses to sign with a header that names another algorithm or key, or with a key that is not Ed25519', async () => {
    const { key } = await keys();
    expect(() => signJws({ alg: 'HS256' as 'EdDSA', typ: 't', kid: key.kid }, '{}', key)).toThrow();
    expect(() => signJws({ alg: 'EdDSA', typ: 't', kid: 'other' }, '{}', key)).toThrow();
    const es = await generateKeyPair('ES256');
    expect(() => signJwt('t', {}, { kid: 'k1', privateKey: es.privateKey })).toThrow(/Ed25519/);
    expect(() => signJwt('t', { exp: Number.NaN }, key)).toThrow(/finite/);
  });
});

describe('grants/jws.ts: one verification rule for every kind', () => {
  const TYP = 'airlock-test+jwt';
  const claims = { iss: 'airlock', aud: 'airlock', iat: NOW, nbf: NOW, exp: NOW + 60 };

  it('the header rule: EdDSA only, typ exact, a kid from our ring, no key-choosing or critical headers', async () => {
    const { key, keyFor } = await keys();
    const x = { typ: TYP, issuer: 'airlock', nowS: NOW, keyFor };
    const good = signJwt(TYP, claims, key);
    expect((await verifyJwt(good, x)).ok).toBe(true);
    const [, p, s] = good.split('.');
    const headers: Record<string, unknown>[] = [
      { alg: 'none', typ: TYP, kid: 'k1' },
      { alg: 'HS256', typ: TYP, kid: 'k1' },
      { alg: 'EdDSA', typ: 'JWT', kid: 'k1' },
      { alg: 'EdDSA', kid: 'k1' },
      { alg: 'EdDSA', typ: TYP },
      { alg: 'EdDSA', typ: TYP, kid: '' },
      { alg: 'EdDSA', typ: TYP, kid: 7 },
      { alg: 'EdDSA', typ: TYP, kid: 'k1', jwk: { kty: 'OKP' } },
      { alg: 'EdDSA', typ: TYP, kid: 'k1', jku: 'https://evil.example/jwks' },
      { alg: 'EdDSA', typ: TYP, kid: 'k1', x5u: 'https://evil.example/cert' },
      { alg: 'EdDSA', typ: TYP, kid: 'k1', x5c: ['MII'] },
      { alg: 'EdDSA', typ: TYP, kid: 'k1', crit: ['exp'] },
    ];
    for (const h of headers) expect(await verifyJwt(`${b64(h)}.${p}.${s}`, x), JSON.stringify(h)).toEqual({ ok: false, problem: 'malformed' });
    expect(await verifyJwt(`${b64({ alg: 'EdDSA', typ: TYP, kid: 'k2' })}.${p}.${s}`, x)).toEqual({ ok: false, problem: 'unknown_key' });
    // Our header, another body: the signature no longer covers it.
    expect(await verifyJwt(`${good.split('.')[0]}.${b64({ ...claims, exp: NOW + 6000 })}.${s}`, x)).toEqual({ ok: false, problem: 'signature' });
    // One kind is never another.
    expect(await verifyJwt(good, { ...x, typ: GRANT_TYP })).toEqual({ ok: false, problem: 'malformed' });
    expect(await verifyJws(good, GRANT_TYP, keyFor)).toEqual({ ok: false, problem: 'malformed' });
  });

  it('the clock-skew rule: exp, nbf and iat each judged with the same leeway', async () => {
    const { key, keyFor } = await keys();
    const at = async (c: object, nowS: number) => verifyJwt(signJwt(TYP, { iss: 'airlock', ...c }, key), { typ: TYP, issuer: 'airlock', nowS, keyFor });
    const L = JWT_LEEWAY_S;
    expect((await at({ exp: NOW }, NOW + L - 1)).ok).toBe(true);
    expect(await at({ exp: NOW }, NOW + L)).toEqual({ ok: false, problem: 'expired' });
    expect((await at({ nbf: NOW, exp: NOW + 600 }, NOW - L)).ok).toBe(true);
    expect(await at({ nbf: NOW, exp: NOW + 600 }, NOW - L - 1)).toEqual({ ok: false, problem: 'not_yet_valid' });
    expect((await at({ iat: NOW, exp: NOW + 600 }, NOW - L)).ok).toBe(true);
    expect(await at({ iat: NOW, exp: NOW + 600 }, NOW - L - 1)).toEqual({ ok: false, problem: 'not_yet_valid' });
  });

  it('issuer, audience and required claims', async () => {
    const { key, keyFor } = await keys();
    const t = signJwt(TYP, claims, key);
    const x = { typ: TYP, issuer: 'airlock', nowS: NOW, keyFor };
    expect(await verifyJwt(t, { ...x, issuer: 'other' })).toEqual({ ok: false, problem: 'wrong_issuer' });
    expect(await verifyJwt(t, { ...x, audience: 'other' })).toEqual({ ok: false, problem: 'wrong_audience' });
    expect((await verifyJwt(t, { ...x, audience: 'airlock' })).ok).toBe(true);
    expect(await verifyJwt(t, { ...x, requiredClaims: ['jti'] })).toEqual({ ok: false, problem: 'malformed' });
  });

  it('each kind verifies its own tokens through the rule, and the checkpoint names an unknown key', async () => {
    const { key, keyFor } = await keys();
    const grant: GrantClaims = { iss: 'airlock', sub: 's', aud: 'a', jti: 'j', iat: NOW, exp: NOW + 60, ahash: 'h', rid: 'r' };
    expect(await verifyGrant(signGrant(grant, key), { issuer: 'airlock', nowS: NOW + 60 + JWT_LEEWAY_S, keyFor })).toMatchObject({ ok: false, code: 'grant_expired' });
    expect(await verifyBinding(await signBinding({ ahash: 'h', rid: 'r', apr: 'a', exp: NOW + 60 }, 'airlock', key), { issuer: 'airlock', nowS: NOW, keyFor })).toMatchObject({ apr: 'a' });
    const cp = await signCheckpoint('main', { seq: 1, hash: 'h' } as never, 'now', key);
    expect(await verifyCheckpoint(cp.jws, keyFor)).toMatchObject({ writer: 'main', seq: 1, kid: 'k1' });
    await expect(verifyCheckpoint(cp.jws, async () => undefined)).rejects.toThrow(/key k1 is unknown/);
  });
});
