import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>`
 * and `X-Slack-Request-Timestamp` in unix seconds. Checked on the raw bytes before anything
 * parses the body.
 */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack: "If the timestamp is more than five minutes from local time, it could be a replay attack". */
export const SLACK_TOLERANCE_S = 300;

export type SlackSignatureCheck =
  | { ok: true; timestampS: number; signature: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function signSlackRequest(secret: string, timestampS: number | string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`v0:${timestampS}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

const header = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
};

/**
 * Verifies one Slack request. Order: headers present and well-formed, timestamp within
 * `toleranceS` of `nowMs`, then the HMAC compared in constant time (equal lengths first, as
 * `timingSafeEqual` requires).
 */
export function verifySlackRequest(
  signingSecret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string | Buffer,
  nowMs: number,
  toleranceS = SLACK_TOLERANCE_S,
): SlackSignatureCheck {
  const sig = header(headers, SLACK_SIGNATURE_HEADER);
  const ts = header(headers, SLACK_TIMESTAMP_HEADER);
  if (sig === undefined || ts === undefined) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(ts) || !/^v0=[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: 'malformed' };
  const timestampS = Number(ts);
  // MUST: "verify that the request timestamp is recent … ignore the request" beyond five minutes.
  if (Math.abs(Math.floor(nowMs / 1000) - timestampS) > toleranceS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signSlackRequest(signingSecret, ts, rawBody), 'utf8');
  const given = Buffer.from(sig, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'mismatch' };
  return { ok: true, timestampS, signature: sig };
}

/**
 * Remembers what was already accepted inside the replay window. A port so several replicas can
 * share one (a store table with a unique key and an expiry); the memory adapter serves one process.
 */
export interface ReplayGuard {
  /** True the first time `key` is seen before `expiresAtMs`; false for every later sighting. */
  firstSeen(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/**
 * In-memory replay guard. Only keys of requests whose signature already verified are added, so an
 * attacker without the signing secret cannot fill it; `maxEntries` bounds it anyway.
 */
export function createMemoryReplayGuard(maxEntries = 100_000): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async firstSeen(key, expiresAtMs, nowMs) {
      const until = seen.get(key);
      if (until !== undefined && until > nowMs) return false;
      if (seen.size >= maxEntries) {
        for (const [k, exp] of seen) if (exp <= nowMs) seen.delete(k);
        // Still full of live entries: drop the oldest insertions (Map keeps insertion order).
        for (const k of seen.keys()) {
          if (seen.size < maxEntries) break;
          seen.delete(k);
        }
      }
      seen.set(key, expiresAtMs);
      return true;
    },
  };
}
