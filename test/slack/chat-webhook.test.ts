/** The generic chat payload of the signed webhooks, and a receiver verifying it as docs/chat.md shows. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/approval/webhook-signature.js';
import { chatApprovalEventData } from '../../src/integrations/chat/approval-event.js';
import { startWorld } from './harness.js';

/** The receiver from docs/chat.md, verbatim in spirit: node:crypto only. */
function verifyAirlock(secret: string, header: string | undefined, rawBody: string, nowS: number): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(m[2]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('approval.created for other chats', () => {
  it('carries what the Slack message shows, and verifies with the documented receiver', async () => {
    const w = await startWorld();
    try {
      const a = await w.ask();
      const data = chatApprovalEventData(a, { publicUrl: 'https://airlock.example/' });
      expect(data.request).toEqual({ subject: { type: 'Bot', id: 'opsbot' }, action: 'shell.exec', resource: { type: 'Host', id: 'prod-db-1' }, environment: 'production', command: 'systemctl restart postgresql', context: a.request.context });
      expect(data.request.context).toMatchObject({ environment: 'production', command: 'systemctl restart postgresql' });
      expect(data.approval).toMatchObject({ id: a.id, status: 'pending', requester: 'Airlock::Bot::"opsbot"', owner: 'Airlock::Human::"owen"', initiator: 'Airlock::Human::"erin"', quorum: 1, policyIds: ['chatops-prod-changes'] });
      expect(data.chat).toMatchObject({ platform: 'slack', channel: 'C0OPS', user: 'U0ERIN' });
      expect(data.links).toEqual({ approval: `https://airlock.example/v1/approvals/${a.id}` });
      const body = JSON.stringify({ type: 'approval.created', id: 'evt-1', at: a.createdAt, data });
      const header = signWebhook('whsec', body, 1_772_445_600);
      expect(verifyAirlock('whsec', header, body, 1_772_445_600 + 10)).toBe(true);
      expect(verifyAirlock('whsec', header, body.replace('opsbot', 'opsbou'), 1_772_445_600)).toBe(false);
      expect(verifyAirlock('whsec', header, body, 1_772_445_600 + 301)).toBe(false);
      expect(verifyAirlock('other', header, body, 1_772_445_600)).toBe(false);
    } finally {
      await w.close();
    }
  });
});
