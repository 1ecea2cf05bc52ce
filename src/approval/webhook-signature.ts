import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Outbound webhook signatures: `X-Airlock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `<t>.<raw body>`. The timestamp is inside the signed string so a captured delivery cannot be
 * replayed later with a fresh time; receivers reject timestamps outside their tolerance.
 */
export const SIGNATURE_HEADER = 'x-airlock-signature';

export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

export type WebhookCheck = { ok: true; timestampS: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/** Receiver side: parse, check the time window, compare in constant time. */
export function verifyWebhook(secret: string, header: string | undefined, body: string, nowS: number, toleranceS = 300): WebhookCheck {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return { ok: false, reason: 'malformed' };
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), 'hex');
  const given = Buffer.from(m[2]!, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true, timestampS: t } : { ok: false, reason: 'mismatch' };
}
