// Registry reads of one keyed HTTP decision (one API-key record, three identities: the caller,
// the subject, the subject's owner), in process, on the SQLite store with a file in WAL mode:
// this build (identities and keys kept in memory, checked with PRAGMA data_version once per
// request: each decision's reads run in a read scope, as an HTTP request's do) against another
// build's store (without a read scope module, each read checks) (AIRLOCK_BENCH_BASE=/path/to/built/checkout), interleaved rounds.
// `node bench/registry.mjs [--quick]` after `npm run build`. Not part of `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, isQuick } from './util.mjs';
import { loadAverage } from './pipeline.mjs';

const here = resolve(new URL('..', import.meta.url).pathname);
const T0 = '2026-01-01T00:00:00.000Z';

async function openAt(root) {
  const { openSqliteStore } = await import(pathToFileURL(join(root, 'dist/store/sqlite/sqlite-store.js')).href);
  const { sealRecord } = await import(pathToFileURL(join(root, 'dist/audit/chain.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-registry-'));
  const store = openSqliteStore({ path: join(dir, 'airlock.db') });
  const intent = { writer: 'main', seal: sealRecord, entry: { at: T0, kind: 'identity', record: { op: 'create' } } };
  await store.identities.create({ class: 'human', id: 'erin', displayName: 'Erin', groups: [], roles: ['admin'], links: {}, status: 'active', createdAt: T0, updatedAt: T0 }, [], intent);
  const agent = { class: 'nhi', id: 'bench-agent', kind: 'agent', displayName: 'bench-agent', owner: 'erin', groups: ['support-agents'], environments: ['production'], purpose: 'bench', status: 'active', attributes: {}, createdAt: T0, updatedAt: T0 };
  await store.identities.create(agent, [{ keyId: 'k1', identityId: 'bench-agent', hash: 'a'.repeat(64), createdAt: T0, createdBy: 'bench' }], intent);
  // The read scope an HTTP request runs in (src/store/read-scope.ts); builds before it have none.
  let scope = (fn) => fn();
  try {
    scope = (await import(pathToFileURL(join(root, 'dist/store/read-scope.js')).href)).inReadScope;
  } catch {
    // an older build: every read checks
  }
  return { store, dir, scope };
}

/** µs per decision's registry reads, over `n` decisions. */
async function round({ store, scope }, n) {
  const decision = async () => {
    const key = await store.credentials.get('k1');
    const caller = await store.identities.get(key.identityId);
    const subject = await store.identities.get('bench-agent');
    const owner = await store.identities.get(subject.owner);
    if (!caller || !owner) throw new Error('lookup failed');
  };
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await scope(decision);
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

export async function run({ quick = false, base = process.env.AIRLOCK_BENCH_BASE } = {}) {
  const n = quick ? 20_000 : 100_000;
  const rounds = quick ? 3 : 7;
  const sides = [['cached', await openAt(here)]];
  if (base) sides.push(['before', await openAt(resolve(base))]);
  for (const [, s] of sides) await round(s, 5_000); // warm-up
  const out = Object.fromEntries(sides.map(([k]) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const [k, s] of order) out[k].push(await round(s, n));
  }
  for (const [, s] of sides) {
    await s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
  return { n, rounds, base, ...out, load: loadAverage() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function print(r) {
  console.log(`Registry reads per keyed decision (1 key + 3 identities), SQLite file, ${r.rounds} interleaved rounds × ${r.n} (load ${r.load}); medians`);
  console.log(`   this build: ${fmt(median(r.cached), 1)} µs (rounds ${r.cached.map((x) => fmt(x, 1)).join(', ')})`);
  if (r.before) console.log(`   base ${r.base}: ${fmt(median(r.before), 1)} µs (rounds ${r.before.map((x) => fmt(x, 1)).join(', ')}); saved ${fmt(median(r.before) - median(r.cached), 1)} µs per decision`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
