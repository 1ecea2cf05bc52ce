// The named baseline of issue 14: the Cerbos PDP (pinned devDependency @cerbos/cerbos-linux-x64,
// which ships the server binary) answering the bench's keyed allow request through its AuthZEN
// endpoint, POST /access/v1/evaluation, on loopback, with the equivalent policy in
// bench/cerbos/tool.yaml and its decision log on (file backend). Cerbos writes that log through
// its logger without an fsync; Airlock answers only after its record is fsync'd.
//
// Used by bench/http.mjs (a Cerbos round in each of its rounds) and bench/cerbos.mjs (Airlock keyed
// vs Cerbos alone). On a platform other than linux-x64, or when the binary does not run, the
// caller is told why and measures nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fmt, freePort, withCpu } from './util.mjs';
import { representativeRequest } from './pipeline.mjs';

export const CERBOS_PACKAGE = '@cerbos/cerbos-linux-x64';
const policyDir = fileURLToPath(new URL('./cerbos/', import.meta.url));

/** The Cerbos binary and its version, or why it cannot be used here. */
export function cerbosBinary() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { skip: `${CERBOS_PACKAGE} ships a linux-x64 binary only; this is ${process.platform}-${process.arch}` };
  }
  let bin;
  try {
    bin = createRequire(import.meta.url).resolve(CERBOS_PACKAGE);
  } catch {
    return { skip: `${CERBOS_PACKAGE} is not installed (npm ci installs it as a devDependency)` };
  }
  if (!existsSync(bin)) return { skip: `${bin} is missing` };
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return { skip: `${bin} --version failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').slice(0, 200)}` };
  return { bin, version: r.stdout.split('\n')[0].trim() };
}

/** Starts Cerbos on loopback in `dir`; resolves once its health endpoint answers. */
export async function startCerbos(bin, dir) {
  const [http, grpc] = [await freePort(), await freePort()];
  const audit = join(dir, 'audit.log');
  writeFileSync(
    join(dir, 'cerbos.yaml'),
    [
      'server:',
      `  httpListenAddr: "127.0.0.1:${http}"`,
      `  grpcListenAddr: "127.0.0.1:${grpc}"`,
      'storage:',
      '  driver: disk',
      '  disk:',
      `    directory: ${JSON.stringify(policyDir)}`,
      '    watchForChanges: false',
      'audit:',
      '  enabled: true',
      '  accessLogsEnabled: false',
      '  decisionLogsEnabled: true',
      '  backend: file',
      '  file:',
      `    path: ${JSON.stringify(audit)}`,
      'telemetry:',
      '  disabled: true',
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['server', `--config=${join(dir, 'cerbos.yaml')}`, '--log-level=ERROR'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CERBOS_NO_TELEMETRY: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`cerbos exited with ${code}: ${stderr.slice(0, 500)}`))));
  exited.catch(() => {});
  const url = `http://127.0.0.1:${http}`;
  // Readiness: poll the health endpoint (each attempt waits for an answer or a refusal).
  for (;;) {
    const up = await Promise.race([
      fetch(`${url}/_cerbos/health`).then((r) => r.ok, () => false),
      exited,
    ]);
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, audit };
}

export async function stopCerbos(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The keyed request of bench/http.mjs as Cerbos needs it: the same subject, action, resource and
 * context, plus the attributes Airlock resolves from its registry and entities (groups, tool group).
 */
export const cerbosRequest = {
  ...representativeRequest,
  subject: { type: 'Agent', id: 'bench-agent', properties: { groups: ['support-agents'], suspended: false } },
  resource: { ...representativeRequest.resource, properties: { server: 'jira', groups: ['read-only-tools'] } },
};

const decisionsIn = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"log.kind":"decision"')).length : 0);

/** One Cerbos round: a fresh server, a probe that must allow, `seconds` of load at 32 connections. */
export async function cerbosRound(bin, seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-cerbos-'));
  const { child, url, audit } = await startCerbos(bin, dir);
  try {
    const body = JSON.stringify(cerbosRequest);
    const probe = await fetch(`${url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await probe.json();
    if (probe.status !== 200 || answer.decision !== true) throw new Error(`Cerbos did not allow the bench request: ${probe.status} ${JSON.stringify(answer)}`);
    const { r, serverCpuUs, clientCpuUs } = await withCpu(child.pid, () =>
      autocannon({
        url: `${url}/access/v1/evaluation`,
        method: 'POST',
        connections: 32,
        pipelining: 1,
        duration: seconds,
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    await stopCerbos(child);
    return { perSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, ok: r['2xx'], errors: r.errors + r.non2xx + r.timeouts, audited: decisionsIn(audit) - 1, serverCpuUs, clientCpuUs };
  } finally {
    await stopCerbos(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printCerbosLine(cerbos, keyed, skip, version) {
  if (skip) {
    console.log(`   Cerbos: NOT MEASURED — ${skip}; keyed/Cerbos (target >= 1.5) not computed`);
    return;
  }
  console.log(
    `   Cerbos ${version} AuthZEN /access/v1/evaluation (equivalent policy, decision log not fsync'd): ${fmt(cerbos.perSecond, 0)} decisions/s (rounds ${cerbos.rounds.join(', ')}), p50 ${fmt(cerbos.p50Ms, 1)} ms, p99 ${cerbos.p99Ms} ms, 2xx ${cerbos.ok}, errors ${cerbos.errors}; decision log ${cerbos.audited} records; server CPU ${fmt(cerbos.serverCpuUs, 0)} µs/decision, load generator ${fmt(cerbos.clientCpuUs, 0)} µs/request`,
  );
  console.log(`   keyed/Cerbos = ${fmt(keyed.perSecond / cerbos.perSecond, 3)} (target >= 1.5; Airlock's record is fsync'd before the answer, Cerbos's is not)`);
}

