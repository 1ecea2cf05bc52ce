/**
 * What an approver sees (issue 11; threats.md §3.13 "What the approver sees: every context key,
 * argument and property, the full command; truncation said out loud", and A3/§3.10 secrets): the
 * served gateway with Slack wired to the loopback stand-in and a webhook receiver, the CLI built
 * from this tree.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_BUDGET } from '../../src/integrations/slack/messages.js';
import { blocksText, buttonsOf, startSlackGateway, type SlackGateway } from '../helpers/slack-gateway.js';

const ATTACKER_IBAN = 'GB82WEST12345698765432';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYZZSECRETKEY';
let s: SlackGateway;
const deliveries: any[] = [];
let receiver: ReturnType<typeof createServer>;

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    deliveries.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  s = await startSlackGateway({ config: { webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: 'whsec-approver-sees-0123456789' }], publicUrl: 'https://airlock.example' } });
  await s.human('olive', 'U0OLIVE', ['approver'], ['sre-approvers']);
  await s.human('ivy', 'U0IVY', ['approver'], ['sre-approvers']);
  await s.human('sam', 'U0SAM', ['approver'], ['sre-approvers']);
  await s.nhi('opsbot', 'bot', 'olive', ['chatops-bots']);
});

afterAll(async () => {
  await s?.close();
  await new Promise((r) => receiver?.close(r));
});

async function open(context: Record<string, unknown>) {
  const r = await s.post('/v1/authorize', s.chatAsk({ context }), 'opsbot');
  expect(r.json.outcome, JSON.stringify(r.json)).toBe('approval_required');
  return r.json as { approval: { id: string }; actionHash: string };
}

describe('every surface shows the whole action (threats.md §3.13 what the approver sees)', () => {
  it('Slack message, confirm dialog, /airlock show and the webhook carry every context key and the full command', async () => {
    const longCommand = `deploy --note ${'x'.repeat(3000)} --final-flag`;
    const d = await open({ command: longCommand, amount: 9999, iban: ATTACKER_IBAN, ticket: 'CHG-42' });
    const msg = await s.approvalMessage(d.approval.id);
    const text = blocksText(msg);
    expect(text).toContain('context.amount = 9999');
    expect(text).toContain(`context.iban = \\"${ATTACKER_IBAN}\\"`);
    expect(text).toContain('context.ticket');
    expect(text).toContain('--final-flag'); // the end of a command over 2,500 characters
    expect(text).toContain(d.actionHash); // the full hash
    expect(text).not.toContain('Shortened');
    const approve = buttonsOf(msg).find((b) => b.action_id === 'airlock.approve')!;
    const dialog = JSON.stringify(approve.confirm);
    expect(dialog).toContain(d.actionHash.slice(0, 19));
    expect(dialog).not.toContain('It will run exactly as shown');
    const shown = await s.slash('U0SAM', `show ${d.approval.id}`);
    expect(JSON.stringify(shown.json.blocks)).toContain(ATTACKER_IBAN);
    expect(JSON.stringify(shown.json.blocks)).toContain('--final-flag');
    await s.gw.runtime.webhooks.drain();
    const created = deliveries.find((x) => x.type === 'approval.created' && x.data.approval.id === d.approval.id);
    expect(created.data.request.context).toMatchObject({ amount: 9999, iban: ATTACKER_IBAN, ticket: 'CHG-42' });
    expect(created.data.request.command).toBe(longCommand);
  });

  it('an action too large for Slack says so, gives the hash and where to read all of it', async () => {
    // The command analyzer caps commands at 16 KiB; a tool argument carries the bulk.
    const d = await open({ command: `echo ${'a'.repeat(8000)}`, payload: `${'b'.repeat(ACTION_BUDGET)} END-OF-PAYLOAD` });
    const msg = await s.approvalMessage(d.approval.id);
    const text = blocksText(msg);
    expect(text).toContain('Shortened');
    expect(text).toContain(`airlock approvals show ${d.approval.id}`);
    expect(text).toContain(`https://airlock.example/v1/approvals/${d.approval.id}`);
    expect(text).toContain(d.actionHash);
    expect(text).not.toContain('END-OF-PAYLOAD');
    expect((msg.args['blocks'] as unknown[]).length).toBeLessThanOrEqual(50);
    for (const b of msg.args['blocks'] as any[]) for (const e of b.elements?.[0]?.elements ?? []) expect([...(e.text ?? '')].length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(buttonsOf(msg).find((b) => b.action_id === 'airlock.approve')!.confirm)).toContain('shortened');
  });

  it('`airlock approve` (asking y/N) prints every field and the full command before asking', async () => {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
    const d = await open({ command: `pay --to ${ATTACKER_IBAN} ${'y'.repeat(2600)} --last`, amount: 9999 });
    const cli = promisify(execFile);
    const out = await cli(process.execPath, ['dist/cli/main.js', 'approve', d.approval.id, '--url', s.gw.url, '--key', s.keys['sam']!], { env: { PATH: process.env['PATH'] ?? '' } }).catch((e: { stderr: string; code: number }) => e);
    expect(out.stderr).toContain('context.amount = 9999');
    expect(out.stderr).toContain('--last');
    expect(out.stderr).toContain(d.actionHash);
    expect((await s.gw.runtime.approvals.get(d.approval.id))!.status).toBe('pending'); // no terminal: nothing approved
  });
});

describe('secrets are masked in stored approvals and what is derived from them (threats.md A3, §3.10)', () => {
  it('GET /v1/approvals/{id}, Slack and webhooks never show the secret, the database file never holds it, and the approval still binds to the real action', async () => {
    const command = `AWS_SECRET_ACCESS_KEY=${AWS_SECRET} aws s3 sync /srv s3://backups`;
    const ask = s.chatAsk({ context: { command, env: { AWS_SECRET_ACCESS_KEY: AWS_SECRET } } });
    const first = await s.post('/v1/authorize', ask, 'opsbot');
    const id = first.json.approval.id;
    const api = await s.get(`/v1/approvals/${id}`, 'sam');
    expect(JSON.stringify(api.json)).not.toContain(AWS_SECRET);
    expect(api.json.request.context.command).toContain('AWS_SECRET_ACCESS_KEY=[REDACTED]');
    expect(api.json.actionHash).toBe(first.json.actionHash);
    expect(blocksText(await s.approvalMessage(id))).not.toContain(AWS_SECRET);
    await s.gw.runtime.webhooks.drain();
    expect(JSON.stringify(deliveries)).not.toContain(AWS_SECRET);
    await s.click('U0SAM', 'airlock.approve', id);
    const again = await s.post('/v1/authorize', ask, 'opsbot');
    expect(again.json.outcome).toBe('allow');
    const ev = await s.get(`/v1/evidence/${again.json.requestId}`, 'sam');
    expect(JSON.stringify(ev.json)).not.toContain(AWS_SECRET);
    await s.gw.runtime.close();
    for (const f of readdirSync(s.gw.dataDir)) {
      const path = join(s.gw.dataDir, f);
      if (f.endsWith('.db') || f.endsWith('-wal') || f.endsWith('.sqlite')) expect([f, readFileSync(path).includes(AWS_SECRET)]).toEqual([f, false]);
    }
  });
});
