/**
 * threats §3.12 "rejected, audited, nothing forwarded": every message the MCP proxy refuses before
 * asking for a decision leaves a `refusal` record in the gateway's audit log, under the proxy's
 * own identity and naming the agent's subject, the methods and the tools it named. Driven by the
 * official SDK client (its transports, for the shapes the Client itself will not send) through the
 * built `airlock mcp` against the real HTTP gateway; stdio and Streamable HTTP.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';
import { CLI, connectProxy, FIXTURE_BUNDLE, FIXTURE_SERVER, textOf, workDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface RefusalRecord {
  code: string;
  executor: string;
  caller: { type: string; id: string };
  subject?: { type: string; id: string };
  server?: string;
  methods?: string[];
  targets?: string[];
  detail?: string;
}

async function refusals(gw: StartedGateway): Promise<RefusalRecord[]> {
  const out: RefusalRecord[] = [];
  for (const w of await gw.runtime.store.audit.writers()) {
    for (const r of await gw.runtime.store.audit.read(w, 1, 10_000)) if (r.kind === 'refusal') out.push(JSON.parse(r.recordText) as RefusalRecord);
  }
  return out;
}

/** Waits until a refusal with `code` is in the log (the proxy records it while it answers). */
async function refusalWith(gw: StartedGateway, code: string): Promise<RefusalRecord> {
  const end = Date.now() + 60_000;
  for (;;) {
    const found = (await refusals(gw)).find((r) => r.code === code);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no refusal record ${code}; have ${JSON.stringify(await refusals(gw))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gateway(): Promise<StartedGateway> {
  const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
  cleanups.push(() => gw.close());
  return gw;
}

describe('threats §3.12 refused messages are audited (stdio, SDK client, real gateway)', () => {
  it('batch, invalid message, unknown method, tools/call as a notification, task-augmented call and oversized arguments each leave a refusal record; none is forwarded', async () => {
    const gw = await gateway();
    const work = workDir();
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture'] });
    cleanups.push(() => p.client.close());
    // Answers the client's Protocol has no request for (id null, or ids it did not send) arrive here.
    const raw = new Map<string, JSONRPCMessage>();
    const prev = p.transport.onmessage;
    p.transport.onmessage = (m) => {
      const id = (m as { id?: unknown }).id;
      if (typeof id === 'string' && id.startsWith('raw-')) raw.set(id, m);
      else if (id !== null) prev?.(m);
    };
    const answer = async (id: string) => {
      const end = Date.now() + 60_000;
      while (!raw.has(id)) {
        if (Date.now() > end) throw new Error(`no answer to ${id}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return raw.get(id) as unknown as { error?: { code: number }; result?: unknown };
    };

    await p.transport.send([
      { jsonrpc: '2.0', id: 'raw-b1', method: 'tools/call', params: { name: 'delete_file', arguments: { path: 'x' } } },
      { jsonrpc: '2.0', id: 'raw-b2', method: 'tools/call', params: { name: 'echo', arguments: { text: 'smuggled' } } },
    ] as unknown as JSONRPCMessage);
    const batch = await refusalWith(gw, 'batch');
    expect(batch).toMatchObject({ executor: 'mcp-proxy', caller: { type: 'Workload', id: 'test-pep' }, subject: { type: 'Agent', id: 'test-agent' }, server: 'fixture', methods: ['tools/call', 'tools/call'], targets: ['delete_file', 'echo'] });

    await p.transport.send({ jsonrpc: '2.0', id: 'raw-i1', params: { name: 'echo' } } as unknown as JSONRPCMessage);
    expect((await answer('raw-i1')).error?.code).toBe(-32600);
    expect(await refusalWith(gw, 'invalid_message')).toMatchObject({ caller: { id: 'test-pep' } });

    await expect(p.client.request({ method: 'Tools/Call', params: { name: 'echo', arguments: { text: 'variant' } } } as never, z.object({}).loose())).rejects.toThrow(/-32601|not found/i);
    expect(await refusalWith(gw, 'method_unknown')).toMatchObject({ methods: ['Tools/Call'], targets: ['echo'] });

    await p.client.notification({ method: 'tools/call', params: { name: 'echo', arguments: { text: 'as-notification' } } } as never);
    expect(await refusalWith(gw, 'notification_refused')).toMatchObject({ methods: ['tools/call'], targets: ['echo'] });

    await p.transport.send({ jsonrpc: '2.0', id: 'raw-t1', method: 'tools/call', params: { name: 'echo', arguments: { text: 'as-task' }, task: { ttl: 60_000 } } });
    expect((await answer('raw-t1')).error?.code).toBe(-32602);
    expect(await refusalWith(gw, 'task_unsupported')).toMatchObject({ methods: ['tools/call'] });

    const huge = await p.client.callTool({ name: 'echo', arguments: { text: 'A'.repeat(1024 * 1024 + 10) } });
    expect(huge.isError).toBe(true);
    const big = await refusalWith(gw, 'arguments_too_large');
    expect(big).toMatchObject({ methods: ['tools/call'], targets: ['echo'] });
    // The record says how large, never what: the arguments stay out of the log.
    expect(JSON.stringify(big)).not.toContain('AAAA');

    // The session survived every refusal; nothing refused reached the server.
    expect(textOf(await p.client.callTool({ name: 'echo', arguments: { text: 'single' } }))).toBe('single');
    expect(work.calls()).toEqual([{ tool: 'echo', text: 'single' }]);
    expect(raw.has('raw-b1') || raw.has('raw-b2')).toBe(false);
  }, 180_000);
});

describe('threats §3.12 refused messages are audited (Streamable HTTP, SDK client, real gateway)', () => {
  it('a batch posted on a live session and a tools/call without a session are refused, recorded, and not forwarded', async () => {
    const gw = await gateway();
    const work = workDir();
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const env = { PATH: process.env['PATH'] ?? '', FIXTURE_LOG: work.logFile, FIXTURE_DIR: work.dir };
    const fixture = spawn(process.execPath, [FIXTURE_SERVER, '--http', '0'], { env });
    cleanups.push(() => void fixture.kill());
    const upPort = (await lineMatching(fixture.stdout, /^listening (\d+)/))[1];
    const proxy = spawn(process.execPath, [CLI, 'mcp', '--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture', '--upstream', `http://127.0.0.1:${upPort}/mcp`, '--listen', '127.0.0.1:0'], { env });
    cleanups.push(() => void proxy.kill());
    const url = (await lineMatching(proxy.stderr, /listening on (\S+)/))[1]!;

    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: 'http-agent', version: '1' });
    await client.connect(transport);
    cleanups.push(() => client.close());
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'over http' } }))).toBe('over http');

    // The SDK transport posts the array as it is; the proxy answers HTTP 400 before any session sees it.
    await expect(
      transport.send([{ jsonrpc: '2.0', id: 91, method: 'tools/call', params: { name: 'echo', arguments: { text: 'smuggled' } } }] as unknown as JSONRPCMessage),
    ).rejects.toThrow(/-32600.*batches are not accepted/);
    expect(await refusalWith(gw, 'batch')).toMatchObject({ caller: { id: 'test-pep' }, subject: { id: 'test-agent' }, server: 'fixture', methods: ['tools/call'], targets: ['echo'] });

    const noSession = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 92, method: 'tools/call', params: { name: 'echo', arguments: { text: 'sessionless' } } }),
    });
    expect(noSession.status).toBe(400);
    expect(await refusalWith(gw, 'session_missing')).toMatchObject({ methods: ['tools/call'], targets: ['echo'] });
    expect(work.calls()).toEqual([{ tool: 'echo', text: 'over http' }]);
  }, 180_000);
});

function lineMatching(stream: NodeJS.ReadableStream, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no line matching ${re}`)), 120_000);
    createInterface({ input: stream }).on('line', (l) => {
      const m = re.exec(l);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    });
  });
}
