// Airlock's keyed HTTP evaluation against the Cerbos PDP alone, in interleaved rounds, with the same
// load client (autocannon, 32 connections): `node bench/cerbos.mjs [--quick] [--rounds N]` after
// `npm run build`. bench/http.mjs measures the same pair inside `npm run bench`; see
// bench/cerbos-pdp.mjs for the Cerbos setup.
import { pathToFileURL } from 'node:url';
import { fmt, isQuick } from './util.mjs';
import { loadAverage } from './pipeline.mjs';
import { combine, cpu, keyedRound } from './http.mjs';
import { cerbosBinary, cerbosRound, printCerbosLine } from './cerbos-pdp.mjs';

export async function run({ quick = false, rounds } = {}) {
  const seconds = quick ? 3 : 10;
  const n = rounds ?? (quick ? 1 : 3);
  const found = cerbosBinary();
  if (found.skip) return { name: 'cerbos', skip: found.skip, load: loadAverage() };
  const keyed = [];
  const cerbos = [];
  for (let i = 0; i < n; i++) {
    keyed.push(await keyedRound(seconds));
    cerbos.push(await cerbosRound(found.bin, seconds));
  }
  return { name: 'cerbos', version: found.version, seconds, rounds: n, keyed: combine(keyed), cerbos: combine(cerbos), load: loadAverage() };
}

export function print(r) {
  if (r.skip) {
    console.log(`Cerbos baseline: NOT MEASURED — ${r.skip}`);
    return;
  }
  console.log(`Airlock keyed HTTP vs Cerbos ${r.version}, autocannon 32 connections, ${r.rounds} × ${r.seconds} s interleaved (load ${r.load})`);
  console.log(`   keyed (API key, registry lookups, fsync'd audit): ${fmt(r.keyed.perSecond, 0)} decisions/s (rounds ${r.keyed.rounds.join(', ')}), p50 ${fmt(r.keyed.p50Ms, 1)} ms, p99 ${r.keyed.p99Ms} ms, errors ${r.keyed.errors}; audited ${r.keyed.audited}; ${cpu(r.keyed)}`);
  printCerbosLine(r.cerbos, r.keyed, undefined, r.version);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--rounds');
  print(await run({ quick: isQuick(), rounds: at > 0 ? Number(process.argv[at + 1]) : undefined }));
}
