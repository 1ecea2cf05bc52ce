import type { CryptoKey, JWK } from 'jose';

/** What a key signs: execution grants and delegation tokens (`grant`), audit checkpoints (`audit`). */
export type KeyPurpose = 'grant' | 'audit';

/** The public face of one signing key; private material never leaves the provider through this. */
export interface KeyEntry {
  kid: string;
  purpose: KeyPurpose;
  alg: 'EdDSA';
  /** Public JWK (with kid, alg, use). */
  publicJwk: JWK;
  createdAt: string;
  retiredAt?: string;
}

/**
 * The key-provider port (DESIGN §5): signing keys live here, never in the database that holds the
 * log they sign. Adapters: `file` (a 0600 JSON key file), `env` (read-only, from the environment),
 * `memory` (tests, embedded). A KMS/HSM adapter implements the same four methods; see
 * docs/operations.md "Keys" for what `signingKey` has to return there.
 */
export interface KeyProvider {
  /** `file`, `env`, `memory`, or the adapter's own name. */
  readonly kind: string;
  /** Keys of one purpose, newest first, retired ones included. */
  list(purpose: KeyPurpose): Promise<KeyEntry[]>;
  /**
   * The key that signs for `kid` (an Ed25519 WebCrypto key usable with `jose`).
   * @throws AirlockError ERR_KEYS_UNAVAILABLE when the provider does not hold it
   */
  signingKey(kid: string): Promise<CryptoKey>;
  /**
   * Makes a new key of `purpose` and stores it; the newest unretired key is the one that signs.
   * @throws AirlockError ERR_KEYS_UNAVAILABLE on a read-only provider (env)
   */
  generate(purpose: KeyPurpose, at: string): Promise<KeyEntry>;
  /** Marks a key retired: it stops signing but still verifies until dropped. */
  retire(kid: string, at: string): Promise<void>;
}
