import { AirlockError } from '../core/errors.js';
import { importPrivate, newestFirst, parseKeyDocument, publicEntry, type KeyDocument } from './key-document.js';
import type { KeyProvider } from './port.js';

/**
 * Keys from the environment (`AIRLOCK_SIGNING_KEYS`: the key file's JSON), for platforms that
 * inject secrets as variables. Read-only: rotation is done by changing the variable (add the new
 * key, mark the old one `retiredAt`) and restarting.
 */
export async function createEnvKeyProvider(text: string): Promise<KeyProvider> {
  const doc: KeyDocument = await parseKeyDocument(text, 'AIRLOCK_SIGNING_KEYS');
  const readOnly = (what: string) =>
    new AirlockError('ERR_KEYS_UNAVAILABLE', `keys come from AIRLOCK_SIGNING_KEYS (read-only): cannot ${what}; change the variable and restart (docs/operations.md)`);
  return {
    kind: 'env',
    async list(purpose) {
      return newestFirst(doc.keys, purpose).map(publicEntry);
    },
    async signingKey(kid) {
      const k = doc.keys.find((x) => x.kid === kid);
      if (!k) throw new AirlockError('ERR_KEYS_UNAVAILABLE', `AIRLOCK_SIGNING_KEYS has no key ${kid}`);
      return importPrivate(k);
    },
    async generate(purpose) {
      throw readOnly(`create a ${purpose} key`);
    },
    async retire() {
      throw readOnly('retire a key');
    },
  };
}
