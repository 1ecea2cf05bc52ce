/**
 * Chat provenance: `context.chat` validation, initiator resolution and the NHI binding rule, as
 * functions over small fixtures. The rule as the served gateway applies it (a Human subject's chat
 * request denied, nothing opened or posted) is in approvals.test.ts, on the real runtime.
 */
import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from '../../src/core/types.js';
import { chatLinkMatches, chatSubjectFacts, checkChatBinding, digestMessage, parseChatContext, prepareChatRequest, resolveInitiator } from '../../src/integrations/chat/provenance.js';
import { chatRequest, human, memoryHumans, nhi, opsbot, people, TEAM } from '../fixtures/slack/ports.js';

const humans = memoryHumans(Object.values(people));
const withChat = (chat: unknown): AuthorizationRequest => ({ ...chatRequest(), context: { environment: 'production', chat } });
const goodChat = () => (chatRequest().context!['chat'] as Record<string, unknown>);

describe('context.chat', () => {
  it('accepts the documented shape; thread is optional; absent is not a chat request', () => {
    expect(parseChatContext(chatRequest())).toMatchObject({ ok: true, chat: { platform: 'slack', workspace: TEAM, user: 'U0ERIN' } });
    const { thread: _t, ...noThread } = goodChat();
    expect(parseChatContext(withChat(noThread))).toMatchObject({ ok: true });
    expect(parseChatContext({ ...chatRequest(), context: {} })).toEqual({ ok: true, chat: undefined });
  });

  it.each([
    ['not an object', 'slack'],
    ['an array', []],
    ['unknown field', { ...goodChat(), permalink: 'https://x' }],
    ['missing user', { ...goodChat(), user: undefined }],
    ['number', { ...goodChat(), channel: 42 }],
    ['empty', { ...goodChat(), messageId: '' }],
    ['upper-case platform', { ...goodChat(), platform: 'Slack' }],
    ['digest without prefix', { ...goodChat(), messageDigest: 'a'.repeat(64) }],
    ['digest upper-case', { ...goodChat(), messageDigest: `sha256:${'A'.repeat(64)}` }],
    ['control character', { ...goodChat(), user: 'U0ERIN\n' }],
    ['bidi override', { ...goodChat(), channel: 'C0OPS\u202e' }],
    ['too long', { ...goodChat(), workspace: 'T'.repeat(257) }],
  ])('refuses %s as chat_context_invalid', (_name, chat) => {
    expect(parseChatContext(withChat(chat))).toMatchObject({ ok: false, code: 'chat_context_invalid' });
    expect(checkChatBinding(withChat(chat), { class: 'nhi', kind: 'bot', owner: 'owen' })).toMatchObject({ ok: false, code: 'chat_context_invalid' });
  });

  it('digestMessage is sha256 over the UTF-8 text', () => {
    expect(digestMessage('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('initiator from the chat user (Human links)', () => {
  it('bare and workspace-qualified links; an unknown user resolves to no Human', async () => {
    expect(chatLinkMatches('U0123', 'T1', 'U0123')).toBe(true);
    expect(chatLinkMatches('T1/U0123', 'T1', 'U0123')).toBe(true);
    expect(chatLinkMatches('T1/U0123', 'T2', 'U0123')).toBe(false);
    expect(chatLinkMatches('u0123', 'T1', 'U0123')).toBe(false);
    expect(chatLinkMatches(undefined, 'T1', 'U0123')).toBe(false);
    const chat = { platform: 'slack', workspace: TEAM, channel: 'C1', user: 'U0ALICE', messageId: '1.2', messageDigest: digestMessage('x') };
    expect(await resolveInitiator(chat, humans)).toEqual({ initiator: { type: 'Human', id: 'alice' }, uid: 'Airlock::Human::"alice"' });
    expect(await resolveInitiator({ ...chat, user: 'U0NOBODY' }, humans)).toBeUndefined();
    expect(await resolveInitiator({ ...chat, platform: 'teams', user: 'U0BOB' }, humans)).toBeUndefined();
  });

  it('prepareChatRequest sets context.initiator and drops one the bot claimed', async () => {
    const claimed = chatRequest();
    claimed.context!['initiator'] = { type: 'Human', id: 'alice' };
    const p = await prepareChatRequest(claimed, chatSubjectFacts(opsbot), humans);
    expect(p).toMatchObject({ ok: true, initiatorUid: 'Airlock::Human::"erin"' });
    expect(p.ok && p.request.context!['initiator']).toEqual({ type: 'Human', id: 'erin' });
    const unknown = withChat({ ...goodChat(), user: 'U0NOBODY' });
    unknown.context!['initiator'] = { type: 'Human', id: 'alice' };
    const q = await prepareChatRequest(unknown, chatSubjectFacts(opsbot), humans);
    expect(q.ok && q.request.context!['initiator']).toBeUndefined();
    expect(q.ok && q.initiatorUid).toBeUndefined();
    // Not a chat request: untouched.
    const plain: AuthorizationRequest = { ...chatRequest(), context: { initiator: { type: 'Human', id: 'x' } } };
    expect(await prepareChatRequest(plain, { class: 'human' }, humans)).toEqual({ ok: true, request: plain });
  });
});

describe('binding rule: chat_requires_nhi', () => {
  const req = chatRequest();
  it('an owned bot or agent passes', () => {
    expect(checkChatBinding(req, chatSubjectFacts(opsbot))).toEqual({ ok: true });
    expect(checkChatBinding(req, chatSubjectFacts(nhi('copilot', { kind: 'agent' })))).toEqual({ ok: true });
  });

  it.each([
    ['a Human subject (the chat user’s ambient rights)', chatSubjectFacts(human('erin'))],
    ['an unregistered subject', chatSubjectFacts(undefined)],
    ['a service account', chatSubjectFacts(nhi('deploy-svc', { kind: 'service_account' }))],
    ['a CI job', chatSubjectFacts(nhi('ci', { kind: 'ci_job' }))],
    ['a shared identity', chatSubjectFacts(nhi('team-bot', { attributes: { shared: true } }))],
    ['an NHI without owner', { class: 'nhi' as const, kind: 'bot' }],
  ])('refuses %s', (_name, facts) => {
    expect(checkChatBinding(req, facts)).toMatchObject({ ok: false, code: 'chat_requires_nhi' });
  });

  it('does not apply without context.chat', () => {
    expect(checkChatBinding({ ...req, context: {} }, chatSubjectFacts(human('erin')))).toEqual({ ok: true });
  });
});
