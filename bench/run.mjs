// `npm run bench [-- --quick]`: every benchmark, figures printed, nothing asserted.
import { existsSync } from 'node:fs';
import { isQuick } from './util.mjs';

const quick = isQuick();
const suites = [
  ['policy', './policy.mjs'],
  ['pipeline', './pipeline.mjs'],
  ['http', './http.mjs'],
  ['approvals', './approvals.mjs'],
  ['commands', './commands.mjs'],
  ['delegation', './delegation.mjs'],
  ['mcp', './mcp.mjs'],
];
console.log(`airlock benchmarks (${quick ? 'quick' : 'full'}) — node ${process.version}, ${new Date().toISOString()}`);
let failed = 0;
for (const [name, path] of suites) {
  if (!existsSync(new URL(path, import.meta.url))) continue;
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
