// Full in-process pipeline with durable audit (SQLite WAL, synchronous=FULL, group commit):
// concurrent callers each deciding requests back to back. Target: >= 10,000 decisions/s, p99 <= 2 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../dist/config/load.js';
import { createRuntime } from '../dist/runtime/runtime.js';
import { summarize, fmt, isQuick } from './util.mjs';

export const representativeRequest = {
  subject: { type: 'Agent', id: 'support-agent' },
  action: { name: 'tool.call' },
  resource: { type: 'Tool', id: 'jira.search' },
  context: { environment: 'production', args: { repo: 'acme/api', state: 'open' } },
};

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const config = loadConfig({ dataDir: dir, policies: 'policies/example', checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const runtime = await createRuntime(config);
  const callers = 16;
  const total = quick ? 20_000 : 200_000;
  const perCaller = Math.ceil(total / callers);
  const lat = [];
  const outcomes = {};
  // warm-up
  for (let i = 0; i < 2000; i++) await runtime.gateway.authorize(representativeRequest);
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
  const secs = (performance.now() - started) / 1000;
  const head = await runtime.store.audit.head(config.writerId);
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
  const s = summarize(lat);
  const result = { name: 'pipeline', callers, decisions: lat.length, perSecond: lat.length / secs, p50Ms: s.p50, p99Ms: s.p99, maxMs: s.max, outcomes, auditRecords: head?.seq ?? 0 };
  return result;
}

export function print(r) {
  console.log(`3. in-process pipeline, durable audit (SQLite WAL, synchronous=FULL, group commit), ${r.callers} concurrent callers`);
  console.log(`   ${r.decisions} decisions: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50Ms, 3)} ms, p99 ${fmt(r.p99Ms, 3)} ms, max ${fmt(r.maxMs, 2)} ms; outcomes ${JSON.stringify(r.outcomes)}; audit records ${r.auditRecords}`);
  console.log(`   target >= 10,000/s and p99 <= 2 ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
