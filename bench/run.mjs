// `npm run bench [-- --quick]`: every benchmark, figures printed, nothing asserted.
import { existsSync } from 'node:fs';
import { isQuick } from './util.mjs';

const quick = isQuick();
const suites = [
  ['policy', './policy.mjs'],
  ['pipeline', './pipeline.mjs'],
  ['http', './http.mjs'],
  ['floor', './floor.mjs'],
  ['approvals', './approvals.mjs'],
  ['commands', './commands.mjs'],
  ['commands-score', './commands-score.mjs'],
  ['delegation', './delegation.mjs'],
  ['mcp', './mcp.mjs'],
  ['search', './search.mjs'],
  ['soak', './soak.mjs'],
  ['cli', './cli.mjs'],
  ['startup', './startup.mjs'],
  ['replicated', './replicated.mjs'],
];
// `--only a,b` runs just those suites (e.g. `npm run bench -- --quick --only soak`).
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1]?.split(',')) : undefined;
console.log(`airlock benchmarks (${quick ? 'quick' : 'full'}) — node ${process.version}, ${new Date().toISOString()}`);
let failed = 0;
for (const [name, path] of suites) {
  if (!existsSync(new URL(path, import.meta.url))) continue;
  if (only && !only.has(name)) continue;
  if (name === 'soak' && Number(process.versions.node.split('.')[0]) < 22) {
    // Node 20's V8 aborts under this load (issue 14); the soak runs on the supported lines (.ci/node24.sh).
    console.log(`soak: not run on Node ${process.version} (out of support; its V8 aborts under this load) — see docs/benchmarks.md`);
    continue;
  }
  try {
    const mod = await import(path);
    const r = await mod.run({ quick });
    if (mod.print) mod.print(r);
    else console.log(name, JSON.stringify(r, null, 2));
  } catch (e) {
    failed++;
    console.error(`bench ${name} failed: ${e?.stack ?? e}`);
  }
}
process.exitCode = failed ? 1 : 0;
