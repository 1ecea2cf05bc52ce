/**
 * Issue 14: `serve` keeps identities and API keys in memory between requests. Another process
 * writing the same SQLite database (here a direct runtime on the data directory, as the CLI uses
 * when it finds no server) suspends one agent and revokes another's key while `serve` runs; the
 * very next request of each is refused. Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { postAs, serveExample, type ServeProcess } from '../postgres/serve-process.js';

const dist = (p: string) => JSON.stringify(pathToFileURL(resolve('dist', p)).href);

/**
 * Runs `body` against a runtime opened directly on `dataDir` in a separate Node process (its own
 * audit writer id, as a second writer on one database needs). Asynchronous, so this process's
 * HTTP client keeps its connections' state current meanwhile.
 */
async function inOtherProcess(dataDir: string, body: string): Promise<string> {
  const script = `
    const { loadConfig } = await import(${dist('config/load.js')});
    const { createRuntime } = await import(${dist('runtime/runtime.js')});
    const runtime = await createRuntime(loadConfig({ dataDir: ${JSON.stringify(dataDir)}, writerId: 'cli-test', policies: 'policies/example', checkpointIntervalMs: 0, usageFlushMs: 0, logLevel: 'silent' }, {}));
    const actor = { type: 'operator', id: 'local:test', via: 'cli' };
    try { ${body} } finally { await runtime.close(); }`;
  const { stdout } = await new Promise<{ stdout: string }>((ok, fail) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }, (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : ok({ stdout }))),
  );
  return stdout.trim();
}

const dirs: string[] = [];
let server: ServeProcess | undefined;
afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    const exited = new Promise((r) => server!.proc.once('exit', r));
    server.proc.kill('SIGTERM');
    await exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it("another process's suspension and key revocation apply to serve's very next request", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-registry-cache-'));
  dirs.push(dataDir);
  // No periodic lastUsedAt flush: that is a registry write of serve's own, which would empty its
  // cache by itself and hide whether the other process's commit did.
  server = await serveExample(dataDir, { AIRLOCK_USAGE_FLUSH_MS: '0' });
  const { url } = server;
  const admin = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  const agentKey = async (id: string): Promise<string> => {
    const r = await postAs(url, admin, '/v1/identities', { id, kind: 'agent', owner: 'admin', purpose: 'cache test', groups: ['support-agents'] });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return r.json.key.key as string;
  };
  const ask = (key: string, id: string) =>
    postAs(url, key, '/access/v1/evaluation', { subject: { type: 'Agent', id }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' }, context: {} });

  const k1 = await agentKey('a1');
  const k2 = await agentKey('a2');
  // Warm: each key and identity has been read (and kept) by serve.
  for (let i = 0; i < 3; i++) {
    for (const [k, id] of [[k1, 'a1'], [k2, 'a2']] as const) {
      const r = await ask(k, id);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.decision).toBe(true);
    }
  }

  await inOtherProcess(dataDir, `await runtime.identities.setStatus('nhi', 'a1', 'suspend', actor);`);
  expect((await ask(k1, 'a1')).status).toBe(401);
  expect((await ask(k2, 'a2')).json.decision).toBe(true);

  const keyId = await inOtherProcess(dataDir, `const [k] = await runtime.identities.listKeys('nhi', 'a2'); await runtime.identities.revokeKey('nhi', 'a2', k.keyId, actor); console.log(k.keyId);`);
  expect(keyId).not.toBe('');
  expect((await ask(k2, 'a2')).status).toBe(401);

  // And serve's own writes: a1 resumed through serve's API authenticates again at once.
  const resumed = await postAs(url, admin, '/v1/identities/a1/resume', {});
  expect(resumed.status, JSON.stringify(resumed.json)).toBe(200);
  expect((await ask(k1, 'a1')).json.decision).toBe(true);
});
