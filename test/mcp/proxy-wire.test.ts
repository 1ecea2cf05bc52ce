/**
 * Raw JSON-RPC on the proxy's stdin (threats §3.12): batches are refused and nothing in them is
 * forwarded; unknown method spellings and a tools/call sent as a notification stop at the proxy.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, embeddedArgs, FIXTURE_SERVER, workDir, type Work } from './helpers.js';

describe('airlock mcp: raw stdio', () => {
  let work: Work;
  let proc: ChildProcessWithoutNullStreams;
  const replies = new Map<string, Record<string, unknown>>();
  const nullReplies: Record<string, unknown>[] = [];
  const every: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];

  const send = (m: unknown) => proc.stdin.write(JSON.stringify(m) + '\n');
  const reply = async (id: string | null, ms = 10_000): Promise<Record<string, unknown>> => {
    const end = Date.now() + ms;
    for (;;) {
      if (id === null && nullReplies.length > 0) return nullReplies.shift()!;
      if (id !== null && replies.has(id)) return replies.get(id)!;
      if (Date.now() > end) throw new Error(`no reply for ${id}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };

  beforeAll(async () => {
    work = workDir();
    proc = spawn(process.execPath, [CLI, 'mcp', ...embeddedArgs(work), '--', process.execPath, FIXTURE_SERVER], {
      env: { PATH: process.env['PATH'] ?? '', FIXTURE_LOG: work.logFile, FIXTURE_DIR: work.dir },
    });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      every.push(m);
      if (m['id'] === null) nullReplies.push(m);
      else if (m['id'] !== undefined) replies.set(String(m['id']), m);
      waiters.splice(0).forEach((w) => w());
    });
    send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect((await reply('init', 120_000))['result']).toBeDefined();
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }, 180_000);
  afterAll(() => {
    proc?.stdin.end();
    proc?.kill();
  });

  it('threats §3.12 / I5 JSON-RPC batches (stdio): refused with -32600, none of its calls forwarded', async () => {
    send([
      { jsonrpc: '2.0', id: 'b1', method: 'tools/call', params: { name: 'delete_file', arguments: { path: 'x' } } },
      { jsonrpc: '2.0', id: 'b2', method: 'tools/call', params: { name: 'echo', arguments: { text: 'smuggled' } } },
    ]);
    const r = await reply(null);
    expect((r['error'] as { code: number }).code).toBe(-32600);
    // A later single call still works: the session survived the refusal.
    send({ jsonrpc: '2.0', id: 'after', method: 'tools/call', params: { name: 'echo', arguments: { text: 'single' } } });
    expect(((await reply('after'))['result'] as { isError?: boolean }).isError).toBeFalsy();
    expect(replies.has('b1') || replies.has('b2')).toBe(false);
    expect(work.calls()).toEqual([{ tool: 'echo', text: 'single' }]);
  });

  it('threats §3.12 a tools/call sent as a notification (no id) is not forwarded', async () => {
    send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo', arguments: { text: 'as-notification' } } });
    send({ jsonrpc: '2.0', id: 'ping1', method: 'ping' });
    await reply('ping1');
    expect(work.calls().some((c) => c['text'] === 'as-notification')).toBe(false);
  });

  it('threats §3.12 method name variants ("Tools/Call", trailing space) are not forwarded', async () => {
    send({ jsonrpc: '2.0', id: 'v1', method: 'Tools/Call', params: { name: 'echo', arguments: { text: 'variant1' } } });
    send({ jsonrpc: '2.0', id: 'v2', method: 'tools/call ', params: { name: 'echo', arguments: { text: 'variant2' } } });
    expect(((await reply('v1'))['error'] as { code: number }).code).toBe(-32601);
    expect(((await reply('v2'))['error'] as { code: number }).code).toBe(-32601);
    expect(work.calls().some((c) => String(c['text']).startsWith('variant'))).toBe(false);
  });

  it('threats §3.12 duplicate id: two calls under one id are each decided on their own; the denied one never reaches the server', async () => {
    send({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'delete_file', arguments: { path: 'dup.txt' } } });
    send({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'echo', arguments: { text: 'dup-echo' } } });
    const end = Date.now() + 20_000;
    const dups = () => every.filter((m) => m['id'] === 'dup');
    while (dups().length < 2 && Date.now() < end) await new Promise((res) => setTimeout(res, 25));
    const seen = dups();
    const results = seen.map((m) => m['result'] as { isError?: boolean; content: Array<{ text: string }> });
    expect(results.map((r) => (r.isError ? 'refused' : r.content[0]!.text)).sort()).toEqual(['dup-echo', 'refused']);
    expect(work.calls().some((c) => c['tool'] === 'delete_file')).toBe(false);
    expect(work.calls().filter((c) => c['text'] === 'dup-echo')).toHaveLength(1);
  });

  it('a method the proxy does not know is refused, never forwarded undecided (-32601)', async () => {
    send({ jsonrpc: '2.0', id: 'u1', method: 'tasks/list', params: {} });
    send({ jsonrpc: '2.0', id: 'u2', method: 'tasks/result', params: { taskId: 'x' } });
    send({ jsonrpc: '2.0', id: 'u3', method: 'db/query', params: { sql: 'select * from customers' } });
    for (const id of ['u1', 'u2', 'u3']) expect(((await reply(id))['error'] as { code: number }).code).toBe(-32601);
  });

  it('resources/read with a missing uri is refused before any decision, nothing forwarded', async () => {
    send({ jsonrpc: '2.0', id: 'r1', method: 'resources/read', params: {} });
    // The SDK's schema check answers first (-32603 in SDK 1.32); the proxy's own check is -32602.
    expect([-32602, -32603]).toContain(((await reply('r1'))['error'] as { code: number }).code);
    expect(work.calls().some((c) => 'resource' in c)).toBe(false);
  });

  it('answers a line that is not JSON with -32700 and stays up', async () => {
    proc.stdin.write('{not json\n');
    expect(((await reply(null))['error'] as { code: number }).code).toBe(-32700);
    send({ jsonrpc: '2.0', id: 'ping2', method: 'ping' });
    expect((await reply('ping2'))['result']).toEqual({});
  });
});
