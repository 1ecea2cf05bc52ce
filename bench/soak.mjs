// Soak: mixed single and batch AuthZEN load against one `airlock serve` for a fixed time (10 min
// full, 30 s quick, or AIRLOCK_SOAK_SECONDS), with the server's RSS and event-loop lag read from
// /metrics at the start and at the end. The server must survive: a crash (any exit) fails the run.
// This is the reproduction of issue 14's crash (batches of 16 × 32 connections killed Node 20's V8
// within ~20 s with SIGTRAP in the deoptimizer).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fmt } from './util.mjs';
import { representativeRequest } from './pipeline.mjs';
import { startServer, stopServer } from './http.mjs';

const BATCH = 16;

async function metric(url, key, name) {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

async function snapshot(url, key) {
  return {
    rssMb: (await metric(url, key, 'airlock_process_process_resident_memory_bytes')) / 1e6,
    lagP99Ms: (await metric(url, key, 'airlock_process_nodejs_eventloop_lag_p99_seconds')) * 1e3,
  };
}

async function register(url, adminKey) {
  const res = await fetch(`${url}/v1/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ id: 'soak-agent', kind: 'agent', owner: 'admin', purpose: 'soak benchmark', groups: ['support-agents'] }),
  });
  if (res.status !== 201) throw new Error(`could not register the soak agent: ${res.status} ${await res.text()}`);
  return (await res.json()).key.key;
}

export async function run({ quick = false } = {}) {
  const seconds = Number(process.env.AIRLOCK_SOAK_SECONDS ?? (quick ? 30 : 600));
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-soak-'));
  const { child, url } = await startServer(dir);
  let exit;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  try {
    const adminKey = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const key = await register(url, adminKey);
    const subject = { type: 'Agent', id: 'soak-agent' };
    const single = JSON.stringify({ ...representativeRequest, subject });
    const batch = JSON.stringify({
      subject,
      evaluations: Array.from({ length: BATCH }, (_, i) => ({
        action: representativeRequest.action,
        resource: { type: 'Tool', id: i % 2 ? 'jira.search' : 'zendesk.reply' },
        context: { ...representativeRequest.context, n: i },
      })),
    });
    const start = await snapshot(url, adminKey);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const r = await autocannon({
      url,
      connections: 32,
      duration: seconds,
      requests: [
        { method: 'POST', path: '/access/v1/evaluation', headers, body: single },
        { method: 'POST', path: '/access/v1/evaluations', headers, body: batch },
      ],
    });
    if (exit) throw new Error(`server died under soak load: exit code ${exit.code}, signal ${exit.signal}`);
    const end = await snapshot(url, adminKey);
    return {
      seconds,
      requests: r.requests.total,
      perSecond: r.requests.average,
      p99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      start,
      end,
      node: process.version,
    };
  } finally {
    if (!exit) await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r) {
  console.log(`soak: ${r.seconds} s of mixed single + ${BATCH}-item batch evaluations, 32 connections (node ${r.node})`);
  console.log(`   ${r.requests} requests, ${fmt(r.perSecond, 0)}/s, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}; server survived`);
  console.log(`   RSS ${fmt(r.start.rssMb, 0)} → ${fmt(r.end.rssMb, 0)} MB; event-loop lag p99 ${fmt(r.start.lagP99Ms, 1)} → ${fmt(r.end.lagP99Ms, 1)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes('--quick') });
  print(r);
}
