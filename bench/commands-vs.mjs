#!/usr/bin/env node
/**
 * The command analyzer against a baseline build, in the same process and interleaved rounds, so
 * a shared machine's load falls on both alike (per-command median over rounds, batch CPU time).
 * Usage: node bench/commands-vs.mjs BASELINE_DIR [--rounds N]
 *   BASELINE_DIR: a checkout of another commit, built (`npm run build`), e.g. made with
 *   `git archive <commit> src tsconfig.json tsconfig.build.json package.json | tar -x -C DIR`,
 *   a node_modules symlink, and `npx tsc -p tsconfig.build.json` there.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, '..', 'test', 'commands', 'corpus');
const baseDir = resolve(process.argv[2] ?? '');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;

const jsonl = (f) => readFileSync(join(corpusDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const corpus = [...jsonl('malicious.jsonl'), ...jsonl('benign.jsonl'), ...jsonl('v2/corpus.jsonl')].filter((e) => e.command.length < 200);

const current = await (await import(pathToFileURL(join(here, '..', 'dist', 'runtime', 'load-grammars.js')).href)).loadAnalyzer();
const baseline = await (await import(pathToFileURL(join(baseDir, 'dist', 'runtime', 'load-grammars.js')).href)).loadAnalyzer();
const subjects = { baseline, current };

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const per = Object.fromEntries(Object.keys(subjects).map((k) => [k, corpus.map(() => [])]));
const cpu = Object.fromEntries(Object.keys(subjects).map((k) => [k, 0]));
for (const a of Object.values(subjects)) for (const e of corpus) a.analyze(e.command, { shell: e.shell }); // warm-up

for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
  for (const k of order) {
    const a = subjects[k];
    const c0 = process.cpuUsage();
    corpus.forEach((e, i) => {
      const t0 = performance.now();
      const x = a.analyze(e.command, { shell: e.shell });
      JSON.stringify({ verdict: x.verdict, findings: x.findings.map((f) => ({ rule: f.rule, severity: f.severity, explanation: f.explanation })) });
      per[k][i].push((performance.now() - t0) * 1000);
    });
    const c = process.cpuUsage(c0);
    cpu[k] += (c.user + c.system) / 1e6;
  }
}

console.log(`command analyzer vs baseline (${baseDir}): ${corpus.length} commands < 200 chars, ${rounds} interleaved rounds`);
const out = {};
for (const k of Object.keys(subjects)) {
  const medians = per[k].map((xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]).sort((x, y) => x - y);
  out[k] = { p50: Math.round(pct(medians, 50)), p99: Math.round(pct(medians, 99)), max: Math.round(medians[medians.length - 1]), perCpuSecond: Math.round((corpus.length * rounds) / cpu[k]) };
  console.log(`  ${k.padEnd(9)} per-command median: p50 ${out[k].p50} µs  p99 ${out[k].p99} µs  max ${out[k].max} µs   batch ${out[k].perCpuSecond} commands per CPU-second`);
}
console.log(`  ratio current/baseline: p99 ${(out.current.p99 / out.baseline.p99).toFixed(2)}, throughput ${(out.current.perCpuSecond / out.baseline.perCpuSecond).toFixed(2)}`);
