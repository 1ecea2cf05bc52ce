// The MCP proxy's added latency per allowed tools/call (issue 7): the SDK's Client calls `echo` on
// the fixture server over stdio, directly and through `airlock mcp --embedded` (durably audited
// decision in process), in interleaved rounds. Added latency = proxied − direct, per percentile.
// Target: p99 added <= 2 ms. `node bench/mcp.mjs [--quick]` (after `npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fmt, isQuick, summarize } from './util.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const fixture = join(root, 'test/fixtures/mcp/server.mjs');

/** A client on a stdio child; the child's stderr is kept (its last 4 KB) to explain a failure. */
async function connect(label, command, args) {
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? '' }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4096);
  });
  await client.connect(transport);
  return { label, client, stderr: () => stderr, close: () => client.close() };
}

async function timeCalls(peer, n, lat) {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    let r;
    try {
      r = await peer.client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
    } catch (e) {
      // "Connection closed" alone hides why the child went away (a crash prints only to its stderr).
      throw new Error(`${peer.label} call ${i} failed: ${e.message}\n--- ${peer.label} stderr (last 4 KB) ---\n${peer.stderr()}`);
    }
    lat.push(performance.now() - t);
    if (r.isError) throw new Error(`unexpected refusal: ${JSON.stringify(r)}`);
  }
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-mcp-'));
  const direct = await connect('direct', process.execPath, [fixture]);
  const proxied = await connect('proxied', process.execPath, [
    join(root, 'dist/cli/main.js'), 'mcp', '--subject', 'test-agent', '--embedded',
    '--policies', join(root, 'test/fixtures/mcp/bundle'), '--data-dir', join(dir, 'data'), '--name', 'fixture', '--', process.execPath, fixture,
  ]);
  try {
    const rounds = quick ? 5 : 20;
    const perRound = quick ? 100 : 250;
    await timeCalls(direct, 200, []);
    await timeCalls(proxied, 200, []);
    const d = [];
    const p = [];
    for (let r = 0; r < rounds; r++) {
      await timeCalls(direct, perRound, d);
      await timeCalls(proxied, perRound, p);
    }
    const sd = summarize(d);
    const sp = summarize(p);
    // The decision alone (same pipeline, same request shape, durable audit), for the breakdown.
    const { loadConfig } = await import(pathToFileURL(join(root, 'dist/config/load.js')).href);
    const { createRuntime } = await import(pathToFileURL(join(root, 'dist/runtime/runtime.js')).href);
    const rt = await createRuntime(loadConfig({ dataDir: join(dir, 'decide'), policies: join(root, 'test/fixtures/mcp/bundle'), checkpointIntervalMs: 0, logLevel: 'silent' }, {}));
    const req = { subject: { type: 'Agent', id: 'test-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'fixture/echo' }, context: { server: 'fixture', arguments: { text: 'x' }, annotations: { readOnlyHint: true, destructiveHint: true, idempotentHint: false, openWorldHint: false }, toolKnown: true } };
    const dec = [];
    for (let i = 0; i < rounds * perRound; i++) {
      const t = performance.now();
      await rt.gateway.authorize(req);
      dec.push(performance.now() - t);
    }
    await rt.close();
    const sdec = summarize(dec);
    return { calls: sp.n, direct: sd, proxied: sp, decision: sdec, addedP50Ms: sp.p50 - sd.p50, addedP99Ms: sp.p99 - sd.p99 };
  } finally {
    await proxied.close();
    await direct.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r) {
  console.log(`mcp. proxy added latency per allowed tools/call (stdio, embedded gateway, durable audit), ${r.calls} calls each, interleaved`);
  console.log(`   direct  p50 ${fmt(r.direct.p50, 3)} ms, p99 ${fmt(r.direct.p99, 3)} ms`);
  console.log(`   proxied p50 ${fmt(r.proxied.p50, 3)} ms, p99 ${fmt(r.proxied.p99, 3)} ms`);
  console.log(`   added   p50 ${fmt(r.addedP50Ms, 3)} ms, p99 ${fmt(r.addedP99Ms, 3)} ms (target p99 <= 2 ms)`);
  console.log(`   of which the decision alone (sequential authorize, durable audit commit): p50 ${fmt(r.decision.p50, 3)} ms, p99 ${fmt(r.decision.p99, 3)} ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
