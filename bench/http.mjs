// HTTP POST /access/v1/evaluation under autocannon (32 connections), server in a child process
// on the same 2-core machine, every decision durably audited. Also a node:http server returning a
// constant answer as the ceiling. Target: >= 5,000 decisions/s with p99 <= 20 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { fmt, isQuick } from './util.mjs';
import { representativeRequest } from './pipeline.mjs';

function waitForListen(child, pattern) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d.toString();
      const m = pattern.exec(buf);
      if (m) {
        child.stderr.off('data', onData);
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${buf}`)));
  });
}

async function cannon(url, body, seconds, headers = {}) {
  return autocannon({
    url,
    method: 'POST',
    connections: 32,
    pipelining: 1,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

const CEILING = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('content-type','application/json'); res.end('{"decision":true}'); }); });
s.listen(0, '127.0.0.1', () => console.log('listening on ' + s.address().port));
`;

export async function runCeiling(seconds) {
  const child = spawn(process.execPath, ['-e', CEILING], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [, port] = await waitForListen(child, /listening on (\d+)/);
  const r = await cannon(`http://127.0.0.1:${port}/`, JSON.stringify(representativeRequest), seconds);
  child.kill('SIGTERM');
  return r;
}

export async function startServer(dir, extraEnv = {}) {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extraEnv },
  });
  const [, port] = await waitForListen(child, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { child, url: `http://127.0.0.1:${port}` };
}

export async function stopServer(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function run({ quick = false } = {}) {
  const seconds = quick ? 3 : 15;
  const ceiling = await runCeiling(seconds);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-http-'));
  const { child, url } = await startServer(dir);
  const r = await cannon(`${url}/access/v1/evaluation`, JSON.stringify(representativeRequest), seconds);
  await stopServer(child);
  const db = new Database(join(dir, 'airlock.db'), { readonly: true });
  const audited = db.prepare(`SELECT count(*) AS n FROM audit WHERE kind = 'decision'`).get().n;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    name: 'http',
    seconds,
    gateway: { perSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, ok: r['2xx'], errors: r.errors + r.non2xx + r.timeouts },
    audited,
    ceiling: { perSecond: ceiling.requests.average, p50Ms: ceiling.latency.p50, p99Ms: ceiling.latency.p99 },
  };
}

export function print(r) {
  console.log(`4. HTTP POST /access/v1/evaluation, autocannon 32 connections, ${r.seconds} s, server and load generator on this machine`);
  console.log(`   airlock:  ${fmt(r.gateway.perSecond, 0)} decisions/s, p50 ${r.gateway.p50Ms} ms, p99 ${r.gateway.p99Ms} ms, 2xx ${r.gateway.ok}, errors ${r.gateway.errors}; audited decisions ${r.audited} (>= 2xx answers: ${r.audited >= r.gateway.ok})`);
  console.log(`   ceiling (node:http constant answer): ${fmt(r.ceiling.perSecond, 0)} req/s, p50 ${r.ceiling.p50Ms} ms, p99 ${r.ceiling.p99Ms} ms; airlock/ceiling = ${fmt(r.gateway.perSecond / r.ceiling.perSecond, 2)}`);
  console.log(`   target >= 5,000 decisions/s with p99 <= 20 ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
