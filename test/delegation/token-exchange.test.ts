import { describe, expect, it } from 'vitest';
import { oauthErrorStatus, safeDescription } from '../../src/delegation/codes.js';
import { exchangeToken } from '../../src/delegation/exchange.js';
import { revokeDelegation } from '../../src/delegation/links.js';
import {
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE_CALLER,
  TOKEN_TYPE_IDENTITY,
  TOKEN_TYPE_JWT,
  parseTokenExchangeForm,
  parseTtl,
} from '../../src/delegation/token-exchange.js';
import { AUD, NOW, agent, human, world } from './fixture.js';

const form = (o: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
};
const rootForm = {
  grant_type: TOKEN_EXCHANGE_GRANT,
  subject_token: human('alice'),
  subject_token_type: TOKEN_TYPE_CALLER,
  actor_token: agent('a'),
  actor_token_type: TOKEN_TYPE_IDENTITY,
  scope: 'tool.call:Tool::gh/*',
  ttl: '30m',
  purpose: 'triage',
};

// https://www.rfc-editor.org/rfc/rfc8693#section-2.1 - request parameters
describe('RFC 8693 §2.1 form parsing', () => {
  it('parses a root delegation request', () => {
    const r = parseTokenExchangeForm(form({ ...rootForm, audience: AUD }));
    expect(r).toEqual({
      ok: true,
      request: { subjectToken: human('alice'), subjectTokenType: TOKEN_TYPE_CALLER, actorToken: agent('a'), scope: 'tool.call:Tool::gh/*', ttlMs: 1_800_000, purpose: 'triage', audience: [AUD] },
    });
  });

  it('ttl accepts 30m, PT30M and seconds', () => {
    expect([parseTtl('30m'), parseTtl('PT30M'), parseTtl('1800'), parseTtl('soon'), parseTtl('-5')]).toEqual([1_800_000, 1_800_000, 1_800_000, undefined, undefined]);
  });

  it.each([
    ['missing grant_type', { grant_type: '' }, 'invalid_request', 'request_malformed'],
    ['other grant_type', { grant_type: 'client_credentials' }, 'unsupported_grant_type', 'grant_type_unsupported'],
    ['repeated scope', { scope: ['a', 'b'] }, 'invalid_request', 'request_malformed'],
    ['missing subject_token', { subject_token: '' }, 'invalid_request', 'request_malformed'],
    ['unknown subject_token_type', { subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }, 'invalid_request', 'token_type_unsupported'],
    ['actor_token without type', { actor_token_type: '' }, 'invalid_request', 'request_malformed'],
    ['no actor (impersonation)', { actor_token: '', actor_token_type: '' }, 'invalid_request', 'request_malformed'],
    ['other actor_token_type', { actor_token_type: TOKEN_TYPE_JWT }, 'invalid_request', 'token_type_unsupported'],
    ['requested_token_type', { requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' }, 'invalid_request', 'token_type_unsupported'],
    ['resource indicator', { resource: 'https://api.example/' }, 'invalid_target', 'resource_unsupported'],
    ['bad ttl', { ttl: 'forever' }, 'invalid_request', 'ttl_invalid'],
  ])('refuses %s', (_n, change, error, code) => {
    const r = parseTokenExchangeForm(form({ ...rootForm, ...change }));
    expect(!r.ok && r.error).toMatchObject({ error, airlock_code: code });
  });

  it('ignores unknown parameters; an empty value counts as omitted (RFC 6749 §3.1)', () => {
    const r = parseTokenExchangeForm(form({ ...rootForm, client_note: 'x', scope: '', audience: ['', AUD] }));
    expect(r.ok && r.request).toMatchObject({ audience: [AUD] });
    expect(r.ok && 'scope' in r.request).toBe(false);
  });

  it('error descriptions stay inside the RFC 6749 §5.2 character set', () => {
    const d = safeDescription('uid Airlock::Agent::"a\\b" \u202e\n');
    expect(d).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    expect(oauthErrorStatus('invalid_client')).toBe(401);
    expect(oauthErrorStatus('invalid_scope')).toBe(400);
  });
});

describe('exchangeToken: /oauth/token semantics', () => {
  async function setup() {
    const w = await world();
    const deps = (caller: string) => ({ ...w.base, caller, now: NOW, key: w.key, checks: w.checks });
    const exchange = async (caller: string, o: Record<string, string | string[]>) => {
      const p = parseTokenExchangeForm(form(o));
      if (!p.ok) throw new Error(p.error.error_description);
      return exchangeToken(p.request, deps(caller));
    };
    return { w, exchange };
  }

  it('root delegation, then a hop with the issued token as subject_token; RFC 8693 §2.2.1 response', async () => {
    const { w, exchange } = await setup();
    const root = await exchange(human('alice'), rootForm);
    expect(root.ok && root.response).toEqual({
      access_token: expect.any(String),
      issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_type: 'N_A',
      expires_in: 1800,
      scope: 'tool.call:Tool::gh/*',
    });
    if (!root.ok) return;
    const hop = await exchange(agent('a'), {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: root.response.access_token,
      subject_token_type: TOKEN_TYPE_JWT,
      actor_token: 'Agent::"b"',
      actor_token_type: TOKEN_TYPE_IDENTITY,
      scope: 'tool.call:Tool::gh/list',
    });
    expect(hop.ok && hop.response).toMatchObject({ expires_in: 900, scope: 'tool.call:Tool::gh/list' }); // default 15 min
    if (!hop.ok) return;
    expect((await w.verify(hop.response.access_token, agent('b'))).ok).toBe(true);
  });

  it('refusals map to RFC codes with airlock_code', async () => {
    const { w, exchange } = await setup();
    expect(await exchange(human('bob'), rootForm)).toMatchObject({ ok: false, error: { error: 'invalid_request', airlock_code: 'subject_not_caller' } });
    expect(await exchange(human('alice'), { ...rootForm, audience: 'https://elsewhere' })).toMatchObject({ ok: false, error: { error: 'invalid_target' } });
    expect(await exchange(human('alice'), { ...rootForm, actor_token: 'not a uid' })).toMatchObject({ ok: false, error: { error: 'invalid_request', airlock_code: 'actor_token_invalid' } });
    expect(await exchange(human('alice'), { ...rootForm, scope: '' })).toMatchObject({ ok: false, error: { error: 'invalid_scope', airlock_code: 'scope_invalid' } });
    const root = await exchange(human('alice'), rootForm);
    if (!root.ok) throw new Error('setup');
    const hopForm = { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: root.response.access_token, subject_token_type: TOKEN_TYPE_JWT, actor_token: agent('b'), actor_token_type: TOKEN_TYPE_IDENTITY };
    // the subject token is held by a, not c: RFC 8693 §2.2.2 invalid_request
    expect(await exchange(agent('c'), hopForm)).toMatchObject({ ok: false, error: { error: 'invalid_request', airlock_code: 'subject_token_invalid', airlock_detail: 'delegation_actor_mismatch' } });
    expect(await exchange(agent('a'), { ...hopForm, scope: 'tool.call' })).toMatchObject({ ok: false, error: { error: 'invalid_scope', airlock_code: 'scope_widening' } });
    expect(await exchange(agent('a'), { ...hopForm, ttl: '31m' })).toMatchObject({ ok: false, error: { error: 'invalid_request', airlock_code: 'ttl_exceeds_parent' } });
    await revokeDelegation(w.repo, root.issued.link.id, { now: NOW, by: human('alice'), reason: 'stop' });
    expect(await exchange(agent('a'), hopForm)).toMatchObject({ ok: false, error: { error: 'invalid_request', airlock_detail: 'delegation_revoked' } });
  });
});
