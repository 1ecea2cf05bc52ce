import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK, type CryptoKey } from 'jose';
import type { Clock } from '../core/clock.js';
import type { KeyRepo } from '../store/port.js';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface KeyRing {
  readonly purpose: string;
  /** The newest unretired key; generated on first use. */
  current(): Promise<SigningKey>;
  /** Public JWKs of every key not yet dropped (retired keys stay until their tokens expire). */
  publicJwks(): Promise<JWK[]>;
  /** Public key for a kid, exact match only (never a key taken from a token header). */
  publicKey(kid: string): Promise<CryptoKey | undefined>;
  rotate(): Promise<SigningKey>;
}

/**
 * Ed25519 signing keys kept in the store, one ring per purpose (audit checkpoints, execution
 * grants, delegation tokens). The kid is the RFC 7638 thumbprint of the public key.
 */
export function createKeyRing(repo: KeyRepo, purpose: string, clock: Clock): KeyRing {
  let cached: SigningKey | undefined;
  const publicCache = new Map<string, CryptoKey>();

  async function generate(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    publicJwk.kid = kid;
    publicJwk.alg = 'EdDSA';
    publicJwk.use = 'sig';
    await repo.insert({
      kid,
      purpose,
      alg: 'EdDSA',
      privateJwk: JSON.stringify(privateJwk),
      publicJwk: JSON.stringify(publicJwk),
      createdAt: new Date(clock.now()).toISOString(),
    });
    return { kid, privateKey: privateKey as CryptoKey, publicJwk };
  }

  async function load(): Promise<SigningKey | undefined> {
    const k = (await repo.list(purpose)).find((x) => !x.retiredAt);
    if (!k) return undefined;
    return { kid: k.kid, privateKey: (await importJWK(JSON.parse(k.privateJwk) as JWK, 'EdDSA')) as CryptoKey, publicJwk: JSON.parse(k.publicJwk) as JWK };
  }

  return {
    purpose,
    async current() {
      cached ??= (await load()) ?? (await generate());
      return cached;
    },
    async publicJwks() {
      return (await repo.list(purpose)).map((k) => JSON.parse(k.publicJwk) as JWK);
    },
    async publicKey(kid) {
      const hit = publicCache.get(kid);
      if (hit) return hit;
      const k = (await repo.list(purpose)).find((x) => x.kid === kid);
      if (!k) return undefined;
      const key = (await importJWK(JSON.parse(k.publicJwk) as JWK, 'EdDSA')) as CryptoKey;
      publicCache.set(kid, key);
      return key;
    },
    async rotate() {
      const old = await this.current();
      const next = await generate();
      await repo.retire(old.kid, new Date(clock.now()).toISOString());
      cached = next;
      return next;
    },
  };
}
