/**
 * `airlock serve` as a real process, under the faults issue 13 names (single node): a second serve
 * on the same data directory, failures after listen (zombie), SIGTERM with an unremovable
 * serve.json, a cut audit tail at start, an audit table that disappears under a running server
 * (internal error text must stay in the log), load shedding (in-flight cap, connection cap, slow
 * headers), serialized reloads, and the config file. Every wait is on an event or a bounded poll.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type RunProcessResult } from '../helpers/run-process.js';

const MAIN = resolve('dist/cli/main.js');
const BUNDLE = resolve('test/fixtures/bundles/authzen-cert');
const ALLOW = { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: { type: 'record', id: 'record-1' } };

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRLOCK_')) env[k] = v;
  return { ...env, ...extra };
}

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr(): string;
  exited: Promise<number | null>;
  adminKey: string;
  /** Key of an enforcement point allowed to ask about `user:*` (created on first use). */
  pepKey(): Promise<string>;
}

/** Spawns serve; resolves when it listens, rejects with its output if it exits first. */
async function startServe(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--policies', BUNDLE, '--data-dir', dataDir, '--port', '0', ...args], { env: cleanEnv(env) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no "listening" line in 60 s; stderr: ${stderr}`)), 60_000);
    const check = () => {
      const m = /airlock: listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stderr.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited early with ${code}; stderr: ${stderr}`));
    });
  });
  const adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  let pep: Promise<string> | undefined;
  const pepKey = () =>
    (pep ??= (async () => {
      const res = await fetch(`${url}/v1/identities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ id: 'test-pep', kind: 'workload', owner: 'admin', purpose: 'enforcement point of the robustness tests', pep: { subjects: [{ type: 'user', id: '*' }] } }),
      });
      const j = (await res.json()) as { key?: { key: string } };
      if (res.status !== 201 || !j.key) throw new Error(`could not create the pep: ${res.status} ${JSON.stringify(j)}`);
      return j.key.key;
    })());
  return { child, url, stderr: () => stderr, exited, adminKey, pepKey };
}

/** Runs serve expecting it to exit by itself; returns its code and output (bounded). */
async function serveExit(dataDir: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--policies', BUNDLE, '--data-dir', dataDir, '--port', '0', ...args], { env: cleanEnv(env) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null | 'timeout'>((r) => {
    const t = setTimeout(() => r('timeout'), timeoutMs);
    child.once('exit', (c) => {
      clearTimeout(t);
      r(c);
    });
  });
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`serve did not exit within ${timeoutMs} ms (a zombie); stderr: ${stderr}`);
  }
  return { code, stderr };
}

async function stopWithin(s: Served, ms: number): Promise<number | null> {
  s.child.kill('SIGTERM');
  const r = await Promise.race([s.exited, new Promise<'timeout'>((x) => setTimeout(() => x('timeout'), ms))]);
  if (r === 'timeout') {
    s.child.kill('SIGKILL');
    throw new Error(`serve did not stop within ${ms} ms after SIGTERM; stderr: ${s.stderr()}`);
  }
  return r;
}

const kill = (s: Served | undefined) => {
  if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
};

async function decide(s: Served): Promise<{ status: number; text: string; headers: Headers }> {
  const key = await s.pepKey();
  const res = await fetch(`${s.url}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(ALLOW) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function airlock(...args: string[]): Promise<RunProcessResult> {
  return runProcess(process.execPath, [MAIN, ...args], { env: cleanEnv(), timeout: 120_000 });
}

let tmp: string;
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  tmp = mkdtempSync(join(tmpdir(), 'airlock-robust-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('one data directory, one serving process; faults on a running server', () => {
  it('a second serve is refused (ERR_DATA_DIR_LOCKED, exit 2) and leaves the first one and its serve.json alone; internal errors stay in the log; SIGTERM does not depend on serve.json; a cut tail refuses the next start', async () => {
    const dataDir = join(tmp, 'single');
    let first: Served | undefined;
    try {
      first = await startServe(dataDir, ['--log-level', 'info']);
      const state = readFileSync(join(dataDir, 'serve.json'), 'utf8');

      const second = await serveExit(dataDir);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain('ERR_DATA_DIR_LOCKED');
      expect(second.stderr).toContain(`pid ${first.child.pid}`);
      expect(readFileSync(join(dataDir, 'serve.json'), 'utf8')).toBe(state);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

      // Readiness: store, bundle and audit all fine.
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: 'ok', bundle: 'ok', audit: 'ok' } });

      for (let i = 0; i < 5; i++) expect((await decide(first)).status).toBe(200);
      // One info line per decision, and the integrations named at start.
      await waitFor(() => (first!.stderr().match(/"msg":"decision"/g) ?? []).length >= 5, 10_000);
      expect(first.stderr()).toMatch(/"integrations":\["keys: file/);

      // The audit table disappears under the running server (another process renames it).
      const db = new Database(join(dataDir, 'airlock.db'));
      db.exec('ALTER TABLE audit RENAME TO audit_hidden');
      const broken = await decide(first);
      expect(broken.status).toBe(200);
      const d = JSON.parse(broken.text) as { outcome: string; requestId: string; reasons: { code: string; message: string }[] };
      expect(d.outcome).toBe('deny');
      expect(d.reasons.map((r) => r.code)).toEqual(['audit_unavailable']);
      // The cause (SQLite's text, the file path) is in the server log, never in the answer.
      expect(broken.text).not.toMatch(/no such table|SQLITE|audit_hidden/i);
      expect(broken.text).not.toContain(dataDir);
      await waitFor(() => first!.stderr().includes(d.requestId) && /no such table/.test(first!.stderr()), 10_000);
      // Readiness tells the truth while the log cannot be written, and recovers after.
      expect((await fetch(`${first.url}/readyz`)).status).toBe(503);
      db.exec('ALTER TABLE audit_hidden RENAME TO audit');
      db.close();
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

      // serve.json becomes unremovable (a non-empty directory in its place): SIGTERM still stops.
      rmSync(join(dataDir, 'serve.json'));
      mkdirSync(join(dataDir, 'serve.json', 'x'), { recursive: true });
      expect(await stopWithin(first, 30_000)).toBe(0);
      rmSync(join(dataDir, 'serve.json'), { recursive: true });
    } finally {
      kill(first);
    }

    // The shutdown signed the head. Cut the last 3 records: the next start refuses (issue 13: it
    // used to reissue the cut sequence numbers), and plain `audit verify` fails too.
    const db = new Database(join(dataDir, 'airlock.db'));
    const max = (db.prepare("SELECT max(seq) AS m FROM audit WHERE writer = 'main'").get() as { m: number }).m;
    db.prepare("DELETE FROM audit WHERE writer = 'main' AND seq > ?").run(max - 3);
    db.close();
    const refused = await serveExit(dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ERR_AUDIT_CORRUPT');
    expect(refused.stderr).toMatch(new RegExp(`ends at seq ${max - 3} but a signed head for seq ${max}`));
    expect(refused.stderr).not.toContain('listening');
    const verify = await airlock('audit', 'verify', '--data-dir', dataDir);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`signed checkpoint seq ${max}: FAILED`));
  }, 300_000);

  it('policy threads: serve says where Cedar runs (AIRLOCK_POLICY_THREADS), answers alike either way, and refuses a count it cannot run', async () => {
    for (const [threads, line] of [
      ['2', 'airlock: policy: Cedar on 2 worker threads (AIRLOCK_POLICY_THREADS)'],
      ['0', 'airlock: policy: Cedar on the event loop (AIRLOCK_POLICY_THREADS=0)'],
    ] as const) {
      let s: Served | undefined;
      try {
        s = await startServe(join(tmp, `threads-${threads}`), [], { AIRLOCK_POLICY_THREADS: threads });
        expect(s.stderr()).toContain(line);
        for (let i = 0; i < 20; i++) {
          const d = await decide(s);
          expect(d.status).toBe(200);
          expect(JSON.parse(d.text).outcome).toBe('allow');
        }
        expect(await stopWithin(s, 30_000)).toBe(0);
      } finally {
        kill(s);
      }
    }
    for (const bad of ['17', '-1', 'two']) {
      const r = await serveExit(join(tmp, `threads-bad-${bad}`), [], { AIRLOCK_POLICY_THREADS: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('ERR_CONFIG_INVALID');
      expect(r.stderr).toContain(`policyThreads (AIRLOCK_POLICY_THREADS="${bad}")`);
      expect(r.stderr).not.toContain('listening');
    }
  }, 300_000);

  it('a failure after listen (serve.json cannot be written) closes the listener and exits non-zero instead of staying up', async () => {
    const dataDir = join(tmp, 'zombie');
    mkdirSync(join(dataDir, 'serve.json', 'x'), { recursive: true });
    const r = await serveExit(dataDir, ['--log-level', 'error']);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toMatch(/EISDIR|illegal operation on a directory/);
  }, 120_000);

  it('bytes of the newest record changed in the database file: the start is refused (the tail check)', async () => {
    const dataDir = join(tmp, 'pages');
    const s = await startServe(dataDir, ['--log-level', 'silent']);
    let last = '';
    try {
      for (let i = 0; i < 30; i++) {
        const r = await decide(s);
        expect(r.status).toBe(200);
        last = (JSON.parse(r.text) as { requestId: string }).requestId;
      }
      expect(await stopWithin(s, 30_000)).toBe(0);
    } finally {
      kill(s);
    }
    const path = join(dataDir, 'airlock.db');
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // Overwrite the request id's bytes wherever the file holds them (the record and its index
    // entry), as a disk or an editor would: same length, different content.
    const buf = readFileSync(path);
    const needle = Buffer.from(last);
    let hits = 0;
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1), hits++) buf.write(last.replace(/[0-9a-f]/g, (c) => (c === 'f' ? '0' : 'f')), at);
    expect(hits).toBeGreaterThan(0);
    writeFileSync(path, buf);
    const r = await serveExit(dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_AUDIT_CORRUPT');
  }, 180_000);
});

describe('load shedding, slow headers and serialized reloads (settings from a config file)', () => {
  let s: Served | undefined;
  beforeAll(async () => {
    const dataDir = join(tmp, 'load');
    const cfg = join(tmp, 'airlock.yaml');
    writeFileSync(cfg, ['# airlock serve --config', 'maxInFlightDecisions: 1', 'maxConnections: 12', 'headersTimeoutMs: 1000', 'retryAfterSeconds: 2', 'logLevel: info', ''].join('\n'));
    s = await startServe(dataDir, ['--config', cfg]);
  }, 120_000);
  afterAll(async () => {
    if (s) await stopWithin(s, 30_000).catch(() => kill(s));
  });

  it('beyond the connection cap: the extra connections get 503 + Retry-After and are closed', async () => {
    // Its own server with a long header timeout: on a loaded box, opening 20 connections one by one
    // can take longer than the 1 s slow-header cut of the shared one, which would close the first
    // connections and let later ones in under the cap.
    const cfg = join(tmp, 'cap.yaml');
    writeFileSync(cfg, ['maxConnections: 12', 'headersTimeoutMs: 120000', 'requestTimeoutMs: 120000', 'retryAfterSeconds: 2', 'logLevel: warn', ''].join('\n'));
    const capped = await startServe(join(tmp, 'cap'), ['--config', cfg]);
    try {
      await connectionCap(capped);
    } finally {
      await stopWithin(capped, 30_000).catch(() => kill(capped));
    }
  }, 180_000);

  async function connectionCap(served: Served): Promise<void> {
    const { port } = new URL(served.url);
    const sockets: Socket[] = [];
    const firstBytes: Promise<string>[] = [];
    const asked = new Set<Socket>();
    let answeredUnasked = 0;
    let onUnasked: () => void = () => undefined;
    const eightRefused = new Promise<void>((res) => (onUnasked = () => ++answeredUnasked >= 8 && res()));
    for (let i = 0; i < 20; i++) {
      const sock = connect(Number(port), '127.0.0.1');
      sockets.push(sock);
      firstBytes.push(
        new Promise((res) => {
          let got = '';
          sock.on('data', (d: Buffer) => (got += d.toString()));
          sock.on('close', () => {
            if (!asked.has(sock)) onUnasked();
            res(got);
          });
          sock.on('error', () => res(got));
        }),
      );
      await new Promise((r) => sock.once('connect', r));
    }
    // A connect completes in the kernel before the server accepts it; the server answers the
    // connections over the cap as soon as it accepts them, without a request. Wait for those eight
    // before asking on the others: asking at once would let the first ones finish (and leave the
    // count) while a loaded server is still accepting the last ones.
    await Promise.race([eightRefused, new Promise((r) => setTimeout(r, 60_000))]);
    // The capped ones were answered without sending anything; the rest answer a request.
    for (const sock of sockets) {
      if (sock.destroyed) continue;
      asked.add(sock);
      sock.end('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    }
    const answers = await Promise.all(firstBytes);
    const refused = answers.filter((a) => a.startsWith('HTTP/1.1 503'));
    expect(refused.length, JSON.stringify(answers.map((a) => a.slice(0, 40)))).toBeGreaterThanOrEqual(8);
    for (const a of refused) expect(a).toMatch(/retry-after: 2/i);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 200')).length).toBeGreaterThan(0);
  }

  it('beyond the in-flight cap: 503 ERR_OVERLOADED with Retry-After; everything else is answered', async () => {
    const key = await s!.pepKey();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const one = () =>
      new Promise<{ status: number; retryAfter?: string; body: string }>((res, rej) => {
        const body = JSON.stringify(ALLOW);
        const req = httpRequest(`${s!.url}/v1/authorize`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } }, (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => res({ status: r.statusCode!, body: text, ...(r.headers['retry-after'] ? { retryAfter: String(r.headers['retry-after']) } : {}) }));
        });
        req.on('error', rej);
        req.end(body);
      });
    const results = await Promise.all(Array.from({ length: 80 }, one));
    agent.destroy();
    const shed = results.filter((r) => r.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const r of shed) {
      expect(r.retryAfter).toBe('2');
      expect(JSON.parse(r.body).error.code).toBe('ERR_OVERLOADED');
    }
    expect(results.filter((r) => r.status !== 503).every((r) => r.status === 200)).toBe(true);
    const metrics = await (await fetch(`${s!.url}/metrics`, { headers: { authorization: `Bearer ${s!.adminKey}` } })).text();
    expect(metrics).toMatch(/^airlock_shed_total\{kind="decisions"\} [1-9]/m);
  }, 120_000);

  it('a client that never finishes its headers is cut within seconds (headersTimeoutMs 1000)', async () => {
    const { port } = new URL(s!.url);
    const sock = connect(Number(port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const started = Date.now();
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const t = setInterval(() => sock.writable && sock.write('X-Slow: 1\r\n'), 200);
    await new Promise((r) => {
      sock.once('close', r);
      sock.on('error', () => undefined);
    });
    clearInterval(t);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 60_000);

  it('reloads run one at a time: 10 concurrent reload requests are each applied, in order, never overlapping', async () => {
    const before = s!.stderr().length;
    const res = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${s!.url}/v1/policy/reload`, { method: 'POST', headers: { authorization: `Bearer ${s!.adminKey}` } }).then((r) => r.status)),
    );
    expect(res.every((c) => c === 200)).toBe(true);
    await waitFor(() => (s!.stderr().slice(before).match(/"msg":"policy reload (applied|refused)"/g) ?? []).length >= 10, 30_000);
    const events = [...s!.stderr().slice(before).matchAll(/"reload":(\d+),.*?"msg":"policy reload (started|applied|refused)"/g)].map((m) => [Number(m[1]), m[2]] as const);
    // started n, finished n, started n+1, …: never two at once.
    expect(events.length).toBe(20);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]![1]).toBe('started');
      expect(events[i + 1]![1]).not.toBe('started');
      expect(events[i + 1]![0]).toBe(events[i]![0]);
      if (i > 0) expect(events[i]![0]).toBe(events[i - 2]![0] + 1);
    }
  }, 120_000);
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
