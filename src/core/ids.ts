import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from the CSPRNG in blocks: one `randomFillSync` per 409 ids instead of one
 * per id (a call into the CSPRNG costs far more than copying its bytes out). Each byte is used once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomInto(b: Buffer, at: number, n: number): void {
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(b, at, poolOffset, poolOffset + n);
  poolOffset += n;
}

/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version, 74 random bits. Time-ordered, so
 * request ids sort by when they were made.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const b = Buffer.allocUnsafe(16);
  randomInto(b, 6, 10);
  b[0] = Math.floor(nowMs / 2 ** 40) & 0xff;
  b[1] = Math.floor(nowMs / 2 ** 32) & 0xff;
  b[2] = (nowMs >>> 24) & 0xff;
  b[3] = (nowMs >>> 16) & 0xff;
  b[4] = (nowMs >>> 8) & 0xff;
  b[5] = nowMs & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}
