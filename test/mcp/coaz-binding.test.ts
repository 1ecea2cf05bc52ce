/**
 * The OpenID AuthZEN COAZ-MCP binding (draft 1, openid/authzen profiles/authzen-coaz-mcp-binding-1_0.md)
 * in the MCP proxy: `airlock mcp --binding coaz`. The SDK's Client → the built CLI (embedded
 * pipeline, bundle test/fixtures/mcp/coaz-bundle) → a real MCP server written with the SDK
 * (test/fixtures/mcp/coaz-server.mjs) whose tools are the draft's examples with their
 * `x-authzen-mapping`. The AuthZEN requests the proxy built are read back from the audit log and
 * compared with the requests the draft says each example produces; what reached the server is the
 * server's own log.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectProxy, workDir, type Work } from './helpers.js';

const COAZ_SERVER = resolve('test/fixtures/mcp/coaz-server.mjs');
const COAZ_BUNDLE = resolve('test/fixtures/mcp/coaz-bundle');
const AGENT = 'http://agentprovider.com/agent-app-id';
const ALICE = { type: 'identity', id: 'alice@example.com' };
const SERVER = { type: 'mcp_server', id: 'https://mcp.example.com' };

type Proxied = Awaited<ReturnType<typeof connectProxy>>;
type Audited = { subject: Record<string, unknown>; action: { name: string }; resource: Record<string, unknown>; context?: Record<string, unknown> };

/** Every decision the proxy asked for, in order: the AuthZEN request and its outcome. */
function decisions(work: Work): Array<{ request: Audited; outcome: string }> {
  const db = new Database(join(work.dataDir, 'airlock.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT record FROM audit WHERE kind = 'decision' ORDER BY seq`).all() as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as { request: Audited; decision: { outcome: string } }).map((r) => ({ request: r.request, outcome: r.decision.outcome }));
  } finally {
    db.close();
  }
}

/** The decisions recorded while `f` ran. */
async function during(work: Work, f: () => Promise<unknown>): Promise<Array<{ request: Audited; outcome: string }>> {
  const before = decisions(work).length;
  await f();
  return decisions(work).slice(before);
}

function proxyArgs(work: Work, claims: Record<string, unknown>, extra: string[] = []): string[] {
  const file = join(work.dir, `claims-${String(claims['sub'])}.json`);
  writeFileSync(file, JSON.stringify(claims));
  return [
    '--subject', String(claims['sub']), '--embedded', '--policies', COAZ_BUNDLE, '--data-dir', work.dataDir, '--name', 'example',
    '--binding', 'coaz', '--coaz-claims', file, '--coaz-audience', 'https://mcp.example.com', ...extra,
  ];
}

/** The draft's example access token (COAZ-MCP "Expressions and Literals"), plus the roles claim transfer_funds reads. */
const aliceClaims = { sub: 'alice@example.com', client_id: AGENT, iss: 'https://auth.example.com', aud: 'https://mcp.example.com', exp: 1750000000, roles: ['support'] };

const rpcError = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { code: number; message: string; data?: Record<string, unknown> });

describe('COAZ-MCP binding: the draft\'s examples through the real proxy', () => {
  let work: Work;
  let alice: Proxied;
  let initDecisions: Array<{ request: Audited; outcome: string }>;

  beforeAll(async () => {
    work = workDir();
    alice = await connectProxy({ work, proxyArgs: proxyArgs(work, aliceClaims), server: ['node', COAZ_SERVER] });
    initDecisions = decisions(work);
  }, 120_000);
  afterAll(async () => {
    await alice?.client.close();
  });

  it('initialize is decided before the upstream is opened: action initialize on the mcp_server, with the protocol version', () => {
    expect(initDecisions).toHaveLength(1);
    expect(initDecisions[0]!.outcome).toBe('allow');
    expect(initDecisions[0]!.request).toEqual({
      subject: ALICE,
      action: { name: 'initialize' },
      resource: SERVER,
      context: { agent: AGENT, protocol_version: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
  });

  it('tools/list is decided (on the mcp_server) and every tool reaches the client with its x-authzen-mapping untouched', async () => {
    let tools: Array<Record<string, any>> = [];
    const d = await during(work, async () => (tools = (await alice.client.listTools()).tools as Array<Record<string, any>>));
    expect(d.map((x) => x.request)).toEqual([{ subject: ALICE, action: { name: 'tools/list' }, resource: SERVER, context: { agent: AGENT } }]);
    const byName = new Map(tools.map((t) => [t['name'], t]));
    expect(byName.get('get_customer')!['inputSchema']['x-authzen-mapping']).toEqual({
      evaluation: {
        subject: { type: 'identity', id: '$token.sub' },
        action: { name: 'get_customer' },
        resource: { type: 'customer', id: '$params.arguments.id' },
        context: { agent: '$token.?client_id', case: '$params.arguments.case' },
      },
    });
    expect(byName.get('get_local_weather')!['inputSchema']['x-authzen-mapping']).toBeUndefined();
  });

  it('single-evaluation example (get_customer): exactly the draft\'s Access Evaluation request, permitted, and the call reaches the server', async () => {
    let out: unknown;
    const d = await during(work, async () => (out = await alice.client.callTool({ name: 'get_customer', arguments: { id: 'cust-12345', case: 'case-67890' } })));
    expect(d).toEqual([
      {
        request: {
          subject: { type: 'identity', id: 'alice@example.com' },
          action: { name: 'get_customer' },
          resource: { type: 'customer', id: 'cust-12345' },
          context: { agent: 'http://agentprovider.com/agent-app-id', case: 'case-67890' },
        },
        outcome: 'allow',
      },
    ]);
    expect((out as { isError?: boolean }).isError).toBeFalsy();
    expect(work.calls()).toContainEqual({ method: 'tools/call', tool: 'get_customer', arguments: { id: 'cust-12345', case: 'case-67890' } });
  });

  it('a denial is a JSON-RPC error -32001 (not an isError result), and the server never sees the call', async () => {
    const err = await rpcError(alice.client.callTool({ name: 'get_customer', arguments: { id: 'cust-99999', case: 'case-1' } }));
    expect(err?.code).toBe(-32001);
    expect(err?.message).toMatch(/Denied by Airlock policy/);
    expect(err?.data?.['dev.airlock/decision']).toMatchObject({ outcome: 'deny' });
    expect(work.calls().some((c) => (c['arguments'] as { id?: string } | undefined)?.id === 'cust-99999')).toBe(false);
  });

  it('a tool without a declared mapping gets the default tools/call mapping (resource tool:<name>)', async () => {
    const d = await during(work, () => alice.client.callTool({ name: 'get_local_weather', arguments: { zip: '94110' } }));
    expect(d).toEqual([{ request: { subject: ALICE, action: { name: 'tools/call' }, resource: { type: 'tool', id: 'get_local_weather' }, context: { agent: AGENT } }, outcome: 'allow' }]);
    expect(work.calls()).toContainEqual({ method: 'tools/call', tool: 'get_local_weather', arguments: { zip: '94110' } });
  });

  it('multi-evaluation example (copy_object): the two entries of the draft\'s Access Evaluations request, each permitted, then one call', async () => {
    const args = { source: '/bucket/reports/q1.pdf', destination: '/bucket/archive/q1.pdf' };
    const d = await during(work, () => alice.client.callTool({ name: 'copy_object', arguments: args }));
    expect(d).toEqual([
      { request: { subject: ALICE, action: { name: 'read' }, resource: { type: 'storage_object', id: '/bucket/reports/q1.pdf' }, context: { agent: AGENT } }, outcome: 'allow' },
      { request: { subject: ALICE, action: { name: 'write' }, resource: { type: 'storage_object', id: '/bucket/archive/q1.pdf' }, context: { agent: AGENT } }, outcome: 'allow' },
    ]);
    expect(work.calls().filter((c) => c['tool'] === 'copy_object')).toHaveLength(1);
  });

  it('copy_object to a destination the subject may not write: one deny refuses the call (-32001), nothing reaches the server', async () => {
    const err = await rpcError(alice.client.callTool({ name: 'copy_object', arguments: { source: '/bucket/reports/q1.pdf', destination: '/bucket/secret/q1.pdf' } }));
    expect(err?.code).toBe(-32001);
    expect(work.calls().filter((c) => c['tool'] === 'copy_object')).toHaveLength(1);
  });

  it('conditional-expression example (transfer_funds): subject type, action and sensitivity come from CEL over token and arguments', async () => {
    const small = { from_account: 'acc-1', to_account: 'acc-2', amount: 50, currency: 'USD' };
    const d = await during(work, () => alice.client.callTool({ name: 'transfer_funds', arguments: small }));
    expect(d).toEqual([
      {
        request: {
          subject: { type: 'standard_user', id: 'alice@example.com' },
          action: { name: 'domestic_transfer' },
          resource: { type: 'account', id: 'acc-1', properties: { sensitivity: 'standard' } },
          context: { agent: AGENT, target_account: 'acc-2' },
        },
        outcome: 'allow',
      },
    ]);
    const big = await during(work, async () => expect((await rpcError(alice.client.callTool({ name: 'transfer_funds', arguments: { ...small, amount: 20000 } })))?.code).toBe(-32001));
    expect(big[0]!.request.resource).toEqual({ type: 'account', id: 'acc-1', properties: { sensitivity: 'high' } });
    const eur = await during(work, async () => expect((await rpcError(alice.client.callTool({ name: 'transfer_funds', arguments: { ...small, currency: 'EUR' } })))?.code).toBe(-32001));
    expect(eur[0]!.request.action).toEqual({ name: 'international_transfer' });
    expect(work.calls().filter((c) => c['tool'] === 'transfer_funds')).toHaveLength(1);
  });

  it('a mapping error (an expression on a missing argument) is JSON-RPC -32602: no decision asked, nothing run', async () => {
    // get_customer's mapping reads params.arguments.case with plain selection: absent is an error (the draft's rule).
    const missingCase = await during(work, async () => expect((await rpcError(alice.client.callTool({ name: 'get_customer', arguments: { id: 'cust-12345' } })))?.code).toBe(-32602));
    expect(missingCase).toEqual([]);
    const d = await during(work, async () => {
      const err = await rpcError(alice.client.callTool({ name: 'needs_region', arguments: {} }));
      expect(err?.code).toBe(-32602);
      expect(err?.message).toMatch(/COAZ mapping error: expression '\$params\.arguments\.region'/);
    });
    expect(d).toEqual([]);
    expect(work.calls().some((c) => c['tool'] === 'needs_region')).toBe(false);
  });

  it('a declared mapping that sets subject.id from anything but the token is refused (-32602): the server cannot speak for someone else', async () => {
    const err = await rpcError(alice.client.callTool({ name: 'claims_bob', arguments: {} }));
    expect(err?.code).toBe(-32602);
    expect(err?.message).toMatch(/subject\.id .* not the token's sub claim/);
    expect(work.calls().some((c) => c['tool'] === 'claims_bob')).toBe(false);
  });

  it('resources/read: resource {type: resource, id: <uri>}; permitted uri read, another refused with -32001', async () => {
    const d = await during(work, () => alice.client.readResource({ uri: 'file:///docs/readme.md' }));
    expect(d).toEqual([{ request: { subject: ALICE, action: { name: 'resources/read' }, resource: { type: 'resource', id: 'file:///docs/readme.md' }, context: { agent: AGENT } }, outcome: 'allow' }]);
    expect((await rpcError(alice.client.readResource({ uri: 'db://customers' })))?.code).toBe(-32001);
    expect(work.calls().filter((c) => c['method'] === 'resources/read').map((c) => c['uri'])).toEqual(['file:///docs/readme.md']);
  });

  it('prompts/get and completion/complete: resource {type: prompt, id: <name>} (completion picks prompt or resource from params.ref)', async () => {
    const d = await during(work, async () => {
      await alice.client.getPrompt({ name: 'greet' });
      await alice.client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'a' } });
    });
    expect(d.map((x) => [x.request.action.name, x.request.resource, x.outcome])).toEqual([
      ['prompts/get', { type: 'prompt', id: 'greet' }, 'allow'],
      ['completion/complete', { type: 'prompt', id: 'greet' }, 'allow'],
    ]);
    const res = await during(work, () => rpcError(alice.client.complete({ ref: { type: 'ref/resource', uri: 'db://customers' }, argument: { name: 'q', value: 'a' } })));
    expect(res.map((x) => [x.request.resource, x.outcome])).toEqual([[{ type: 'resource', id: 'db://customers' }, 'deny']]);
    expect((await rpcError(alice.client.getPrompt({ name: 'exfiltrate' })))?.code).toBe(-32001);
  });

  it('logging/setLevel is decided with context.level: info allowed, debug refused', async () => {
    const d = await during(work, () => alice.client.setLoggingLevel('info'));
    expect(d).toEqual([{ request: { subject: ALICE, action: { name: 'logging/setLevel' }, resource: SERVER, context: { agent: AGENT, level: 'info' } }, outcome: 'allow' }]);
    expect((await rpcError(alice.client.setLoggingLevel('debug')))?.code).toBe(-32001);
    expect(work.calls().filter((c) => c['method'] === 'logging/setLevel').map((c) => c['level'])).toEqual(['info']);
  });

  it('resources/list and prompts/list are decided; a method the binding has no mapping for (resources/templates/list, a vendor method) is denied -32001 without a decision', async () => {
    const d = await during(work, async () => {
      await alice.client.listResources();
      await alice.client.listPrompts();
    });
    expect(d.map((x) => x.request.action.name)).toEqual(['resources/list', 'prompts/list']);
    const none = await during(work, async () => {
      expect((await rpcError(alice.client.listResourceTemplates()))?.code).toBe(-32001);
      expect((await rpcError(alice.client.request({ method: 'vendor/custom', params: {} } as never, z.object({}).passthrough())))?.code).toBe(-32001);
    });
    expect(none).toEqual([]);
    expect(work.calls().some((c) => c['method'] === 'resources/templates/list')).toBe(false);
  });

  it('ping passes without a decision', async () => {
    const d = await during(work, () => alice.client.ping());
    expect(d).toEqual([]);
  });
});

describe('COAZ-MCP binding: who may connect, and fail closed', () => {
  it('a subject the policy does not allow to initialize cannot connect: initialize is refused with -32001', async () => {
    const work = workDir();
    const err = await rpcError(connectProxy({ work, proxyArgs: proxyArgs(work, { sub: 'bob@example.com', client_id: AGENT }), server: ['node', COAZ_SERVER] }));
    expect(err?.code).toBe(-32001);
    expect(decisions(work).map((d) => [d.request.subject, d.request.action.name, d.outcome])).toEqual([[{ type: 'identity', id: 'bob@example.com' }, 'initialize', 'deny']]);
    expect(work.calls()).toEqual([]);
  }, 60_000);

  it('the decision point unreachable: -32603 (Internal error), nothing forwarded', async () => {
    const work = workDir();
    const claims = join(work.dir, 'claims.json');
    writeFileSync(claims, JSON.stringify(aliceClaims));
    const args = ['--subject', 'alice@example.com', '--gateway', 'http://127.0.0.1:9', '--key', 'ak_0123456789abcdef_x', '--name', 'example', '--binding', 'coaz', '--coaz-claims', claims];
    const err = await rpcError(connectProxy({ work, proxyArgs: args, server: ['node', COAZ_SERVER] }));
    expect(err?.code).toBe(-32603);
    expect(work.calls()).toEqual([]);
  }, 60_000);
});
