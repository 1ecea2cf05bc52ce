// Replicated deployment (issue 13): three `serve` replicas on one PostgreSQL database behind
// HAProxy against one SQLite node, same keyed request (an agent asking about itself with its own
// API key, every decision durably audited), autocannon with 32 connections, interleaved rounds.
// For scale, the database's own commit rate on this machine (one-row autocommit INSERTs, each
// fsync'd as PostgreSQL's default synchronous_commit does) is measured in the same run.
//
// Needs PostgreSQL (AIRLOCK_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres, a
// role that may create databases) and haproxy on PATH; without them it says so and measures nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startServer, stopServer } from './http.mjs';
import { loadAverage, representativeRequest } from './pipeline.mjs';
import { pathToFileURL } from 'node:url';
import { fmt, freePort, isQuick } from './util.mjs';

const ADMIN_URL = process.env.AIRLOCK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql) {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** One-row autocommit INSERTs for `seconds`, one connection: the database's own durable commit rate. */
async function commitRate(url, seconds) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE bench_commits (id bigserial PRIMARY KEY, v text NOT NULL)');
    const end = Date.now() + seconds * 1000;
    let n = 0;
    while (Date.now() < end) {
      await c.query('INSERT INTO bench_commits (v) VALUES ($1)', ['x'.repeat(200)]);
      n++;
    }
    return n / seconds;
  } finally {
    await c.end();
  }
}

async function register(url, adminKey) {
  const res = await fetch(`${url}/v1/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ id: 'bench-agent', kind: 'agent', owner: 'admin', purpose: 'replicated benchmark', groups: ['support-agents'] }),
  });
  if (res.status !== 201) throw new Error(`could not register the bench agent: ${res.status} ${await res.text()}`);
  return (await res.json()).key.key;
}

async function cannon(url, key, seconds) {
  const body = JSON.stringify({ ...representativeRequest, subject: { type: 'Agent', id: 'bench-agent' } });
  const probe = await fetch(`${url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  if (probe.status !== 200) throw new Error(`probe answered ${probe.status}: ${await probe.text()}`);
  const r = await autocannon({ url: `${url}/access/v1/evaluation`, method: 'POST', connections: 32, pipelining: 1, duration: seconds, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  return { perSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

async function startHaproxy(ports) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-haproxy-'));
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 4000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend airlock',
      `  bind 127.0.0.1:${port}`,
      '  default_backend replicas',
      'backend replicas',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      ...ports.map((p, i) => `  server r${i + 1} 127.0.0.1:${p} check inter 1s`),
      '',
    ].join('\n'),
  );
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > end || proc.exitCode !== null) throw new Error('haproxy did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url, dir };
}

export async function run({ quick = false } = {}) {
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) return { skipped: 'haproxy is not installed' };
  try {
    await admin('SELECT 1');
  } catch (e) {
    return { skipped: `no PostgreSQL at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (${e.message})` };
  }
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 3;
  const name = `airlock_bench_${process.pid}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dirs = [];
  const replicas = [];
  let lb;
  try {
    const commits = await commitRate(url.toString(), quick ? 2 : 5);
    const keyFile = join(mkdtempSync(join(tmpdir(), 'airlock-bench-keys-')), 'keys.json');
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), `airlock-bench-r${i + 1}-`));
      dirs.push(dir);
      replicas.push(await startServer(dir, { AIRLOCK_DATABASE_URL: url.toString(), AIRLOCK_KEY_FILE: keyFile, AIRLOCK_WRITER_ID: `bench-r${i + 1}` }));
    }
    lb = await startHaproxy(replicas.map((r) => Number(new URL(r.url).port)));
    const key = await register(lb.url, readFileSync(join(dirs[0], 'admin.key'), 'utf8').trim());
    const replicated = [];
    const single = [];
    const loads = [];
    for (let i = 0; i < rounds; i++) {
      loads.push(loadAverage());
      replicated.push(await cannon(lb.url, key, seconds));
      const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-single-'));
      const one = await startServer(dir);
      try {
        single.push(await cannon(one.url, await register(one.url, readFileSync(join(dir, 'admin.key'), 'utf8').trim()), seconds));
      } finally {
        await stopServer(one.child);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const mean = (xs, f) => xs.reduce((a, x) => a + f(x), 0) / xs.length;
    const sum = (xs) => ({ perSecond: mean(xs, (r) => r.perSecond), p50Ms: mean(xs, (r) => r.p50Ms), p99Ms: Math.max(...xs.map((r) => r.p99Ms)), errors: xs.reduce((a, r) => a + r.errors, 0) });
    return { replicated: sum(replicated), single: sum(single), pgCommitsPerSecond: commits, seconds, rounds, load: loads };
  } finally {
    if (lb) {
      lb.proc.kill('SIGTERM');
      rmSync(lb.dir, { recursive: true, force: true });
    }
    for (const r of replicas) await stopServer(r.child);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  }
}

export function print(r) {
  if (r.skipped) {
    console.log(`replicated: not run — ${r.skipped}`);
    return;
  }
  const line = (label, f) => `   ${label}${fmt(f.perSecond, 0)} decisions/s, p50 ${fmt(f.p50Ms)} ms, p99 ${fmt(f.p99Ms)} ms, errors ${f.errors}`;
  console.log(`replicated (${r.rounds} interleaved round(s) of ${r.seconds} s, 32 connections, keyed, durable audit; load ${r.load.join(' / ')})`);
  console.log(line('3 replicas on PostgreSQL behind HAProxy: ', r.replicated));
  console.log(line('1 node on SQLite:                         ', r.single));
  console.log(`   replicated/single = ${fmt(r.replicated.perSecond / r.single.perSecond, 2)}; PostgreSQL's own durable commit rate here: ${fmt(r.pgCommitsPerSecond, 0)} one-row commits/s (one connection)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
