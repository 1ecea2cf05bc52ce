/**
 * `airlock audit export --follow --cursor --post`: the audit log shipped to a SIEM's HTTP intake as
 * it grows. A real gateway decides, the built CLI runs as its own process, and a real HTTP receiver
 * on loopback refuses the first deliveries; every decision must arrive once as a conforming OCSF
 * event, a restart must resume from the cursor, and a receiver that never accepts must leave the
 * cursor where it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOcsfSchema, type OcsfSchema } from '../helpers/ocsf-schema.js';
import { runProcess } from '../helpers/run-process.js';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const MAIN = resolve('dist/cli/main.js');
const SYSTEM = { type: 'system', id: 'test', via: 'test' } as const;

interface Receiver {
  url: string;
  /** Every accepted event, in arrival order. */
  events: Record<string, any>[];
  posts: { status: number; lines: number; headers: Record<string, string | string[] | undefined> }[];
  /** Status for the next POSTs (then 200). */
  failNext(statuses: number[]): void;
  always(status: number | undefined): void;
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const queue: number[] = [];
  let fixed: number | undefined;
  const events: Record<string, any>[] = [];
  const posts: Receiver['posts'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '');
      const status = fixed ?? queue.shift() ?? 200;
      posts.push({ status, lines: lines.length, headers: req.headers });
      if (status === 200) for (const l of lines) events.push(JSON.parse(l) as Record<string, any>);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    events,
    posts,
    failNext: (s) => void queue.push(...s),
    always: (s) => void (fixed = s),
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

async function until(what: string, probe: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let schema: OcsfSchema;
let gw: StartedGateway;
let dataDir: string;
let work: string;
let rx: Receiver;
let coderKey: string;

beforeAll(async () => {
  schema = loadOcsfSchema();
  dataDir = mkdtempSync(join(tmpdir(), 'airlock-ocsf-stream-'));
  work = mkdtempSync(join(tmpdir(), 'airlock-ocsf-cursor-'));
  gw = await startGateway({ policies: 'policies/example', dataDir });
  const r = await gw.runtime.identities.createNhi({ id: 'coder', kind: 'agent', owner: 'admin', groups: ['operators'], environments: [], purpose: 'stream test', attributes: {}, key: true } as never, SYSTEM);
  coderKey = r.value.key!.key;
  rx = await receiver();
});
afterAll(async () => {
  await gw?.close();
  await rx?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function decide(n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await postJson(
      `${gw.url}/v1/authorize`,
      { subject: { type: 'Agent', id: 'coder' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'dev-1' }, context: { environment: 'dev', command: `echo ${tag}-${i}` } },
      { authorization: `Bearer ${coderKey}` },
    );
    expect(r.json.outcome).toBe('allow');
    ids.push(r.json.requestId as string);
  }
  return ids;
}

const requestIdOf = (e: Record<string, any>): string | undefined => e['unmapped']?.['airlock']?.['request_id'] ?? e['metadata']?.['correlation_uid'];

describe('airlock audit export --follow --post (built CLI)', () => {
  it('ships every decision once, retries a refusing receiver, stops on SIGTERM and resumes from its cursor', async () => {
    const cursor = join(work, 'ocsf.cursor');
    const first = await decide(3, 'before');
    rx.failNext([503, 500]);
    const args = ['audit', 'export', '--data-dir', dataDir, '--format', 'ocsf', '--cursor', cursor, '--post', rx.url, '--header', 'Authorization: Splunk test-token'];
    const child: ChildProcess = spawn(process.execPath, [MAIN, ...args, '--follow', '--interval', '50'], { env: { PATH: process.env['PATH'] ?? '' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    try {
      await until('the first decisions arrive', () => first.every((id) => rx.events.some((e) => requestIdOf(e) === id)));
      // Two refusals, each retried with the same batch; the third attempt delivered it.
      expect(rx.posts.slice(0, 3).map((p) => p.status)).toEqual([503, 500, 200]);
      expect(rx.posts[0]!.lines).toBe(rx.posts[2]!.lines);
      expect(stderr).toMatch(/answered 503; retry 1/);
      expect(rx.posts.every((p) => p.headers['authorization'] === 'Splunk test-token' && p.headers['content-type'] === 'application/x-ndjson')).toBe(true);

      // Following: decisions made now arrive without a restart.
      const later = await decide(4, 'during');
      await until('decisions made while following arrive', () => later.every((id) => rx.events.some((e) => requestIdOf(e) === id)));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    // The cursor says where it stopped; a one-shot run from it sends only what is new.
    const saved = JSON.parse(readFileSync(cursor, 'utf8')) as { version: number; next: Record<string, number> };
    expect(saved.version).toBe(1);
    expect(saved.next['main']).toBeGreaterThan(1);
    const postsBefore = rx.posts.length;
    const again = await runProcess(process.execPath, [MAIN, ...args], { timeout: 120_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(rx.posts.length).toBe(postsBefore);
    const last = await decide(1, 'after');
    const once = await runProcess(process.execPath, [MAIN, ...args], { timeout: 120_000 });
    expect(once.status, once.stderr).toBe(0);
    expect(rx.posts.length).toBe(postsBefore + 1);
    expect(rx.events.filter((e) => requestIdOf(e) === last[0])).toHaveLength(1);

    // Nothing twice, and everything the log holds as an OCSF event is here, conforming.
    const uids = rx.events.map((e) => e['metadata']['uid'] as string);
    expect(new Set(uids).size).toBe(uids.length);
    const all = await runProcess(process.execPath, [MAIN, 'audit', 'export', '--data-dir', dataDir, '--format', 'ocsf'], { timeout: 120_000 });
    expect(all.status, all.stderr).toBe(0);
    const expected = all.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid);
    expect([...uids].sort()).toEqual([...expected].sort());
    for (const e of rx.events) expect(schema.check(e, e['class_uid'] === 3003 ? 'authorize_session' : 'api_activity')).toEqual([]);
  });

  it('a receiver that never accepts: exit 1 ERR_EXPORT_UNDELIVERED after the retries, the cursor unchanged', async () => {
    const cursor = join(work, 'refused.cursor');
    await decide(1, 'refused');
    rx.always(500);
    try {
      const r = await runProcess(process.execPath, [MAIN, 'audit', 'export', '--data-dir', dataDir, '--format', 'ocsf', '--cursor', cursor, '--post', rx.url], { timeout: 120_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/ERR_EXPORT_UNDELIVERED: POST http:\/\/127\.0\.0\.1:\d+\/ingest answered 500; the cursor stays at the last delivered batch/);
      expect(r.stderr.match(/retry \d+ in/g)).toHaveLength(4);
      expect(existsSync(cursor)).toBe(false);
    } finally {
      rx.always(undefined);
    }
  });

  it('refuses what it cannot honour before sending anything', async () => {
    const bad = async (...extra: string[]) => runProcess(process.execPath, [MAIN, 'audit', 'export', '--data-dir', dataDir, ...extra], { timeout: 120_000 });
    const posts = rx.posts.length;
    for (const [extra, message] of [
      [['--post', 'ftp://127.0.0.1/x'], /--post must be an http:\/\/ or https:\/\/ URL/],
      [['--interval', '100'], /--interval needs --follow/],
      [['--follow', '--interval', '5'], /--interval must be/],
      [['--header', 'X-Token: a'], /--header needs --post/],
      [['--post', rx.url, '--header', 'no colon'], /--header must look like/],
    ] as const) {
      const r = await bad(...extra);
      expect(r.status, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const corrupt = join(work, 'corrupt.cursor');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(corrupt, '{"version":1,"next":{"main":0}}');
    const r = await bad('--cursor', corrupt);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/next\.main must be a positive integer/);
    expect(rx.posts.length).toBe(posts);
  });
});
