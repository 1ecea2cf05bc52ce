// This build against another build of Airlock (e.g. the commit before a change), in interleaved
// rounds so the load of a shared machine hits both alike:
//   pipeline — in process, 16 callers, durable audit: decisions/s and CPU µs per decision;
//   http     — keyed POST /access/v1/evaluation, 32 connections: decisions/s, p99 and the server's
//              CPU µs per decision (/proc, Linux).
// Usage: AIRLOCK_BENCH_BASE=/path/to/other/checkout node bench/ab.mjs [--quick] [--rounds N]
// (the other checkout built with `npm run build`, node_modules present). Not part of `npm run bench`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { fmt, isQuick } from './util.mjs';
import { startServer, stopServer } from './http.mjs';
import { loadAverage, representativeRequest } from './pipeline.mjs';
import { defaultPolicyThreads } from '../dist/runtime/runtime.js';

const here = resolve(new URL('..', import.meta.url).pathname);

/** As `serve` runs them (bench/pipeline.mjs does the same); AIRLOCK_POLICY_THREADS=N sets it. */
const policyThreads = process.env.AIRLOCK_POLICY_THREADS !== undefined ? Number(process.env.AIRLOCK_POLICY_THREADS) : defaultPolicyThreads();

/** One pipeline round in a fresh process of the checkout at `root` (Cedar on `policyThreads` threads). */
function pipelineRound(root, decisions) {
  const script = `
    const { mkdtempSync } = await import('node:fs');
    const { loadConfig } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/config/load.js')).href)});
    const { createRuntime } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/runtime/runtime.js')).href)});
    const dir = mkdtempSync(${JSON.stringify(join(tmpdir(), 'airlock-ab-'))});
    const rt = await createRuntime(loadConfig({ dataDir: dir, policies: ${JSON.stringify(join(root, 'policies/example'))}, checkpointIntervalMs: 0, logLevel: 'silent' }, {}), { policyThreads: ${policyThreads} });
    const req = ${JSON.stringify(representativeRequest)};
    for (let i = 0; i < 1000; i++) await rt.gateway.authorize(req);
    const cpu = process.cpuUsage(); const t = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => { for (let i = 0; i < ${Math.ceil(decisions / 16)}; i++) { const d = await rt.gateway.authorize(req); if (d.outcome !== 'allow') throw new Error(d.outcome); } }));
    const secs = (performance.now() - t) / 1000; const u = process.cpuUsage(cpu);
    await rt.close();
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ perSecond: ${Math.ceil(decisions / 16) * 16} / secs, cpuUs: (u.user + u.system) / ${Math.ceil(decisions / 16) * 16} }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pipeline round in ${root} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** CPU time (user + system, µs) the server process has used so far; Linux /proc only. */
function serverCpuUs(pid) {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th (clock ticks, 100/s).
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(after[11]) + Number(after[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function httpRound(root, seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-ab-http-'));
  const { child, url } = await startServer(dir, {}, join(root, 'dist/cli/main.js'));
  try {
    const admin = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const res = await fetch(`${url}/v1/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ id: 'bench-agent', kind: 'agent', owner: 'admin', purpose: 'A/B benchmark', groups: ['support-agents'] }),
    });
    const key = (await res.json()).key.key;
    const body = JSON.stringify({ ...representativeRequest, subject: { type: 'Agent', id: 'bench-agent' } });
    const cpu0 = serverCpuUs(child.pid);
    const r = await autocannon({ url: `${url}/access/v1/evaluation`, method: 'POST', connections: 32, duration: seconds, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    const cpu1 = serverCpuUs(child.pid);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${root}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { perSecond: r.requests.average, p99Ms: r.latency.p99, cpuUs: cpu0 === undefined || cpu1 === undefined ? NaN : (cpu1 - cpu0) / r['2xx'] };
  } finally {
    await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ quick = false, rounds = quick ? 2 : 5, base = process.env.AIRLOCK_BENCH_BASE } = {}) {
  if (!base) throw new Error('set AIRLOCK_BENCH_BASE to the other checkout (built)');
  const out = { base, rounds, pipeline: { base: [], this: [] }, http: { base: [], this: [] }, loadStart: loadAverage() };
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always runs right after the other's load.
    const order = i % 2 === 0 ? [['base', base], ['this', here]] : [['this', here], ['base', base]];
    for (const [k, root] of order) out.pipeline[k].push(pipelineRound(root, quick ? 8000 : 30000));
    for (const [k, root] of order) out.http[k].push(await httpRound(root, quick ? 4 : 10));
  }
  out.loadEnd = loadAverage();
  return out;
}

export function print(r) {
  const m = (xs, f) => median(xs.map(f));
  console.log(`A/B: this build vs ${r.base}, ${r.rounds} interleaved rounds (load ${r.loadStart} → ${r.loadEnd}); medians; Cedar on ${policyThreads} policy thread(s) in the pipeline rounds, serve's default in the HTTP rounds`);
  const pb = m(r.pipeline.base, (x) => x.perSecond), pt = m(r.pipeline.this, (x) => x.perSecond);
  const cb = m(r.pipeline.base, (x) => x.cpuUs), ct = m(r.pipeline.this, (x) => x.cpuUs);
  console.log(`   pipeline (16 callers): base ${fmt(pb, 0)}/s, ${fmt(cb, 0)} µs CPU/decision; this ${fmt(pt, 0)}/s, ${fmt(ct, 0)} µs CPU/decision; this/base ${fmt(pt / pb, 2)}× throughput, ${fmt(ct / cb, 2)}× CPU`);
  console.log(`     rounds base ${r.pipeline.base.map((x) => Math.round(x.perSecond)).join(', ')}; this ${r.pipeline.this.map((x) => Math.round(x.perSecond)).join(', ')}`);
  const hb = m(r.http.base, (x) => x.perSecond), ht = m(r.http.this, (x) => x.perSecond);
  const sb = m(r.http.base, (x) => x.cpuUs), st = m(r.http.this, (x) => x.cpuUs);
  console.log(`   http keyed (32 conns): base ${fmt(hb, 0)}/s p99 ${m(r.http.base, (x) => x.p99Ms)} ms, server ${fmt(sb, 0)} µs CPU/decision; this ${fmt(ht, 0)}/s p99 ${m(r.http.this, (x) => x.p99Ms)} ms, server ${fmt(st, 0)} µs CPU/decision; this/base ${fmt(ht / hb, 2)}× throughput, ${fmt(st / sb, 2)}× server CPU`);
  console.log(`     rounds base ${r.http.base.map((x) => Math.round(x.perSecond)).join(', ')}; this ${r.http.this.map((x) => Math.round(x.perSecond)).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--rounds');
  print(await run({ quick: isQuick(), ...(at > 0 ? { rounds: Number(process.argv[at + 1]) } : {}) }));
}
