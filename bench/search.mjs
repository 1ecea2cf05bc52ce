// AuthZEN search cost (docs/authzen.md "Cost"): a subject search over N registry agents, each
// candidate decided by the full pipeline, the search audited. In process: the real HTTP server on
// loopback, SQLite, the bundle test/fixtures/bundles/search-groups. Half the agents are in a group
// the policy allows (through a nested group), half in none. Figures: wall time of one full page
// (limit 1000) and of a first page of 10, repeated; per-candidate cost = full page / N.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, isQuick, summarize } from './util.mjs';

export async function run({ quick = isQuick() } = {}) {
  const { loadConfig } = await import('../dist/config/load.js');
  const { createRuntime } = await import('../dist/runtime/runtime.js');
  const { createHttpServer } = await import('../dist/http/server.js');
  const { createMetrics } = await import('../dist/http/metrics.js');
  const n = quick ? 200 : 1000;
  const rounds = quick ? 5 : 20;
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-search-'));
  const config = loadConfig({ dataDir, policies: 'test/fixtures/bundles/search-groups', port: 0, checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const runtime = await createRuntime(config, {});
  const app = createHttpServer({ runtime, metrics: createMetrics() });
  try {
    await runtime.bootstrapAdmin();
    const actor = { type: 'system', id: 'bench', via: 'bench' };
    const pep = await runtime.identities.createNhi({ id: 'bench-pep', kind: 'workload', owner: 'admin', groups: [], environments: [], purpose: 'bench', attributes: {}, pep: { subjects: [], groups: ['deployers'] }, key: true }, actor);
    for (let i = 0; i < n; i++) {
      const id = `agent-${String(i).padStart(5, '0')}`;
      // Half reach deployers through release-bots (nested), half directly: all are results.
      const groups = i % 2 === 0 ? ['release-bots'] : ['deployers'];
      await runtime.identities.createNhi({ id, kind: 'agent', owner: 'admin', groups, environments: [], purpose: 'bench', attributes: {}, key: false }, actor);
    }
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${app.server.address().port}/access/v1/search/subject`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${pep.value.key.key}` };
    const ask = async (body) => {
      const t = performance.now();
      const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
      const j = await r.json();
      if (r.status !== 200) throw new Error(`search answered ${r.status}: ${JSON.stringify(j)}`);
      return { ms: performance.now() - t, results: j.results.length };
    };
    const query = { subject: { type: 'Agent' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 'checkout' } };
    await ask(query); // warm-up
    const full = [];
    const first = [];
    let results = 0;
    for (let i = 0; i < rounds; i++) {
      const a = await ask(query);
      full.push(a.ms);
      results = a.results;
      first.push((await ask({ ...query, page: { limit: 10 } })).ms);
    }
    return { candidates: n, results, full: summarize(full), first10: summarize(first) };
  } finally {
    await app.close();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function print(r) {
  console.log(`search: subject search over ${r.candidates} registry agents (${r.results} results), each decided by the pipeline, one audit record per search`);
  console.log(`  full page (limit 1000): p50 ${fmt(r.full.p50)} ms, p99 ${fmt(r.full.p99)} ms — ${fmt((r.full.p50 * 1000) / r.candidates, 0)} µs per candidate`);
  console.log(`  first page of 10:       p50 ${fmt(r.first10.p50)} ms, p99 ${fmt(r.first10.p99)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) print(await run());
