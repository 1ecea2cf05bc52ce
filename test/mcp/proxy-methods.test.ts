/**
 * Issue 11, MCP proxy: nothing that reads or runs on the upstream passes undecided. The SDK's
 * Client → `airlock mcp` (built CLI, embedded pipeline) → the fixture server written with the SDK's
 * McpServer. The fixture logs every read, prompt, completion and subscription it serves, so "never
 * reached the server" is its side effect, not the proxy's word; the audit log is read from the
 * proxy's own SQLite file.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProxy, embeddedArgs, workDir, type Work } from './helpers.js';

type Proxied = Awaited<ReturnType<typeof connectProxy>>;

function decisions(work: Work, action: string): Array<{ outcome: string; resource: string; subject: string }> {
  const db = new Database(join(work.dataDir, 'airlock.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT record FROM audit WHERE kind = 'decision' ORDER BY seq`).all() as Array<{ record: string }>;
    return rows
      .map((r) => JSON.parse(r.record) as { request: { action: { name: string }; resource: { type: string; id: string }; subject: { id: string } }; decision: { outcome: string } })
      .filter((r) => r.request.action.name === action)
      .map((r) => ({ outcome: r.decision.outcome, resource: `${r.request.resource.type}::${r.request.resource.id}`, subject: r.request.subject.id }));
  } finally {
    db.close();
  }
}

describe('threats §3.12 / §3.13 MCP methods besides tools/call (issue 11): resources, prompts, completions and subscriptions are decided (stdio, embedded)', () => {
  let work: Work;
  let denied: Proxied; // other-agent: in no group, so every tool and every method is denied
  let agent: Proxied; // test-agent: may read fixture://readme and use the greet prompt, nothing else

  beforeAll(async () => {
    work = workDir();
    denied = await connectProxy({ work, proxyArgs: embeddedArgs(work, 'other-agent') });
    agent = await connectProxy({ work, proxyArgs: embeddedArgs(work, 'test-agent') });
  }, 120_000);
  afterAll(async () => {
    await denied?.client.close();
    await agent?.client.close();
  });

  it('a subject denied every tool cannot read db://customers through the proxy: -32001, the server never serves it, the deny is audited', async () => {
    expect((await denied.client.callTool({ name: 'echo', arguments: { text: 'x' } })).isError).toBe(true);
    const err = await denied.client.readResource({ uri: 'db://customers' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data: Record<string, { outcome: string; requestId: string }> },
    );
    expect(err?.code).toBe(-32001);
    expect(err?.message).toMatch(/Denied by Airlock policy.*resources\/read db:\/\/customers/);
    expect(err?.data['dev.airlock/decision']).toMatchObject({ outcome: 'deny', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(work.calls().some((c) => c['resource'] === 'db://customers')).toBe(false);
    expect(decisions(work, 'mcp.resource.read')).toContainEqual({ outcome: 'deny', resource: 'McpResource::fixture/db://customers', subject: 'other-agent' });
  });

  it('default deny: a resource no policy names is refused even for an agent that may read another one', async () => {
    await expect(agent.client.readResource({ uri: 'db://customers' })).rejects.toMatchObject({ code: -32001 });
    const ok = await agent.client.readResource({ uri: 'fixture://readme' });
    expect(ok.contents[0]).toMatchObject({ uri: 'fixture://readme', text: 'fixture readme' });
    expect(work.calls().filter((c) => typeof c['resource'] === 'string').map((c) => c['resource'])).toEqual(['fixture://readme']);
    expect(decisions(work, 'mcp.resource.read').filter((d) => d.subject === 'test-agent').map((d) => d.outcome)).toEqual(['deny', 'allow']);
  });

  it('prompts/get, completion/complete and resources/subscribe are their own actions, denied unless permitted', async () => {
    await expect(denied.client.getPrompt({ name: 'greet', arguments: { who: 'x' } })).rejects.toMatchObject({ code: -32001 });
    await expect(denied.client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'w' } })).rejects.toMatchObject({ code: -32001 });
    await expect(denied.client.subscribeResource({ uri: 'db://customers' })).rejects.toMatchObject({ code: -32001 });
    await expect(agent.client.subscribeResource({ uri: 'db://customers' })).rejects.toMatchObject({ code: -32001 });
    expect(work.calls().filter((c) => 'prompt' in c || 'complete' in c || 'subscribe' in c)).toEqual([]);

    expect((await agent.client.getPrompt({ name: 'greet', arguments: { who: 'ann' } })).messages[0]?.content).toEqual({ type: 'text', text: 'hello ann' });
    expect((await agent.client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'w' } })).completion.values).toEqual(['world']);
    await agent.client.subscribeResource({ uri: 'fixture://readme' });
    expect(work.calls().filter((c) => 'prompt' in c || 'complete' in c || 'subscribe' in c)).toEqual([{ prompt: 'greet', who: 'ann' }, { complete: 'w' }, { subscribe: 'fixture://readme' }]);
    for (const action of ['mcp.prompt.get', 'mcp.completion', 'mcp.resource.subscribe']) {
      expect(decisions(work, action).map((d) => d.outcome)).toContain('deny');
      expect(decisions(work, action).map((d) => d.outcome)).toContain('allow');
    }
  });

  it('list methods pass for a subject denied everything (listing reads no data and runs nothing)', async () => {
    expect((await denied.client.listResources()).resources.map((r) => r.uri).sort()).toEqual(['db://customers', 'fixture://readme']);
    expect((await denied.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
    expect((await denied.client.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe('issue 11: the proxy does not offer MCP tasks (upstream with tasks)', () => {
  let work: Work;
  let p: Proxied;
  beforeAll(async () => {
    work = workDir();
    p = await connectProxy({ work, proxyArgs: embeddedArgs(work), env: { FIXTURE_TASKS: '1' } });
  }, 60_000);
  afterAll(async () => {
    await p?.client.close();
  });

  it('drops the upstream tasks capability and leaves tools that require a task out of tools/list', async () => {
    expect(p.client.getServerCapabilities()?.tasks).toBeUndefined();
    const names = (await p.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('long_job');
  });

  it('a task-augmented tools/call is refused and nothing is forwarded', async () => {
    // The SDK client will not send a task to a server that did not declare tasks; send it raw.
    const raw = p.transport;
    const answer = new Promise<Record<string, unknown>>((resolve) => {
      const prev = raw.onmessage;
      raw.onmessage = (m) => {
        if ((m as { id?: unknown }).id === 'task-1') resolve(m as never);
        else prev?.(m);
      };
    });
    await raw.send({ jsonrpc: '2.0', id: 'task-1', method: 'tools/call', params: { name: 'long_job', arguments: { n: 1 }, task: { ttl: 60_000 } } });
    const r = await answer;
    // Refused by the SDK's capability check (the proxy declared no tasks) or by the proxy itself.
    expect([-32602, -32603]).toContain((r['error'] as { code: number }).code);
    expect((r['error'] as { message: string }).message).toMatch(/task/i);
    expect(r['result']).toBeUndefined();
    expect(work.calls().some((c) => c['tool'] === 'long_job')).toBe(false);
  });
});
