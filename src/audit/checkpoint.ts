import { CompactSign, compactVerify, decodeProtectedHeader, type CryptoKey } from 'jose';
import type { ChainHead, SignedCheckpoint } from '../store/port.js';

const TYP = 'airlock-checkpoint+jws';

/**
 * A signed checkpoint of a chain head. A hash chain cannot show that its newest records were cut
 * off; a checkpoint kept elsewhere can (threats.md §3.9, RFC 9162 signed tree heads).
 */
export async function signCheckpoint(writer: string, head: ChainHead, at: string, key: { kid: string; privateKey: CryptoKey }): Promise<SignedCheckpoint> {
  const payload = { writer, seq: head.seq, hash: head.hash, at };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: TYP }).sign(key.privateKey);
  return { ...payload, jws, kid: key.kid };
}

/** Verifies a checkpoint JWS with a key looked up by exact kid; returns its payload. */
export async function verifyCheckpoint(jws: string, keyFor: (kid: string) => Promise<CryptoKey | undefined>): Promise<{ writer: string; seq: number; hash: string; at: string; kid: string }> {
  const header = decodeProtectedHeader(jws);
  // RFC 8725 §3.1: only the algorithm we use; the key comes from our store, never from the header.
  if (header.alg !== 'EdDSA' || header.typ !== TYP || typeof header.kid !== 'string') throw new Error('checkpoint header is not an Airlock checkpoint');
  const key = await keyFor(header.kid);
  if (!key) throw new Error(`checkpoint key ${header.kid} is unknown`);
  const { payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
  const p = JSON.parse(new TextDecoder().decode(payload)) as { writer: string; seq: number; hash: string; at: string };
  if (typeof p.writer !== 'string' || !Number.isSafeInteger(p.seq) || typeof p.hash !== 'string') throw new Error('checkpoint payload is malformed');
  return { ...p, kid: header.kid };
}
