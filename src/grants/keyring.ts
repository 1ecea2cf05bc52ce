import { importJWK, type JWK, type CryptoKey } from 'jose';
import type { Clock } from '../core/clock.js';
import type { KeyProvider, KeyPurpose } from '../keys/port.js';

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
  /**
   * Drops the cached current key, so the next signature reads the provider again: another
   * replica rotated (or retired) the keys this process shares with it.
   */
  forget(): void;
}

/**
 * Ed25519 signing keys of one purpose (audit checkpoints; execution grants and delegation tokens),
 * held by a key provider (src/keys: key file, environment, later KMS), never by the store. The
 * kid is the RFC 7638 thumbprint of the public key.
 */
export function createKeyRing(provider: KeyProvider, purpose: KeyPurpose, clock: Clock): KeyRing {
  let cached: SigningKey | undefined;
  const publicCache = new Map<string, CryptoKey>();
  const at = () => new Date(clock.now()).toISOString();

  async function load(kid: string, publicJwk: JWK): Promise<SigningKey> {
    return { kid, privateKey: await provider.signingKey(kid), publicJwk };
  }

  async function newest(): Promise<SigningKey> {
    const k = (await provider.list(purpose)).find((x) => !x.retiredAt) ?? (await provider.generate(purpose, at()));
    return load(k.kid, k.publicJwk);
  }

  return {
    purpose,
    async current() {
      cached ??= await newest();
      return cached;
    },
    async publicJwks() {
      return (await provider.list(purpose)).map((k) => k.publicJwk);
    },
    async publicKey(kid) {
      const hit = publicCache.get(kid);
      if (hit) return hit;
      const k = (await provider.list(purpose)).find((x) => x.kid === kid);
      if (!k) return undefined;
      const key = (await importJWK(k.publicJwk, 'EdDSA')) as CryptoKey;
      publicCache.set(kid, key);
      return key;
    },
    async rotate() {
      const old = await this.current();
      const next = await provider.generate(purpose, at());
      await provider.retire(old.kid, at());
      cached = await load(next.kid, next.publicJwk);
      return cached;
    },
    forget() {
      cached = undefined;
    },
  };
}
