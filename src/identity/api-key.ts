import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `ak_<keyid>_<secret>`, key id 64 random bits (16 hex), secret 256 random bits (64
 * hex). Only SHA-256(secret) is stored; a presented key is looked up by key id and its digest
 * compared with `crypto.timingSafeEqual` on two 32-byte buffers (threats.md §3.6 "API key
 * timing"). A 256-bit random secret needs no slow hash: it cannot be guessed offline.
 */
export const API_KEY_PATTERN = /^ak_([0-9a-f]{16})_([0-9a-f]{64})$/;

export interface NewApiKey {
  keyId: string;
  /** The full key, shown once. */
  token: string;
  /** Hex SHA-256 of the secret part: what is stored. */
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  return { keyId, token: `ak_${keyId}_${secret}`, hash: digestHex(secret) };
}

export function digestHex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Splits a presented key; undefined when it is not of the form `ak_<16 hex>_<64 hex>`. */
export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const m = API_KEY_PATTERN.exec(token);
  return m ? { keyId: m[1]!, secret: m[2]! } : undefined;
}

/**
 * The comparison primitive, held in an object so a test can observe that it is the one used
 * (test/security/api-key-auth.test.ts spies on `keyCompare.equal`).
 */
export const keyCompare = { equal: timingSafeEqual };

/** A digest compared against when the key id is unknown, so that path does the same work. */
const DUMMY = Buffer.alloc(32, 0);

/**
 * Constant-time check of a presented secret against a stored hex digest. Both sides are 32-byte
 * SHA-256 digests, so `timingSafeEqual` never sees unequal lengths (it would throw
 * ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH); a corrupt stored digest compares against a dummy and fails.
 */
export function secretMatches(secret: string, storedHex: string | undefined): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = storedHex !== undefined && /^[0-9a-f]{64}$/.test(storedHex) ? Buffer.from(storedHex, 'hex') : undefined;
  const same = keyCompare.equal(presented, stored ?? DUMMY);
  return same && stored !== undefined;
}
