import type { CryptoKey } from 'jose';
import { signJws, verifyJws, type JwsSigningKey } from '../grants/jws.js';
import type { ChainHead, SignedCheckpoint } from '../store/port.js';

const TYP = 'airlock-checkpoint+jws';

/**
 * A signed checkpoint of a chain head. A hash chain cannot show that its newest records were cut
 * off; a checkpoint kept elsewhere can (threats.md §3.9, RFC 9162 signed tree heads). A JWS over the
 * JSON head (not a JWT: no time claims), signed and verified by grants/jws.ts.
 */
export async function signCheckpoint(writer: string, head: ChainHead, at: string, key: JwsSigningKey): Promise<SignedCheckpoint> {
  const payload = { writer, seq: head.seq, hash: head.hash, at };
  // Header keys in the order checkpoints have always had.
  const jws = signJws({ alg: 'EdDSA', kid: key.kid, typ: TYP }, JSON.stringify(payload), key);
  return { ...payload, jws, kid: key.kid };
}

/** Verifies a checkpoint JWS with a key looked up by exact kid; returns its payload. */
export async function verifyCheckpoint(jws: string, keyFor: (kid: string) => Promise<CryptoKey | undefined>): Promise<{ writer: string; seq: number; hash: string; at: string; kid: string }> {
  const v = await verifyJws(jws, TYP, keyFor);
  if (!v.ok) {
    if (v.problem === 'malformed') throw new Error('checkpoint is not a well-formed Airlock checkpoint');
    if (v.problem === 'unknown_key') throw new Error(`checkpoint key ${v.kid} is unknown`);
    throw new Error('checkpoint signature verification failed');
  }
  const p = v.payload as { writer: string; seq: number; hash: string; at: string } | null;
  if (typeof p !== 'object' || p === null || typeof p.writer !== 'string' || !Number.isSafeInteger(p.seq) || typeof p.hash !== 'string') throw new Error('checkpoint payload is malformed');
  return { ...p, kid: v.kid };
}
