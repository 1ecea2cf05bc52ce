// The floor under issue 14's HTTP targets: the CPU one keyed, allowed, durably audited decision
// cannot avoid, measured part by part, and what each target leaves per decision on this machine.
//
// Parts (each timed with process.cpuUsage over many repetitions in this process):
//   HTTP   — server CPU per request of a node:http server answering a constant, under the same
//            autocannon load as bench/http.mjs (read from /proc; the request is not even parsed);
//   key    — SHA-256 of the caller's API key (the lookup digest, src/identity/api-key.ts);
//   Cedar  — the raw statefulIsAuthorized call on the example bundle (bench/pipeline.mjs's baseline);
//   grant  — one Ed25519 execution grant (src/grants/grant.ts signGrant) with the claims of a real
//            decision;
//   seal   — the audit chain's canonical JSON + SHA-256 of that decision's real record
//            (src/audit/chain.ts sealRecord);
//   append — INSERT of the sealed row into the audit table's schema, 16 rows per COMMIT (WAL,
//            synchronous=NORMAL; the WAL fsync runs on another thread and costs the CPU of a
//            system call).
// Leaving out everything else a decision does (reading and validating the request, the registry,
// mapping to Cedar, approvals, delegation, the answer's JSON) makes the floor optimistic.
//
// Then, with the cores this machine has and the load generator's own CPU per request (it runs here
// too), the most decisions/s any design at the floor could answer, and the server CPU per decision
// each target allows: cores × 1 s / rate − load generator per request, assuming every core busy.
// `node bench/floor.mjs [--quick]` (after `npm run build`).
import { createHash, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig } from '../dist/config/load.js';
import { createRuntime } from '../dist/runtime/runtime.js';
import { sealRecord } from '../dist/audit/chain.js';
import { signGrant } from '../dist/grants/grant.js';
import { fmt, isQuick } from './util.mjs';
import { loadAverage, rawCall, representativeRequest } from './pipeline.mjs';
import { keyedRound, runCeiling } from './http.mjs';
import { cerbosBinary, cerbosRound } from './cerbos-pdp.mjs';

/** CPU µs per call of `fn`, over `n` calls after a warm-up. */
function cpuPerCall(fn, n) {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const u = process.cpuUsage(c);
  return (u.user + u.system) / n;
}

/** One real allowed decision of the representative request: its audit record, and the runtime's bundle for the raw Cedar call. */
async function realDecision(dir) {
  const config = loadConfig({ dataDir: dir, policies: 'policies/example', checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const runtime = await createRuntime(config, { policyThreads: 0 });
  try {
    const d = await runtime.gateway.authorize(representativeRequest);
    if (d.outcome !== 'allow') throw new Error(`the representative request was not allowed: ${d.outcome}`);
    const cedar = await rawCall(runtime.policies.current());
    const db = new Database(join(dir, 'airlock.db'), { readonly: true });
    const row = db.prepare(`SELECT at, kind, record FROM audit WHERE kind = 'decision' ORDER BY seq DESC LIMIT 1`).get();
    db.close();
    return { cedar, entry: { at: row.at, kind: row.kind, record: JSON.parse(row.record) } };
  } finally {
    await runtime.close();
  }
}

export async function run({ quick = false } = {}) {
  const n = quick ? 5_000 : 40_000;
  const seconds = quick ? 3 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-floor-'));
  try {
    const { cedar, entry } = await realDecision(join(dir, 'decide'));
    const claims = entry.record.grant;
    if (!claims) throw new Error('the decision record holds no grant claims');
    const { privateKey } = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const key = { kid: 'floor', privateKey };
    const apiKey = 'ak_' + 'x'.repeat(40);

    const db = new Database(join(dir, 'append.db'));
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE audit (writer TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (writer, seq)) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO audit (writer, seq, at, kind, prev_hash, hash, record) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const sealed = sealRecord('floor', undefined, entry);
    let seq = 0;

    const parts = {
      key: cpuPerCall(() => createHash('sha256').update(apiKey).digest(), n),
      cedar: cpuPerCall(() => cedar(), n),
      grant: cpuPerCall((i) => signGrant({ ...claims, jti: `${claims.jti}${i}` }, key), n),
      seal: cpuPerCall((i) => sealRecord('floor', { seq: i, hash: sealed.hash }, entry), n),
      append: cpuPerCall(() => {
        if (seq % 16 === 0) begin.run();
        seq++;
        insert.run('floor', seq, sealed.at, sealed.kind, sealed.prevHash, sealed.hash, sealed.recordText);
        if (seq % 16 === 0) commit.run();
      }, n - (n % 16)),
    };
    if (db.inTransaction) commit.run();
    db.close();

    const ceiling = await runCeiling(seconds);
    parts.http = ceiling.serverCpuUs;
    const keyed = await keyedRound(seconds);
    const found = cerbosBinary();
    const cerbos = found.skip ? undefined : await cerbosRound(found.bin, seconds);

    const floorUs = Object.values(parts).reduce((a, b) => a + b, 0);
    const cores = availableParallelism();
    // Every core busy, the load generator's CPU per request as measured against Airlock.
    const maxAt = (serverUs) => (cores * 1e6) / (serverUs + keyed.clientCpuUs);
    const budgetFor = (rate) => (cores * 1e6) / rate - keyed.clientCpuUs;
    const targets = [
      cerbos && { name: '>= 1.5× Cerbos', rate: 1.5 * cerbos.perSecond },
      { name: '>= 0.35× node:http constant answer', rate: 0.35 * ceiling.requests.average },
    ].filter(Boolean);
    return {
      name: 'floor',
      cores,
      parts,
      floorUs,
      keyed: { perSecond: keyed.perSecond, serverCpuUs: keyed.serverCpuUs, clientCpuUs: keyed.clientCpuUs },
      cerbos: cerbos && { version: found.version, perSecond: cerbos.perSecond, serverCpuUs: cerbos.serverCpuUs },
      cerbosSkip: found.skip,
      ceiling: { perSecond: ceiling.requests.average, serverCpuUs: ceiling.serverCpuUs },
      maxAtFloor: maxAt(floorUs),
      maxAtKeyed: maxAt(keyed.serverCpuUs),
      targets: targets.map((t) => ({ ...t, budgetUs: budgetFor(t.rate) })),
      load: loadAverage(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r) {
  const p = r.parts;
  console.log(`floor. CPU one keyed, allowed, durably audited HTTP decision cannot avoid, part by part (${r.cores} cores, load ${r.load})`);
  console.log(`   HTTP (node:http constant answer, server) ${fmt(p.http, 0)} µs + API key SHA-256 ${fmt(p.key, 1)} µs + Cedar raw call ${fmt(p.cedar, 0)} µs + Ed25519 grant ${fmt(p.grant, 0)} µs + audit seal ${fmt(p.seal, 0)} µs + audit INSERT/COMMIT ${fmt(p.append, 0)} µs`);
  console.log(`   floor ${fmt(r.floorUs, 0)} µs per decision; Airlock keyed now ${fmt(r.keyed.serverCpuUs, 0)} µs (${fmt(r.keyed.serverCpuUs / r.floorUs, 2)}× the floor) at ${fmt(r.keyed.perSecond, 0)}/s; load generator ${fmt(r.keyed.clientCpuUs, 0)} µs/request`);
  if (r.cerbos) console.log(`   Cerbos ${r.cerbos.version}: ${fmt(r.cerbos.perSecond, 0)}/s at ${fmt(r.cerbos.serverCpuUs, 0)} µs server CPU per decision`);
  else console.log(`   Cerbos: NOT MEASURED — ${r.cerbosSkip}`);
  console.log(`   with all ${r.cores} cores busy: at most ${fmt(r.maxAtFloor, 0)} decisions/s at the floor, ${fmt(r.maxAtKeyed, 0)}/s at Airlock's CPU per decision now`);
  for (const t of r.targets) {
    const verdict = t.budgetUs < r.floorUs ? 'below the floor: out of reach on this machine' : `${fmt(t.budgetUs / r.floorUs, 2)}× the floor`;
    console.log(`   target ${t.name} = ${fmt(t.rate, 0)}/s leaves ${fmt(t.budgetUs, 0)} µs of server CPU per decision (${verdict})`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
