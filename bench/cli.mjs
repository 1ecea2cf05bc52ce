// CLI start-up (issue 14): a coding-agent command hook runs once per tool call, so its whole
// process lifetime is on the agent's path. Measures, in interleaved rounds (order rotated each
// round, so load drift hits all alike), the wall time of
//   node -e 0                                   — the floor: starting node at all
//   airlock --help                              — the CLI's own start-up
//   airlock hook claude-code … --gateway URL    — one PreToolUse (Read, allowed) against a served
//                                                 gateway, answer on stdout, durable audit record
// and prints each median and its ratio to `node -e 0`. Target: hook <= 3× node -e 0.
// `node bench/cli.mjs [--quick]` runs it alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, isQuick, summarize } from './util.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const CLI = join(root, 'dist/cli/main.js');

function timed(args, input) {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', fail);
    child.on('exit', (code) => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, out }));
    child.stdin.end(input ?? '');
  });
}

export async function run({ quick } = {}) {
  const { loadConfig } = await import(join(root, 'dist/config/load.js'));
  const { createRuntime } = await import(join(root, 'dist/runtime/runtime.js'));
  const { createHttpServer } = await import(join(root, 'dist/http/server.js'));
  const { createMetrics } = await import(join(root, 'dist/http/metrics.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-cli-'));
  const runtime = await createRuntime(loadConfig({ dataDir, policies: join(root, 'policies/example'), port: 0, checkpointIntervalMs: 0, logLevel: 'silent' }, {}));
  await runtime.bootstrapAdmin();
  const nhi = await runtime.identities.createNhi(
    { id: 'bench-agent', kind: 'agent', owner: 'admin', groups: [], environments: [], purpose: 'cli start-up bench', attributes: {}, key: true },
    { type: 'system', id: 'bench', via: 'bench' },
  );
  const keyFile = join(dataDir, 'agent.key');
  writeFileSync(keyFile, nhi.value.key.key, { mode: 0o600 });
  const app = createHttpServer({ runtime, metrics: createMetrics() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.server.address().port}`;
  const payload = JSON.stringify({ session_id: 's', transcript_path: '/home/u/.claude/p.jsonl', cwd: '/workspace', hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/workspace/README.md' }, tool_use_id: 'toolu_bench' });
  const kinds = {
    'node -e 0': () => timed(['-e', '0']),
    'airlock --help': () => timed([CLI, '--help']),
    'airlock hook claude-code --gateway': () => timed([CLI, 'hook', 'claude-code', '--subject', 'bench-agent', '--gateway', url, '--key-file', keyFile], payload),
  };
  // AIRLOCK_BENCH_BEFORE=/path/to/an/older/dist/cli/main.js adds that build's hook, for comparison.
  const before = process.env.AIRLOCK_BENCH_BEFORE;
  if (before) kinds['older build: hook claude-code --gateway'] = () => timed([before, 'hook', 'claude-code', '--subject', 'bench-agent', '--gateway', url, '--key-file', keyFile], payload);
  const names = Object.keys(kinds);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const ratios = { help: [], hook: [] };
  const rounds = quick ? 5 : 20;
  try {
    // one warm-up round (page cache), not counted
    for (const n of names) await kinds[n]();
    for (let r = 0; r < rounds; r++) {
      const round = {};
      for (let i = 0; i < names.length; i++) {
        const n = names[(r + i) % names.length];
        const res = await kinds[n]();
        if (n.includes('hook') && !res.out.includes('"permissionDecision":"allow"')) throw new Error(`the hook did not allow: ${res.out}`);
        samples[n].push(res.ms);
        round[n] = res.ms;
      }
      ratios.help.push(round['airlock --help'] / round['node -e 0']);
      ratios.hook.push(round['airlock hook claude-code --gateway'] / round['node -e 0']);
    }
  } finally {
    await app.close();
    await runtime.close();
  }
  const stats = Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
  return { rounds, stats, ratio: { help: summarize(ratios.help).p50, hook: summarize(ratios.hook).p50 } };
}

export function print(r) {
  console.log(`\nCLI start-up — ${r.rounds} interleaved rounds, wall time per process (ms)`);
  const base = r.stats['node -e 0'].p50;
  for (const [name, s] of Object.entries(r.stats)) console.log(`  ${name.padEnd(36)} p50 ${fmt(s.p50).padStart(7)}  p99 ${fmt(s.p99).padStart(7)}  ${fmt(s.p50 / base, 2)}× node -e 0`);
  console.log(`  median per-round ratio: hook ${fmt(r.ratio.hook, 2)}× (target <= 3×), --help ${fmt(r.ratio.help, 2)}×`);
}

if (import.meta.url === `file://${process.argv[1]}`) print(await run({ quick: isQuick() }));
