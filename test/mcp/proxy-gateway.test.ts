/**
 * The proxy against the real HTTP gateway (API key auth, fail closed when it is down, recovery),
 * in front of @modelcontextprotocol/server-filesystem, and over Streamable HTTP on both sides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from '../helpers/server.js';
import { CLI, connectProxy, embeddedArgs, FIXTURE_BUNDLE, FIXTURE_SERVER, textOf, workDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('airlock mcp --gateway (real HTTP gateway)', () => {
  it('allows via the gateway, denies every call while it is down, recovers when it is back', async () => {
    const work = workDir();
    const gwData = mkdtempSync(join(tmpdir(), 'airlock-gw-'));
    let gw = await startGateway({ policies: FIXTURE_BUNDLE, dataDir: gwData, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
    cleanups.push(() => gw.close());
    // A pass-through in front of the gateway so that the proxy keeps one URL across the restart.
    let target: string | undefined = gw.url;
    const front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!target) return void req.socket.destroy();
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'content-type', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
        fetch(target + req.url, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) }).then(
          async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer())),
          () => req.socket.destroy(),
        );
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => front.close(() => r())));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', frontUrl, '--key-file', keyFile, '--name', 'fixture'] });
    cleanups.push(() => p.client.close());

    expect(textOf(await p.client.callTool({ name: 'echo', arguments: { text: 'up' } }))).toBe('up');
    const denied = await p.client.callTool({ name: 'delete_file', arguments: { path: 'x' } });
    expect(denied.isError).toBe(true);

    await gw.close();
    target = undefined;
    const down = await p.client.callTool({ name: 'echo', arguments: { text: 'while-down' } });
    expect(down.isError).toBe(true);
    expect(textOf(down)).toMatch(/could not decide.*ERR_SERVER_UNREACHABLE.*fail closed/s);

    gw = await startGateway({ policies: FIXTURE_BUNDLE, dataDir: gwData, pep: false });
    target = gw.url;
    const back = await p.client.callTool({ name: 'echo', arguments: { text: 'back' } });
    expect(textOf(back)).toBe('back');
    expect(work.calls().map((c) => c['text'] ?? c['tool'])).toEqual(['up', 'back']);
  }, 180_000);

  it('approval granted while the call waits: the proxy holds the call, an approver approves over HTTP, the call runs once', async () => {
    const work = workDir();
    const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
    cleanups.push(() => gw.close());
    const approver = await gw.runtime.identities.createHuman(
      { id: 'ann', displayName: 'ann', groups: ['approvers'], roles: ['approver'], links: {}, key: true },
      { type: 'system', id: 'test', via: 'test' },
    );
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture', '--approval-wait', '30s'] });
    cleanups.push(() => p.client.close());

    const pending = p.client.callTool({ name: 'deploy', arguments: { service: 'checkout' } }, undefined, { timeout: 60_000 });
    // Find the approval the proxy is waiting on, and approve it as a person in the approvers group.
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const list = (await (await fetch(`${gw.url}/v1/approvals?status=pending`, { headers: { authorization: `Bearer ${approver.value.key!.key}` } })).json()) as any;
      id = list.approvals[0]?.id;
    }
    expect(id).toBeDefined();
    expect(work.calls().some((c) => c['tool'] === 'deploy')).toBe(false);
    const ok = await fetch(`${gw.url}/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${approver.value.key!.key}`, 'content-type': 'application/json' }, body: '{"reason":"ship"}' });
    expect(ok.status).toBe(200);
    const r = await pending;
    expect(r.isError).toBeFalsy();
    expect(work.calls().filter((c) => c['tool'] === 'deploy')).toHaveLength(1);
  }, 120_000);

  it('issue 11: the documented setup confirms end to end — the proxy with its own pep identity records the user\'s yes, and the call runs on the gateway\'s allow', async () => {
    const work = workDir();
    const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
    cleanups.push(() => gw.close());
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture'], elicit: () => ({ action: 'accept', content: { approve: true } }) });
    cleanups.push(() => p.client.close());
    const r = await p.client.callTool({ name: 'write_note', arguments: { text: 'confirmed' } });
    expect(textOf(r)).toBe('noted: confirmed');
    expect(p.elicitations).toHaveLength(1);
    expect(work.calls()).toEqual([{ tool: 'write_note', text: 'confirmed' }]);
    // The gateway holds the evidence: the confirmation was recorded through the pep and consumed by the allow.
    const list = (await (await fetch(`${gw.url}/v1/approvals?kind=confirmation`, { headers: gw.adminHeaders })).json()) as { approvals: Array<{ status: string; votes: Array<{ reason: string }> }> };
    expect(list.approvals).toHaveLength(1);
    expect(list.approvals[0]!.status).toBe('consumed');
    expect(list.approvals[0]!.votes[0]!.reason).toMatch(/confirmed through .*test-pep/);
  }, 180_000);

  it('a declined confirmation is recorded: the proxy closes it on the gateway with the answer in its audit record, and nothing runs', async () => {
    const work = workDir();
    const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
    cleanups.push(() => gw.close());
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture'], elicit: () => ({ action: 'decline' }) });
    cleanups.push(() => p.client.close());
    const r = await p.client.callTool({ name: 'write_note', arguments: { text: 'declined' } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/did not confirm \(decline\)/);
    expect(work.calls()).toEqual([]);
    const list = (await (await fetch(`${gw.url}/v1/approvals?kind=confirmation`, { headers: gw.adminHeaders })).json()) as { approvals: Array<{ id: string; status: string }> };
    expect(list.approvals.map((a) => a.status)).toEqual(['cancelled']);
    const records = await gw.runtime.store.audit.find({ approvalId: list.approvals[0]!.id });
    const cancelled = records.filter((x) => x.kind === 'approval.cancelled').map((x) => JSON.parse(x.recordText) as { by: string; reason?: string });
    expect(cancelled).toEqual([expect.objectContaining({ by: 'test-pep', reason: 'declined in the MCP client (decline)' })]);
  }, 180_000);

  it('issue 11: with the agent\'s own key the confirmation is refused, the call does not run, and the message names the real cause (not reachability)', async () => {
    const work = workDir();
    const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: false });
    cleanups.push(() => gw.close());
    const own = await gw.runtime.identities.createNhi(
      { id: 'own-agent', kind: 'agent', owner: 'admin', groups: ['proxy-agents'], environments: [], purpose: 'the agent itself', attributes: {}, key: true },
      { type: 'system', id: 'test', via: 'test' },
    );
    const keyFile = join(work.dir, 'agent.key');
    writeFileSync(keyFile, own.value.key!.key + '\n', { mode: 0o600 });
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'own-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture'], elicit: () => ({ action: 'accept', content: { approve: true } }) });
    cleanups.push(() => p.client.close());
    const r = await p.client.callTool({ name: 'write_note', arguments: { text: 'self-confirmed' } });
    expect(r.isError).toBe(true);
    const text = textOf(r);
    expect(text).toMatch(/refused to record the confirmation \(ERR_APPROVAL_REFUSED\/sod_requester/);
    expect(text).toMatch(/agent's own API key.*enforcement-point identity.*--pep-subject Agent:/s);
    expect(text).not.toMatch(/reachable/);
    expect(work.calls()).toEqual([]);
  }, 180_000);

  it('a wrong key is a refusal with the gateway\'s code, never a forward', async () => {
    const work = workDir();
    const gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] } });
    cleanups.push(() => gw.close());
    const p = await connectProxy({ work, proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--name', 'fixture'], env: { AIRLOCK_KEY: 'ak_wrong' } });
    cleanups.push(() => p.client.close());
    const r = await p.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/ERR_UNAUTHENTICATED/);
    expect(work.calls()).toEqual([]);
  }, 180_000);
});

describe('airlock mcp in front of @modelcontextprotocol/server-filesystem', () => {
  it('read-only tools pass unchanged; writes are denied and nothing is written', async () => {
    const work = workDir();
    const root = join(work.dir, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'a.txt'), 'alpha');
    const server = [resolve('node_modules/.bin/mcp-server-filesystem'), root];
    const p = await connectProxy({ work, proxyArgs: [...embeddedArgs(work).filter((a, i, all) => a !== '--name' && all[i - 1] !== '--name'), '--name', 'filesystem'], server });
    cleanups.push(() => p.client.close());
    const direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(new StdioClientTransport({ command: server[0]!, args: server.slice(1), stderr: 'ignore' }));
    cleanups.push(() => direct.close());

    expect(await p.client.listTools()).toEqual(await direct.listTools());
    const list = await p.client.callTool({ name: 'list_directory', arguments: { path: root } });
    expect(list).toEqual(await direct.callTool({ name: 'list_directory', arguments: { path: root } }));
    expect(textOf(await p.client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'a.txt') } }))).toBe('alpha');

    const w = await p.client.callTool({ name: 'write_file', arguments: { path: join(root, 'b.txt'), content: 'pwned' } });
    expect(w.isError).toBe(true);
    expect(textOf(w)).toMatch(/Denied by Airlock policy/);
    expect(existsSync(join(root, 'b.txt'))).toBe(false);
  }, 180_000);
});

async function lineMatching(proc: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no line matching ${re}`)), 120_000);
    createInterface({ input: proc[stream]! }).on('line', (l) => {
      const m = re.exec(l);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    });
  });
}

describe('airlock mcp --listen (Streamable HTTP) → --upstream (Streamable HTTP)', () => {
  it('threats §3.12 / I5 JSON-RPC batches (HTTP): gates calls, refuses batches with HTTP 400 (-32600) and foreign origins with 403', async () => {
    const work = workDir();
    const env = { PATH: process.env['PATH'] ?? '', FIXTURE_LOG: work.logFile, FIXTURE_DIR: work.dir };
    const fixture = spawn(process.execPath, [FIXTURE_SERVER, '--http', '0'], { env });
    cleanups.push(() => void fixture.kill());
    const upPort = (await lineMatching(fixture, 'stdout', /^listening (\d+)/))[1];
    const proxy = spawn(process.execPath, [CLI, 'mcp', ...embeddedArgs(work), '--upstream', `http://127.0.0.1:${upPort}/mcp`, '--listen', '127.0.0.1:0'], { env });
    cleanups.push(() => void proxy.kill());
    const url = (await lineMatching(proxy, 'stderr', /listening on (\S+)/))[1]!;

    const client = new Client({ name: 'http-agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanups.push(() => client.close());
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'over http' } }))).toBe('over http');
    const d = await client.callTool({ name: 'delete_file', arguments: { path: 'x' } });
    expect(d.isError).toBe(true);

    const batch = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'smuggled' } } }]),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { error: { code: number } }).error.code).toBe(-32600);

    const evil = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: 'http://evil.example' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(evil.status).toBe(403);
    const lost = await fetch(url.replace(/\/mcp$/, '/elsewhere'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'wrong door' } } }),
    });
    expect(lost.status).toBe(404);
    expect(work.calls()).toEqual([{ tool: 'echo', text: 'over http' }]);
    // Each refusal before a session is in the audit log, with what it named (refusals are recorded before the answer leaves).
    const db = new Database(join(work.dataDir, 'airlock.db'), { readonly: true, fileMustExist: true });
    try {
      const refusals = (db.prepare("SELECT record FROM audit WHERE kind = 'refusal' ORDER BY at, seq").all() as Array<{ record: string }>).map((r) => JSON.parse(r.record) as { code: string; methods?: string[]; targets?: string[]; detail?: string });
      expect(refusals.map((r) => r.code)).toEqual(['batch', 'origin_refused', 'endpoint_unknown']);
      expect(refusals[1]).toMatchObject({ methods: ['initialize'], detail: expect.stringContaining('Origin http://evil.example') });
      expect(refusals[2]).toMatchObject({ methods: ['tools/call'], targets: ['echo'] });
    } finally {
      db.close();
    }
  }, 180_000);
});
