// Policy step benchmark. Prints, per bundle, raw cedar-wasm `statefulIsAuthorized` with every policy
// in one prepared set (the floor a naive integration pays) and Airlock's policy step
// (toPolicyRequest + sliced bundle.evaluate + decideOutcome) on the same request, with the ratio.
// Targets: <= 1.3x raw on the example bundle, <= 0.2x raw on the generated 1,000-policy/50-action one.
// Run: npm run build && node bench/policy.mjs [--quick]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { policySetTextToParts, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { compileBundle } from '../dist/policy/bundle.js';
import { decideOutcome } from '../dist/policy/outcome.js';
import { toPolicyRequest } from '../dist/policy/request-mapping.js';
import { uidKey } from '../dist/core/entity-uid.js';
import { generateBundle, generateRequests } from '../dist/policy/testing/generate-bundle.js';
import { readBundleDir } from '../dist/runtime/load-bundle.js';
import { fmt, isQuick, summarize } from './util.mjs';

export const exampleRequest = {
  subject: { type: 'Agent', id: 'support-agent' },
  action: { name: 'tool.call' },
  resource: { type: 'Tool', id: 'jira.search' },
  context: { environment: 'production', args: { project: 'OPS', query: 'status = open' } },
};

/**
 * Runs `a` and `b` in alternating batches so load on a shared machine hits both alike. Returns the
 * per-decision stats of each, and the median over rounds of (b batch mean / a batch mean).
 */
function timePair(a, b, iterations, rounds = 20) {
  for (let i = 0; i < Math.min(1000, iterations); i++) {
    a();
    b();
  }
  const per = Math.max(1, Math.floor(iterations / rounds));
  const sa = [];
  const sb = [];
  const ratios = [];
  const batch = (fn, into) => {
    const start = performance.now();
    for (let i = 0; i < per; i++) {
      const t = performance.now();
      fn();
      into.push(performance.now() - t);
    }
    return (performance.now() - start) / per;
  };
  for (let r = 0; r < rounds; r++) {
    const ma = batch(a, sa);
    const mb = batch(b, sb);
    ratios.push(mb / ma);
  }
  ratios.sort((x, y) => x - y);
  const stats = (samples) => {
    const s = summarize(samples);
    return { n: s.n, meanUs: s.mean * 1000, p50Us: s.p50 * 1000, p99Us: s.p99 * 1000 };
  };
  return { a: stats(sa), b: stats(sb), medianRatio: ratios[Math.floor(ratios.length / 2)] };
}

let rawSetCounter = 0;

function measure(name, files, request, resolve, iterations) {
  const t0 = performance.now();
  const compiled = compileBundle(files);
  const loadMs = performance.now() - t0;
  if (!compiled.ok) throw new Error(`${name}: bundle invalid: ${JSON.stringify(compiled.problems.slice(0, 3))}`);
  const bundle = compiled.bundle;
  // Raw floor: every policy of the bundle in one prepared set, request already in Cedar form.
  const texts = {};
  for (const [path, text] of Object.entries(files)) {
    if (!path.endsWith('.cedar')) continue;
    const parts = policySetTextToParts(text);
    if (parts.type !== 'success') throw new Error('parse');
    parts.policies.forEach((p, i) => (texts[`${path}:${i}`] = p));
  }
  const rawId = `bench-raw:${++rawSetCounter}`;
  if (preparsePolicySet(rawId, { staticPolicies: texts }).type !== 'success') throw new Error('preparse');
  const pr = toPolicyRequest(request, resolve(bundle), bundle.namespace);
  const rawCall = {
    principal: pr.principal,
    action: pr.action,
    resource: pr.resource,
    context: pr.context,
    entities: pr.entities,
    preparsedPolicySetId: rawId,
  };
  const rawAnswer = statefulIsAuthorized(rawCall);
  if (rawAnswer.type !== 'success') throw new Error('raw failed');
  const r = resolve(bundle);
  let outcome;
  const step = () => {
    outcome = decideOutcome(bundle.evaluate(toPolicyRequest(request, r, bundle.namespace)), bundle);
  };
  step();
  if ((rawAnswer.response.decision === 'allow') !== (outcome.outcome !== 'deny')) throw new Error(`${name}: raw and Airlock disagree`);
  const pair = timePair(() => statefulIsAuthorized(rawCall), step, iterations);
  const raw = pair.a;
  const airlock = pair.b;
  preparsePolicySet(rawId, { staticPolicies: {} });
  bundle.dispose();
  return {
    bundle: name,
    policies: bundle.policies.size,
    actions: bundle.actions.length,
    slices: bundle.sliceCount,
    loadMs,
    entities: pr.entities.length,
    outcome: outcome.outcome,
    raw,
    airlock,
    /** median over interleaved rounds of (Airlock batch mean / raw batch mean): robust to machine load */
    ratio: pair.medianRatio,
    meanRatio: airlock.meanUs / raw.meanUs,
  };
}

export async function run({ quick = false } = {}) {
  const exampleFiles = await readBundleDir('policies/example');
  const staticResolve = (bundle) => (uid) => bundle.staticEntities.get(uidKey(uid));
  const example = measure('example', exampleFiles, exampleRequest, staticResolve, quick ? 2_000 : 20_000);
  example.target = 1.3;

  const world = generateRequests({ count: 200, actions: 50, seed: 11 });
  const table = new Map(world.entities.map((e) => [uidKey(e.uid), e]));
  // representative: a known subject, resource and action that some permit allows
  const request = world.requests.find((q) => q.action.name !== 'unknown.action' && /^u([0-9]|[1-3][0-9])$/.test(q.subject.id)) ?? world.requests[0];
  const generated = measure('generated-1000', generateBundle({ policies: 1000, actions: 50, seed: 1 }), request, () => (uid) => table.get(uidKey(uid)), quick ? 300 : 3_000);
  generated.target = 0.2;
  return { example, generated };
}

export function print(r) {
  console.log('policy step (µs/decision: mean / p50 / p99)');
  for (const m of [r.example, r.generated]) {
    const ok = m.ratio <= m.target ? 'OK' : 'OVER TARGET';
    console.log(
      `  ${m.bundle.padEnd(15)} ${m.policies} policies, ${m.actions} actions, ${m.slices} slices, ${m.entities} entities, load ${fmt(m.loadMs, 0)} ms, outcome ${m.outcome}`,
    );
    console.log(`    raw cedar-wasm (all policies, 1 set)  ${fmt(m.raw.meanUs)} / ${fmt(m.raw.p50Us)} / ${fmt(m.raw.p99Us)}  (n=${m.raw.n})`);
    console.log(`    airlock policy step (sliced)          ${fmt(m.airlock.meanUs)} / ${fmt(m.airlock.p50Us)} / ${fmt(m.airlock.p99Us)}  (n=${m.airlock.n})`);
    console.log(`    ratio ${fmt(m.ratio, 2)}x raw (median of interleaved rounds; ratio of means ${fmt(m.meanRatio, 2)}x), target <= ${m.target}x: ${ok}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  print(await run({ quick: isQuick() }));
}
