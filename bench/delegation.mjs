// Delegation revalidation benchmark: verifyDelegation (signature + whole stored path + actors +
// leaf scope) for a depth-1 and a depth-4 chain, in process, memory repo. Target: p99 <= 0.3 ms at
// depth 4 (issue #5). Two figures per depth: `cold` verifies the Ed25519 signature on every call
// (first use of a token); `warm` is an agent reusing its token with the signature cache on (the
// stored path, revocation, actors and scope are still checked on every call).
// Run: npx tsc -p tsconfig.build.json && node bench/delegation.mjs [--quick]
import { pathToFileURL } from 'node:url';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { issueDelegation } from '../dist/delegation/issue.js';
import { createTokenCache } from '../dist/delegation/token.js';
import { createMemoryDelegationRepo } from '../dist/delegation/memory-repo.js';
import { verifyChain, verifyDelegation } from '../dist/delegation/verify-chain.js';
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

export async function run({ quick = false } = {}) {
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
  return { node: process.version, iterations, targetP99Us: 300, ...out };
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
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) print(await run({ quick: isQuick() }));
