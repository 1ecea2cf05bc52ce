// Full in-process pipeline with durable audit (SQLite WAL, fsync before every answer, group
// commit): 16 concurrent callers each deciding requests back to back, against its baseline in the
// same run: a raw cedar-wasm `statefulIsAuthorized` call on the same bundle and request (every
// policy in one prepared set, request already in Cedar form), in interleaved rounds.
// Target (issue 14): pipeline/raw >= 1.0. Also printed: process CPU per decision (every thread).
// The runtime evaluates Cedar on policy threads as `serve` does (one on a machine with 2+ cores;
// AIRLOCK_POLICY_THREADS=N sets the count, 0 = on the event loop).
// Run: npm run build && node bench/pipeline.mjs [--quick]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { policySetTextToParts, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { loadConfig } from '../dist/config/load.js';
import { createRuntime, defaultPolicyThreads } from '../dist/runtime/runtime.js';
import { toPolicyRequest } from '../dist/policy/request-mapping.js';
import { uidKey } from '../dist/core/entity-uid.js';
import { readBundleDir } from '../dist/runtime/load-bundle.js';
import { summarize, fmt, isQuick } from './util.mjs';

export const representativeRequest = {
  subject: { type: 'Agent', id: 'support-agent' },
  action: { name: 'tool.call' },
  resource: { type: 'Tool', id: 'jira.search' },
  context: { environment: 'production', args: { repo: 'acme/api', state: 'open' } },
};

/** The raw call on the runtime's own bundle: every policy in one prepared set. */
export async function rawCall(bundle) {
  const files = await readBundleDir('policies/example');
  const texts = {};
  for (const [path, text] of Object.entries(files)) {
    if (!path.endsWith('.cedar')) continue;
    const parts = policySetTextToParts(text);
    if (parts.type !== 'success') throw new Error('parse');
    parts.policies.forEach((p, i) => (texts[`${path}:${i}`] = p));
  }
  if (preparsePolicySet('bench-pipeline-raw', { staticPolicies: texts }).type !== 'success') throw new Error('preparse');
  const pr = toPolicyRequest(representativeRequest, (uid) => bundle.staticEntities.get(uidKey(uid)), bundle.namespace);
  const call = { principal: pr.principal, action: pr.action, resource: pr.resource, context: pr.context, entities: pr.entities, preparsedPolicySetId: 'bench-pipeline-raw' };
  const a = statefulIsAuthorized(call);
  if (a.type !== 'success' || a.response.decision !== 'allow') throw new Error(`raw call did not allow: ${JSON.stringify(a)}`);
  return () => statefulIsAuthorized(call);
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const config = loadConfig({ dataDir: dir, policies: 'policies/example', checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const policyThreads = process.env.AIRLOCK_POLICY_THREADS !== undefined ? Number(process.env.AIRLOCK_POLICY_THREADS) : defaultPolicyThreads();
  const runtime = await createRuntime(config, { policyThreads });
  const raw = await rawCall(runtime.policies.current());
  const callers = 16;
  const rounds = quick ? 4 : 10;
  const perRound = quick ? 4_000 : 20_000;
  const perCaller = Math.ceil(perRound / callers);
  const lat = [];
  const outcomes = {};
  // warm-up
  for (let i = 0; i < 2000; i++) await runtime.gateway.authorize(representativeRequest), raw();
  let pipeSecs = 0;
  let pipeCpuUs = 0;
  let rawSecs = 0;
  let rawN = 0;
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const before = lat.length;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < perCaller; i++) {
          const t = performance.now();
          const d = await runtime.gateway.authorize(representativeRequest);
          lat.push(performance.now() - t);
          outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
        }
      }),
    );
    const ps = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    pipeCpuUs += used.user + used.system;
    pipeSecs += ps;
    // The raw call is synchronous: 16 callers of it are one loop.
    const rs = performance.now();
    for (let i = 0; i < perCaller * callers; i++) raw();
    const rsecs = (performance.now() - rs) / 1000;
    rawSecs += rsecs;
    rawN += perCaller * callers;
    ratios.push((lat.length - before) / ps / ((perCaller * callers) / rsecs));
  }
  const head = await runtime.store.audit.head(config.writerId);
  await runtime.close();
  preparsePolicySet('bench-pipeline-raw', { staticPolicies: {} });
  rmSync(dir, { recursive: true, force: true });
  const s = summarize(lat);
  ratios.sort((a, b) => a - b);
  return {
    name: 'pipeline',
    callers,
    policyThreads,
    rounds,
    decisions: lat.length,
    perSecond: lat.length / pipeSecs,
    cpuUsPerDecision: pipeCpuUs / lat.length,
    rawPerSecond: rawN / rawSecs,
    ratio: ratios[Math.floor(ratios.length / 2)],
    p50Ms: s.p50,
    p99Ms: s.p99,
    maxMs: s.max,
    outcomes,
    auditRecords: head?.seq ?? 0,
    load: loadAverage(),
  };
}

export const loadAverage = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};

export function print(r) {
  console.log(`3. in-process pipeline, durable audit (SQLite WAL, fsync before each answer, group commit), ${r.callers} concurrent callers, ${r.rounds} interleaved rounds, ${r.policyThreads} policy thread(s) (load ${r.load})`);
  console.log(`   ${r.decisions} decisions: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50Ms, 3)} ms, p99 ${fmt(r.p99Ms, 3)} ms, max ${fmt(r.maxMs, 2)} ms; process CPU ${fmt(r.cpuUsPerDecision, 0)} µs/decision; outcomes ${JSON.stringify(r.outcomes)}; audit records ${r.auditRecords}`);
  console.log(`   baseline raw statefulIsAuthorized (same bundle and request): ${fmt(r.rawPerSecond, 0)}/s`);
  console.log(`   pipeline/raw = ${fmt(r.ratio, 2)} (median of rounds; target >= 1.0)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
