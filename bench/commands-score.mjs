#!/usr/bin/env node
/**
 * Scores the command analyzer on the labelled corpora (issue 17): flagged (ask or deny) and denied
 * rates for malicious commands, asked and denied rates for everyday commands (and for the
 * legitimately sensitive `admin` group), per category and per shell, for the tuning half
 * (corpus v1 + v2 tuning) and the held-out half (v2 holdout) separately.
 * Usage: node bench/commands-score.mjs [--misses]   (build first: npm run build)
 * `--misses` lists the tuning half's misses only, so tuning never looks at a held-out failure;
 * `--misses=holdout` lists those too (say so in docs/commands.md when you use it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAnalyzer } from '../dist/runtime/load-grammars.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, '..', 'test', 'commands', 'corpus');
const jsonl = (f) => readFileSync(join(corpusDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

export function loadScoredCorpus() {
  const v1 = [...jsonl('malicious.jsonl'), ...jsonl('benign.jsonl')].map((e) => ({ ...e, split: 'tuning', source: 'v1' }));
  const v2 = jsonl('v2/corpus.jsonl').map((e) => ({ ...e, source: 'v2' }));
  return [...v1, ...v2];
}

const shellOf = (s) => (s === 'powershell' || s === 'cmd' ? s : s === 'bash' ? 'bash' : s === 'zsh' ? 'zsh' : 'sh');
const ratio = (n, d) => (d === 0 ? null : Math.round((n / d) * 1000) / 1000);

function tally(rows) {
  const mal = rows.filter((r) => r.label === 'malicious');
  const ben = rows.filter((r) => r.label === 'benign');
  const admin = ben.filter((r) => r.category === 'admin');
  const group = (xs, key) => {
    const out = {};
    for (const k of [...new Set(xs.map(key))].sort()) {
      const g = xs.filter((x) => key(x) === k);
      out[k] = { n: g.length, flagged: ratio(g.filter((x) => x.verdict !== 'allow').length, g.length), denied: ratio(g.filter((x) => x.verdict === 'deny').length, g.length) };
    }
    return out;
  };
  return {
    malicious: { n: mal.length, flagged: ratio(mal.filter((r) => r.verdict !== 'allow').length, mal.length), denied: ratio(mal.filter((r) => r.verdict === 'deny').length, mal.length) },
    everyday: { n: ben.length, asked: ratio(ben.filter((r) => r.verdict === 'ask').length, ben.length), denied: ratio(ben.filter((r) => r.verdict === 'deny').length, ben.length) },
    admin: { n: admin.length, asked: ratio(admin.filter((r) => r.verdict === 'ask').length, admin.length), denied: ratio(admin.filter((r) => r.verdict === 'deny').length, admin.length) },
    byCategory: group(mal, (r) => r.category),
    byShell: group(mal, (r) => shellOf(r.shell)),
    everydayByShell: group(ben, (r) => shellOf(r.shell)),
  };
}

export async function run() {
  const analyzer = await loadAnalyzer();
  const rows = loadScoredCorpus().map((e) => ({ ...e, verdict: analyzer.analyze(e.command, { shell: e.shell }).verdict }));
  return { tuning: tally(rows.filter((r) => r.split === 'tuning')), holdout: tally(rows.filter((r) => r.split === 'holdout')), rows };
}

const pct = (x) => (x === null ? '  -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

export function print(r) {
  for (const half of ['tuning', 'holdout']) {
    const t = r[half];
    console.log(`command analyzer score — ${half} half: ${t.malicious.n} malicious, ${t.everyday.n} everyday (${t.admin.n} sensitive admin)`);
    console.log(`  malicious flagged ${pct(t.malicious.flagged)}  denied ${pct(t.malicious.denied)}   (targets >= 90% / >= 70%)`);
    console.log(`  everyday  asked   ${pct(t.everyday.asked)}  denied ${pct(t.everyday.denied)}   (targets <= 3% / <= 0.5%)`);
    console.log(`  admin     asked   ${pct(t.admin.asked)}  denied ${pct(t.admin.denied)}   (target denied <= 2%)`);
    for (const [k, v] of Object.entries(t.byCategory)) console.log(`    ${k.padEnd(22)} n=${String(v.n).padStart(4)}  flagged ${pct(v.flagged)}  denied ${pct(v.denied)}`);
    for (const [k, v] of Object.entries(t.byShell)) console.log(`    shell ${k.padEnd(16)} n=${String(v.n).padStart(4)}  flagged ${pct(v.flagged)}  denied ${pct(v.denied)}`);
    for (const [k, v] of Object.entries(t.everydayByShell)) console.log(`    everyday ${k.padEnd(13)} n=${String(v.n).padStart(4)}  asked+denied ${pct(v.flagged)}  denied ${pct(v.denied)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await run();
  print(r);
  const misses = process.argv.find((a) => a.startsWith('--misses'));
  if (misses) {
    for (const x of r.rows) {
      if (x.split === 'holdout' && misses !== '--misses=holdout') continue;
      if (x.label === 'malicious' && x.verdict !== 'deny') console.log(`MISS ${x.split} ${x.verdict} [${x.category}/${x.shell}] ${x.command}`);
      if (x.label === 'benign' && x.verdict !== 'allow') console.log(`FP   ${x.split} ${x.verdict} [${x.category}/${x.shell}] ${x.command}`);
    }
  }
}
