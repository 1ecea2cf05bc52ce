// `airlock serve` start-up to ready (the "listening on" line, after the bundle compiled, the store
// opened and the audit chain was checked) with the example bundle, on a fresh data directory and
// on a restart of the same one; `node -e 0` in the same rounds for scale. Target (issue 14): <= 2 s.
// Run: npm run build && node bench/startup.mjs [--quick]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, isQuick } from './util.mjs';
import { loadAverage } from './pipeline.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const TARGET_MS = 2000;

function timeServe(dataDir) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--data-dir', dataDir, '--policies', join(root, 'policies/example'), '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    let ms;
    child.stderr.on('data', (d) => {
      buf += d;
      if (ms === undefined && buf.includes('airlock: listening on')) {
        ms = performance.now() - started;
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => (ms === undefined ? fail(new Error(`serve exited ${code} before ready: ${buf}`)) : done(ms)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ quick = false } = {}) {
  const rounds = quick ? 3 : 7;
  const fresh = [];
  const restart = [];
  const node = [];
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-start-'));
    try {
      fresh.push(await timeServe(join(dir, 'data')));
      restart.push(await timeServe(join(dir, 'data')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    node.push(performance.now() - t);
  }
  return { name: 'startup', rounds, freshMs: median(fresh), restartMs: median(restart), nodeMs: median(node), load: loadAverage() };
}

export function print(r) {
  console.log(`startup. airlock serve to ready, example bundle, median of ${r.rounds} (load ${r.load})`);
  console.log(`   fresh data dir ${fmt(r.freshMs, 0)} ms, restart ${fmt(r.restartMs, 0)} ms; node -e 0 ${fmt(r.nodeMs, 0)} ms`);
  console.log(`   restart/target = ${fmt(r.restartMs / TARGET_MS, 2)} (target <= 1.0, i.e. <= ${TARGET_MS} ms)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
