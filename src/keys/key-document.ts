import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { AirlockError } from '../core/errors.js';
import type { KeyEntry, KeyPurpose } from './port.js';

/** One key as the key file and `AIRLOCK_SIGNING_KEYS` hold it. */
export interface StoredSigningKey extends KeyEntry {
  privateJwk: JWK;
}

const jwk = z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });
const stored = z.strictObject({
  kid: z.string().min(1),
  purpose: z.enum(['grant', 'audit']),
  alg: z.literal('EdDSA'),
  publicJwk: jwk,
  privateJwk: jwk.extend({ d: z.string().min(1) }),
  createdAt: z.string().min(1),
  retiredAt: z.string().min(1).optional(),
});
/** `{ "version": 1, "keys": [...] }`: the key file's format (docs/operations.md). */
export const keyDocumentSchema = z.strictObject({ version: z.literal(1), keys: z.array(stored) });
export type KeyDocument = { version: 1; keys: StoredSigningKey[] };

/** Parses and checks a key document; `where` names its origin in errors. */
export async function parseKeyDocument(text: string, where: string): Promise<KeyDocument> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AirlockError('ERR_KEYS_UNAVAILABLE', `${where} is not valid JSON`);
  }
  const r = keyDocumentSchema.safeParse(raw);
  if (!r.success) throw new AirlockError('ERR_KEYS_UNAVAILABLE', `${where} is not an Airlock key document: ${z.prettifyError(r.error)}`);
  const doc = r.data as KeyDocument;
  for (const k of doc.keys) {
    // The kid is the RFC 7638 thumbprint of the public key; a mismatch means an edited file.
    const { kid: _k, alg: _a, use: _u, ...pub } = k.publicJwk;
    if ((await calculateJwkThumbprint(pub as JWK)) !== k.kid) throw new AirlockError('ERR_KEYS_UNAVAILABLE', `${where}: key ${k.kid} does not match its public key`);
  }
  return doc;
}

export const publicEntry = (k: StoredSigningKey): KeyEntry => {
  const e: KeyEntry = { kid: k.kid, purpose: k.purpose, alg: k.alg, publicJwk: k.publicJwk, createdAt: k.createdAt };
  if (k.retiredAt) e.retiredAt = k.retiredAt;
  return e;
};

/** A fresh Ed25519 key; kid = RFC 7638 thumbprint of the public key. */
export async function newSigningKey(purpose: KeyPurpose, at: string): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, purpose, alg: 'EdDSA', publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }, privateJwk, createdAt: at };
}

/**
 * The private key as a CryptoKey that node:crypto may take over (grants/jws.ts signs with its
 * KeyObject): extractable, since Node 24 deprecates KeyObject.from() on a non-extractable key
 * (DEP0204). The key material is in this process either way (the key document holds it).
 */
export async function importPrivate(k: StoredSigningKey): Promise<CryptoKey> {
  return (await importJWK(k.privateJwk, 'EdDSA', { extractable: true })) as CryptoKey;
}

/** Newest first (created, then position), like the store's listing was. */
export const newestFirst = (keys: readonly StoredSigningKey[], purpose: KeyPurpose): StoredSigningKey[] =>
  keys
    .map((k, i) => ({ k, i }))
    .filter(({ k }) => k.purpose === purpose)
    .sort((a, b) => (a.k.createdAt === b.k.createdAt ? b.i - a.i : a.k.createdAt < b.k.createdAt ? 1 : -1))
    .map(({ k }) => k);
