import { describe, expect, it } from 'vitest';
import { hashAction } from '../core/action-hash.js';
import { redactRequest } from './redact-request.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redactRequest (threats.md A3, §3.10)', () => {
  const req = {
    subject: { type: 'Agent', id: 'ops-bot', properties: { apiKey: 'sk-live-0123456789abcdef' } },
    action: { name: 'shell.exec' },
    resource: { type: 'Host', id: 'web-1', properties: { notes: `export AWS_SECRET_ACCESS_KEY=${SECRET}` } },
    context: {
      command: `AWS_SECRET_ACCESS_KEY=${SECRET} aws s3 ls`,
      env: { AWS_SECRET_ACCESS_KEY: SECRET, REGION: 'eu-west-1' },
      headers: ['Authorization: Bearer abcdefghijklmnop'],
      password: 'hunter2',
      delegationToken: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      amount: 9999,
      iban: 'DE89370400440532013000',
      chat: { platform: 'slack', user: 'U0TOKEN' },
    },
  };

  it('masks secrets in every part of the request and keeps everything else', () => {
    const r = redactRequest(req);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(JSON.stringify(r)).not.toContain('sk-live');
    expect(JSON.stringify(r)).not.toContain('abcdefghijklmnop');
    expect(JSON.stringify(r)).not.toContain('c2lnbmF0dXJl');
    expect(r.context).toMatchObject({ amount: 9999, iban: 'DE89370400440532013000', env: { REGION: 'eu-west-1', AWS_SECRET_ACCESS_KEY: '[REDACTED]' }, password: '[REDACTED]', chat: { user: 'U0TOKEN' } });
    expect(r.context!['command']).toBe('AWS_SECRET_ACCESS_KEY=[REDACTED] aws s3 ls');
    expect(r.subject.id).toBe('ops-bot');
  });

  it('does not change the input, and the action hash of the real request differs from the masked one', () => {
    const before = JSON.stringify(req);
    const r = redactRequest(req);
    expect(JSON.stringify(req)).toBe(before);
    expect(hashAction(r)).not.toBe(hashAction(req));
  });
});
