// Delegation revalidation benchmark: verifyDelegation (signature + whole stored path + actors +
// leaf scope) for a depth-1 and a depth-4 chain, in process, memory repo. Target: p99 <= 0.3 ms at
// depth 4 (issue #5). Two figures per depth: `cold` verifies the Ed25519 signature on every call
// (first use of a token); `warm` is an agent reusing its token with the signature cache on (the
// stored path, revocation, actors and scope are still checked on every call).
//
// HTTP figure: POST /access/v1/evaluation against `airlock serve` in a child process (SQLite, every
// decision durably audited), autocannon 32 connections, the same registered agent asking about
// itself with its own key — `plain` without a token, `delegated` with a depth-2 delegation token
// (admin → agent d1 → agent d2) in X-Airlock-Delegation, so step 3 reads the stored path, both
// links, three identities and checks the leaf scope on every request. Rounds alternate so machine
// drift hits both alike. `--no-http` skips it.
// Run: npx tsc -p tsconfig.build.json && node bench/delegation.mjs [--quick] [--no-http]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { issueDelegation } from '../dist/delegation/issue.js';
import { createTokenCache } from '../dist/delegation/token.js';
import { createMemoryDelegationRepo } from '../dist/delegation/memory-repo.js';
import { verifyChain, verifyDelegation } from '../dist/delegation/verify-chain.js';
import { startServer, stopServer } from './http.mjs';
import { representativeRequest } from './pipeline.mjs';
import { fmt, isQuick, summarize } from './util.mjs';

const NS = 'Airlock';
const ISS = 'https://airlock.bench';
const uid = (t, id) => `${NS}::${t}::${JSON.stringify(id)}`;

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const key = { kid: await calculateJwkThumbprint(await exportJWK(publicKey)), privateKey };
  const keyFor = async (kid) => (kid === key.kid ? publicKey : undefined);
  const repo = createMemoryDelegationRepo();
  const active = new Set([uid('Human', 'alice'), ...['a1', 'a2', 'a3', 'a4'].map((a) => uid('Agent', a))]);
  const isActiveOwned = (u) => active.has(u);
  const now = Date.now();
  const base = { namespace: NS, issuer: ISS, audience: ISS, keyFor, repo, isActiveOwned, now };
  const checks = { delegateIsActiveOwnedNhi: (u) => active.has(u), mayDelegate: () => true };
  const tokens = [];
  let parent;
  let delegator = uid('Human', 'alice');
  for (let d = 1; d <= 4; d++) {
    const delegate = uid('Agent', `a${d}`);
    const r = await issueDelegation({
      ...base,
      ...(parent ? { parent } : { scope: 'tool.call:Tool::gh/* secret.read:Secret::ci/*', purpose: 'bench' }),
      delegator,
      delegate,
      ttlMs: (60 - d) * 60_000,
      key,
      checks,
    });
    if (!r.ok) throw new Error(`issue failed: ${JSON.stringify(r.error)}`);
    tokens.push({ token: r.token, caller: delegate });
    const v = await verifyChain(r.token, { ...base, caller: delegate });
    if (!v.ok) throw new Error(`verify failed: ${v.code}`);
    parent = v.chain;
    delegator = delegate;
  }
  const request = { action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'gh/list' } };
  return { base, request, tokens };
}

async function measure(opts, iterations) {
  const samples = [];
  for (let i = 0; i < Math.min(2000, iterations); i++) await verifyDelegation(opts.token, opts.args);
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const v = await verifyDelegation(opts.token, opts.args);
    samples.push(performance.now() - t);
    if (!v.ok) throw new Error(`verification failed: ${v.code}`);
  }
  const s = summarize(samples);
  return { n: s.n, p50Us: s.p50 * 1000, p99Us: s.p99 * 1000, maxUs: s.max * 1000, meanUs: s.mean * 1000 };
}

/** A served gateway with agents d1, d2 and the depth-2 token admin → d1 → d2. */
async function httpSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-dlg-'));
  const { child, url } = await startServer(dir);
  const admin = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
  const call = async (path, key, body, type = 'application/json') => {
    const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const keys = {};
  for (const id of ['d1', 'd2']) {
    const r = await call('/v1/identities', admin, JSON.stringify({ id, kind: 'agent', owner: 'admin', purpose: 'delegation benchmark', groups: ['support-agents'] }));
    keys[id] = r.key.key;
  }
  const { resource, action } = representativeRequest;
  const scope = `${action.name}:${resource.type}::${resource.id}`;
  const l1 = await call('/v1/delegations', admin, JSON.stringify({ delegate: 'Agent::"d1"', scope, ttl: '30m', purpose: 'benchmark' }));
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: l1.token,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    actor_token: 'Agent::"d2"',
    actor_token_type: 'urn:airlock:token-type:identity',
  });
  const l2 = await call('/oauth/token', keys.d1, form.toString(), 'application/x-www-form-urlencoded');
  const body = JSON.stringify({ ...representativeRequest, subject: { type: 'Agent', id: 'd2' } });
  const headers = { plain: { authorization: `Bearer ${keys.d2}` }, delegated: { authorization: `Bearer ${keys.d2}`, 'x-airlock-delegation': l2.access_token } };
  for (const [mode, h] of Object.entries(headers)) {
    const d = await (await fetch(url + '/access/v1/evaluation', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body })).json();
    if (d.decision !== true) throw new Error(`${mode} probe not allowed: ${JSON.stringify(d.context?.reasons)}`);
  }
  const close = async () => {
    await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, body, headers, close };
}

async function httpRun({ quick }) {
  const seconds = quick ? 2 : 4;
  const rounds = quick ? 1 : 3;
  const s = await httpSetup();
  const out = { seconds, rounds, plain: [], delegated: [] };
  try {
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['plain', 'delegated']) {
        const r = await autocannon({ url: `${s.url}/access/v1/evaluation`, method: 'POST', connections: 32, duration: seconds, headers: { 'content-type': 'application/json', ...s.headers[mode] }, body: s.body });
        out[mode].push({ perSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, ok: r['2xx'], errors: r.errors + r.non2xx + r.timeouts });
      }
    }
  } finally {
    await s.close();
  }
  const agg = (xs) => ({ perSecond: xs.reduce((a, x) => a + x.perSecond, 0) / xs.length, p50Ms: xs.reduce((a, x) => a + x.p50Ms, 0) / xs.length, p99Ms: Math.max(...xs.map((x) => x.p99Ms)), ok: xs.reduce((a, x) => a + x.ok, 0), errors: xs.reduce((a, x) => a + x.errors, 0), rounds: xs.map((x) => Math.round(x.perSecond)) });
  return { seconds, rounds, plain: agg(out.plain), delegated: agg(out.delegated) };
}

export async function run({ quick = false, http = !process.argv.includes('--no-http') } = {}) {
  const { base, request, tokens } = await setup();
  const iterations = quick ? 3000 : 30000;
  const out = {};
  for (const depth of [1, 4]) {
    const { token, caller } = tokens[depth - 1];
    out[`depth${depth}`] = {
      cold: await measure({ token, args: { ...base, caller, request } }, iterations),
      warm: await measure({ token, args: { ...base, caller, request, tokenCache: createTokenCache() } }, iterations),
    };
  }
  const result = { node: process.version, iterations, targetP99Us: 300, ...out };
  if (http) result.http = await httpRun({ quick });
  return result;
}

export function print(r) {
  console.log(`\ndelegation verification (in process, memory repo, ${r.iterations} calls each; target p99 <= ${r.targetP99Us} us at depth 4)`);
  for (const k of ['depth1', 'depth4']) {
    for (const mode of ['cold', 'warm']) {
      const s = r[k][mode];
      console.log(`  ${k} ${mode}: p50 ${fmt(s.p50Us)} us  p99 ${fmt(s.p99Us)} us  mean ${fmt(s.meanUs)} us  max ${fmt(s.maxUs)} us`);
    }
  }
  const w = r.depth4.warm.p99Us;
  const c = r.depth4.cold.p99Us;
  console.log(`  depth-4 p99: warm ${w <= r.targetP99Us ? 'within' : 'OVER'} target, cold ${c <= r.targetP99Us ? 'within' : 'OVER'} target`);
  if (r.http) {
    const h = r.http;
    console.log(`\nHTTP POST /access/v1/evaluation, served gateway (SQLite, audited), autocannon 32 connections, ${h.rounds} × ${h.seconds} s per mode, alternating`);
    for (const mode of ['plain', 'delegated']) {
      const g = h[mode];
      console.log(`  ${mode === 'plain' ? 'plain (own key)          ' : 'delegated (depth-2 token)'}: ${fmt(g.perSecond, 0)} decisions/s (rounds ${g.rounds.join(', ')}), p50 ${fmt(g.p50Ms, 1)} ms, p99 ${g.p99Ms} ms, 2xx ${g.ok}, errors ${g.errors}`);
    }
    console.log(`  delegated/plain throughput = ${fmt(h.delegated.perSecond / h.plain.perSecond, 3)} (noisy: shared machine)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) print(await run({ quick: isQuick() }));
