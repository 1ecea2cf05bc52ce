import { describe, expect, it } from 'vitest';
import { parseProxyConfig } from './config.js';
import { CoazMappingError, defaultMapping, planRequests, type CoazContext } from './coaz.js';

const ctx: CoazContext = { token: { sub: 'alice@example.com', client_id: 'agent-app', aud: 'https://mcp.example.com' }, serverId: 'https://mcp.example.com' };
const plan = (m: unknown, params: Record<string, unknown> = {}, c: CoazContext = ctx) => planRequests(m, params, c);

describe('COAZ-MCP mappings (mcp/coaz.ts)', () => {
  it('the default tools/call mapping, as the draft resolves its example request and token', () => {
    const p = plan(defaultMapping('tools/call'), { name: 'get_customer', arguments: { id: 'cust-12345' } });
    expect(p).toEqual({ envelope: 'evaluation', requests: [{ subject: { type: 'identity', id: 'alice@example.com' }, action: { name: 'tools/call' }, resource: { type: 'tool', id: 'get_customer' }, context: { agent: 'agent-app' } }] });
  });

  it('pass-through and unknown methods: ping and notifications pass, anything unmapped has no mapping', () => {
    expect(defaultMapping('ping')).toBe('pass');
    expect(defaultMapping('notifications/cancelled')).toBe('pass');
    expect(defaultMapping('resources/templates/list')).toBeUndefined();
    expect(defaultMapping('sampling/createMessage')).toBeUndefined();
  });

  it('an absent optional claim drops the field ($token.?client_id); a plain selection of a missing key is a mapping error', () => {
    const noClient = { ...ctx, token: { sub: 'alice@example.com', aud: 'https://mcp.example.com' } };
    expect(plan(defaultMapping('prompts/get'), { name: 'greet' }, noClient).requests[0]!.context).toEqual({});
    expect(() => plan({ evaluation: { action: { name: 'x' }, resource: { type: 't', id: '$params.arguments.region' } } }, { arguments: {} })).toThrow(/params\.arguments\.region/);
  });

  it('literals: "$$50" is the string "$50"; other strings, numbers and booleans are kept as they are', () => {
    const p = plan({ evaluation: { action: { name: 'pay' }, resource: { type: 'price', id: '$$50', properties: { n: 10, ok: true } } } });
    expect(p.requests[0]!.resource).toEqual({ type: 'price', id: '$50', properties: { n: 10, ok: true } });
  });

  it('CEL integers come back as JSON numbers', () => {
    const p = plan({ evaluation: { action: { name: 'a' }, resource: { type: 'r', id: 'x', properties: { n: '$1 + 2' } } } });
    expect(p.requests[0]!.resource.properties).toEqual({ n: 3 });
  });

  it('subject: supplied from the claim when omitted, type identity by default, verified when it names the claim, refused otherwise', () => {
    expect(plan({ evaluation: { action: { name: 'a' }, resource: { type: 'r', id: 'x' } } }).requests[0]!.subject).toEqual({ type: 'identity', id: 'alice@example.com' });
    expect(plan({ evaluation: { subject: { id: '$token.sub' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } } }).requests[0]!.subject.type).toBe('identity');
    expect(() => plan({ evaluation: { subject: { id: 'bob' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } } })).toThrow(CoazMappingError);
    expect(() => plan({ evaluation: { subject: { id: '$params.arguments.user' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } } }, { arguments: { user: 'alice@example.com' } })).toThrow(/cannot be verified/);
  });

  it('an on-behalf-of claim can be the subject-identity claim', () => {
    const obo = { ...ctx, token: { ...ctx.token, sub: 'agent-app', act_for: 'carol@example.com' }, subjectClaim: 'act_for' };
    expect(plan(defaultMapping('tools/list'), {}, obo).requests[0]!.subject).toEqual({ type: 'identity', id: 'carol@example.com' });
    // `$token.sub` as subject.id reads as the designated claim, in declared mappings too.
    expect(plan({ evaluation: { subject: { id: '$token.sub' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } } }, {}, obo).requests[0]!.subject.id).toBe('carol@example.com');
    expect(() => plan({ evaluation: { subject: { id: '$token.client_id' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } } }, {}, obo)).toThrow(CoazMappingError);
  });

  it('server-wide methods: an aud list resolves to the member naming this server, or is a mapping error', () => {
    const multi = { ...ctx, token: { ...ctx.token, aud: ['https://other.example.com', 'https://mcp.example.com'] } };
    expect(plan(defaultMapping('tools/list'), {}, multi).requests[0]!.resource).toEqual({ type: 'mcp_server', id: 'https://mcp.example.com' });
    const wrong = { ...ctx, token: { ...ctx.token, aud: ['https://other.example.com'] } };
    expect(() => plan(defaultMapping('tools/list'), {}, wrong)).toThrow(/does not name this server/);
  });

  it('evaluations: top-level subject and context for every entry; an entry with its own subject, or a malformed mapping, is an error', () => {
    const m = { evaluations: { context: { agent: '$token.?client_id' }, evaluations: [{ action: { name: 'read' }, resource: { type: 'o', id: 'a' } }, { action: { name: 'write' }, resource: { type: 'o', id: 'b' }, context: { x: 1 } }] } };
    const p = plan(m);
    expect(p.envelope).toBe('evaluations');
    expect(p.requests.map((r) => [r.subject.id, r.action.name, r.context])).toEqual([
      ['alice@example.com', 'read', { agent: 'agent-app' }],
      ['alice@example.com', 'write', { x: 1 }],
    ]);
    expect(() => plan({ evaluations: { evaluations: [{ subject: { id: '$token.sub' }, action: { name: 'a' }, resource: { type: 'o', id: 'a' } }] } })).toThrow(/only the top-level subject/);
    expect(() => plan({ evaluation: {}, evaluations: {} })).toThrow(/exactly one key/);
    expect(() => plan({ evaluation: { action: { name: 'a' } } })).toThrow(/resource/);
  });

  it('proxy config: binding airlock by default; coaz settings need binding coaz', () => {
    expect(parseProxyConfig('{"servers":{"s":{"command":"x"}}}').binding).toBe('airlock');
    const c = parseProxyConfig('{"binding":"coaz","coaz":{"claims":{"sub":"a"},"audience":"https://m"},"servers":{"s":{"command":"x"}}}');
    expect(c.binding).toBe('coaz');
    expect(c.coaz).toEqual({ claims: { sub: 'a' }, audience: 'https://m' });
    expect(() => parseProxyConfig('{"coaz":{"audience":"https://m"},"servers":{"s":{"command":"x"}}}')).toThrow(/need "binding: coaz"/);
    expect(() => parseProxyConfig('{"binding":"xacml","servers":{"s":{"command":"x"}}}')).toThrow();
  });
});
