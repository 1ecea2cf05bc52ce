import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { importPrivate, newSigningKey, newestFirst, parseKeyDocument, publicEntry, type KeyDocument, type StoredSigningKey } from './key-document.js';
import type { KeyProvider } from './port.js';
import { writeFileDurably } from '../store/durable-file.js';

/**
 * Signing keys in a JSON key file (mode 0600), outside the database: whoever can rewrite the log
 * cannot re-sign its head unless they can also read this file. Refuses a file readable by group
 * or others, like ssh does with private keys. Writes are atomic (temp file, fsync, rename).
 */
export function createFileKeyProvider(path: string): KeyProvider & { import(keys: StoredSigningKey[]): Promise<void> } {
  async function read(): Promise<KeyDocument> {
    let text: string;
    try {
      const st = statSync(path);
      if ((st.mode & 0o077) !== 0) {
        throw new AirlockError('ERR_KEYS_UNAVAILABLE', `key file ${path} has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`);
      }
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      if (e instanceof AirlockError) throw e;
      throw new AirlockError('ERR_KEYS_UNAVAILABLE', `cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseKeyDocument(text, `key file ${path}`);
  }

  function write(doc: KeyDocument): void {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileDurably(path, JSON.stringify(doc, null, 2) + '\n', 0o600);
  }

  // Private keys are imported once per kid; the file is re-read for listings so that a key
  // rotated by another process (`airlock audit head`) is seen.
  const imported = new Map<string, Promise<import('jose').CryptoKey>>();
  return {
    kind: 'file',
    async list(purpose) {
      return newestFirst((await read()).keys, purpose).map(publicEntry);
    },
    async signingKey(kid) {
      let p = imported.get(kid);
      if (!p) {
        p = read().then((doc) => {
          const k = doc.keys.find((x) => x.kid === kid);
          if (!k) throw new AirlockError('ERR_KEYS_UNAVAILABLE', `key file ${path} has no key ${kid}`);
          return importPrivate(k);
        });
        imported.set(kid, p);
        p.catch(() => imported.delete(kid));
      }
      return p;
    },
    async generate(purpose, at) {
      const doc = await read();
      const k = await newSigningKey(purpose, at);
      doc.keys.push(k);
      write(doc);
      return publicEntry(k);
    },
    async retire(kid, at) {
      const doc = await read();
      const k = doc.keys.find((x) => x.kid === kid);
      if (!k || k.retiredAt) return;
      k.retiredAt = at;
      write(doc);
    },
    /** Adds keys that are not in the file yet (the migration out of the database). */
    async import(keys) {
      const doc = await read();
      const have = new Set(doc.keys.map((k) => k.kid));
      const add = keys.filter((k) => !have.has(k.kid));
      if (add.length === 0) return;
      doc.keys.push(...add);
      write(doc);
    },
  };
}
