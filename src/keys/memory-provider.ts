import { AirlockError } from '../core/errors.js';
import { importPrivate, newSigningKey, newestFirst, publicEntry, type StoredSigningKey } from './key-document.js';
import type { KeyProvider } from './port.js';

/** Keys in process memory only: tests and throw-away embedded gateways. */
export function createMemoryKeyProvider(initial: StoredSigningKey[] = []): KeyProvider & { readonly keys: StoredSigningKey[] } {
  const keys = [...initial];
  return {
    kind: 'memory',
    keys,
    async list(purpose) {
      return newestFirst(keys, purpose).map(publicEntry);
    },
    async signingKey(kid) {
      const k = keys.find((x) => x.kid === kid);
      if (!k) throw new AirlockError('ERR_KEYS_UNAVAILABLE', `no signing key ${kid}`);
      return importPrivate(k);
    },
    async generate(purpose, at) {
      const k = await newSigningKey(purpose, at);
      keys.push(k);
      return publicEntry(k);
    },
    async retire(kid, at) {
      const k = keys.find((x) => x.kid === kid);
      if (k && !k.retiredAt) k.retiredAt = at;
    },
  };
}
