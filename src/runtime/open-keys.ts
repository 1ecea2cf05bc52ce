import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { AirlockError } from '../core/errors.js';
import { createEnvKeyProvider } from '../keys/env-provider.js';
import { createFileKeyProvider } from '../keys/file-provider.js';
import type { StoredSigningKey } from '../keys/key-document.js';
import type { KeyProvider } from '../keys/port.js';
import type { KeyRepo } from '../store/port.js';

export const keyFileOf = (config: Config): string => config.keyFile ?? join(config.dataDir, 'keys.json');

/**
 * The key provider the config names. With a store: keys an older Airlock kept in the database are
 * moved out first — copied into the key file (fsynced), then deleted from the database — so the
 * database never again holds a private key. With the env provider they are refused instead.
 */
export async function openKeyProvider(config: Config, legacy?: KeyRepo): Promise<KeyProvider> {
  const inDb = legacy ? [...(await legacy.list('grant')), ...(await legacy.list('audit'))] : [];
  if (config.keyProvider === 'env') {
    if (!config.signingKeys) throw new AirlockError('ERR_KEYS_UNAVAILABLE', 'keyProvider is env but AIRLOCK_SIGNING_KEYS is not set');
    if (inDb.length > 0) {
      throw new AirlockError(
        'ERR_KEYS_UNAVAILABLE',
        `the database still holds ${inDb.length} signing key(s) from an older Airlock; start once with the file key provider to move them out, then copy the key file into AIRLOCK_SIGNING_KEYS`,
      );
    }
    return createEnvKeyProvider(config.signingKeys);
  }
  const file = createFileKeyProvider(keyFileOf(config));
  if (inDb.length > 0 && legacy) {
    const moved: StoredSigningKey[] = inDb.map((k) => {
      const s: StoredSigningKey = {
        kid: k.kid,
        purpose: k.purpose as StoredSigningKey['purpose'],
        alg: 'EdDSA',
        publicJwk: JSON.parse(k.publicJwk) as StoredSigningKey['publicJwk'],
        privateJwk: JSON.parse(k.privateJwk) as StoredSigningKey['privateJwk'],
        createdAt: k.createdAt,
      };
      if (k.retiredAt) s.retiredAt = k.retiredAt;
      return s;
    });
    // Copy first (durable), delete second: a crash in between leaves the keys in both places,
    // and the next start finishes the move.
    await file.import(moved);
    for (const k of inDb) await legacy.remove(k.kid);
  }
  return file;
}
