/**
 * Issue 13: three `serve` replicas on one PostgreSQL database behind HAProxy, under the faults a
 * deployment meets: 20 rounds of SIGKILL to a random replica in the middle of load, each killed
 * replica started again and back in the balancer, then every database connection cut at once.
 * Throughout, no answer is wrong (a request the policy denies is never allowed; a fault may only
 * turn an allow into a deny), every decision a client was given is in the audit log, every allow
 * has its record, every replica's chain verifies, and approvals, single use and suspension hold
 * across replicas. Real processes (serve, haproxy), real database.
 * Needs `npm run build` and haproxy (Debian package; .ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { runProcess } from '../helpers/run-process.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';

const CLI = resolve('dist/cli/main.js');
const BUNDLE = resolve('policies/example');
const HAPROXY = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
const CONCURRENCY = 8;
/** kill -9 rounds (issue 13 "Proof": 20, a random replica each). */
const ROUNDS = 20;

interface Replica {
  name: string;
  dataDir: string;
  proc: ChildProcess;
  url: string;
  port: number;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
const output = new Map<string, string>();
const dirs: string[] = [];

const closeLater: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of closeLater) await c().catch(() => undefined);
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRLOCK_')) env[k] = v;
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startReplica(name: string, dataDir: string, env: Record<string, string>, port = 0): Promise<Replica> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data-dir', dataDir, '--policies', BUNDLE, '--log-level', 'warn'], {
    env: cleanEnv({ ...env, AIRLOCK_WRITER_ID: name }),
  });
  started.push(proc);
  let err = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((ok, fail) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      output.set(name, err);
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(err);
      if (m) ok({ name, dataDir, proc, url: m[1]!, port: Number(m[2]), exited });
    });
    proc.stdout!.on('data', (d: Buffer) => output.set(name, (output.get(name) ?? '') + d.toString()));
    void exited.then((code) => fail(new Error(`${name} exited ${code}: ${err}`)));
  });
}

function startHaproxy(port: number, replicas: Replica[]): ChildProcess {
  const dir = tempDir('airlock-haproxy-');
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 120s',
      '  timeout server 120s',
      // A refused connection (a dead replica) is retried on another one; a request that reached a
      // replica is never replayed (it may have been decided and audited).
      '  retries 3',
      '  option redispatch 1',
      '  retry-on conn-failure',
      'frontend airlock',
      `  bind 127.0.0.1:${port}`,
      '  default_backend replicas',
      'backend replicas',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      '  default-server inter 300ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down',
      ...replicas.map((r) => `  server ${r.name} 127.0.0.1:${r.port} check`),
      '',
    ].join('\n'),
  );
  const proc = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  proc.stdout!.resume();
  proc.stderr!.resume();
  return proc;
}

interface Answer {
  expect: 'allow' | 'deny';
  status: number;
  outcome?: string;
  reasons?: string[];
  requestId?: string;
  error?: string;
}

async function ask(base: string, key: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

async function post(base: string, key: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

/** Reason codes a fault may turn an allow into (fail closed); never anything that allows. */
const FAULT_CODES = new Set(['audit_unavailable', 'internal_error', 'store_unavailable']);

/**
 * Runs `CONCURRENCY` clients through the balancer; `during(doneSoFar)` is called once when `at`
 * answers have arrived. Stops after `total` answers.
 */
async function load(base: string, key: string, done: (answers: Answer[]) => boolean, at: number, during: () => Promise<void>, limitMs = 180_000, answers: Answer[] = []): Promise<Answer[]> {
  const end = Date.now() + limitMs;
  let stop = false;
  let sent = 0;
  let fired: Promise<void> | undefined;
  const allow = { subject: { type: 'Agent', id: 'load-bot' }, action: { name: 'secret.read' }, resource: { type: 'Secret', id: 'staging-db-password' } };
  const deny = { subject: { type: 'Agent', id: 'load-bot' }, action: { name: 'secret.read' }, resource: { type: 'Secret', id: 'prod-db-password' } };
  const client = async () => {
    while (!stop) {
      const n = sent++;
      const expected = n % 2 === 0 ? 'allow' : 'deny';
      try {
        const r = await ask(base, key, expected === 'allow' ? allow : deny);
        answers.push({ expect: expected, status: r.status, outcome: r.json.outcome, reasons: (r.json.reasons ?? []).map((x: { code: string }) => x.code), requestId: r.json.requestId });
      } catch (e) {
        answers.push({ expect: expected, status: 0, error: (e as Error).message });
      }
      if (!fired && answers.length >= at) fired = during();
      if (fired && (done(answers) || Date.now() > end)) stop = true;
      // A balancer with no server up answers at once; do not spin on it.
      else if (answers.at(-1)!.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  await fired;
  return answers;
}

/**
 * `CONCURRENCY` clients asking through the balancer until `stop()`, recording every answer: the
 * load the kill -9 rounds run under.
 */
function startLoad(base: string, key: string): { answers: Answer[]; stop(): Promise<void> } {
  let stopped = false;
  const answers: Answer[] = [];
  const done = load(base, key, () => stopped, 0, async () => undefined, 3_600_000, answers);
  return {
    answers,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Every decision a client was given is in the audit log (an `audit_unavailable` deny is by
 * definition the one answer without a record), and every allow a client was given has a decision
 * record that says allow.
 */
async function expectLogged(db: pg.Client, answers: Answer[], when: string): Promise<void> {
  const given = answers.filter((a) => a.status === 200 && !(a.reasons ?? []).includes('audit_unavailable'));
  expect(given.filter((a) => !a.requestId), `${when}: answers without a request id`).toEqual([]);
  const { rows } = await db.query<{ request_id: string; outcome: string }>("SELECT request_id, record::jsonb->'decision'->>'outcome' AS outcome FROM audit WHERE kind = 'decision' AND request_id = ANY($1)", [given.map((a) => a.requestId!)]);
  const logged = new Map(rows.map((r) => [r.request_id, r.outcome]));
  expect(given.filter((a) => !logged.has(a.requestId!)), `${when}: acknowledged decisions missing from the audit log`).toEqual([]);
  expect(given.filter((a) => a.outcome === 'allow' && logged.get(a.requestId!) !== 'allow'), `${when}: allows without an allow record`).toEqual([]);
}

/** The last `n` answers are all correct (a recovered deployment), after at least `min` answers. */
const recovered = (n: number, min: number) => (answers: Answer[]) =>
  answers.length >= min && answers.length >= n && answers.slice(-n).every((a) => a.status === 200 && a.outcome === a.expect);

/** No answer is wrong: a deny stays a deny; an allow is an allow or a fail-closed deny. */
function wrongAnswers(answers: Answer[]): Answer[] {
  return answers.filter((a) => {
    if (a.status !== 200) return false;
    if (a.expect === 'deny') return a.outcome !== 'deny';
    return !(a.outcome === 'allow' || (a.outcome === 'deny' && (a.reasons ?? []).every((c) => FAULT_CODES.has(c))));
  });
}

await describePostgres('three replicas behind HAProxy under faults', (pgc) => {
  it.skipIf(!HAPROXY && process.env['CI'] !== 'true')(`kill -9 of a random replica under load, ${ROUNDS} rounds, each rejoining; all database connections cut: no wrong answer, nothing acknowledged lost, no allow without its record, chains verify after every round, approvals and suspension hold across replicas (threats.md P3, §3.7 two replicas at once)`, async () => {
    expect(HAPROXY, 'haproxy is not installed (apt-get install haproxy; .ci/run does)').not.toBe('');
    // One key document shared by every replica (docs/deployment.md "Signing keys"): the first
    // replica creates it, the others start after it.
    const keyFile = join(tempDir('airlock-keys-'), 'keys.json');
    const env = { AIRLOCK_DATABASE_URL: pgc.url, AIRLOCK_KEY_FILE: keyFile };
    const r1 = await startReplica('r1', tempDir('airlock-r1-'), env);
    const r2 = await startReplica('r2', tempDir('airlock-r2-'), env);
    const r3 = await startReplica('r3', tempDir('airlock-r3-'), env);
    const admin = readFileSync(join(r1.dataDir, 'admin.key'), 'utf8').trim();

    const lbPort = await freePort();
    const lb = `http://127.0.0.1:${lbPort}`;
    startHaproxy(lbPort, [r1, r2, r3]);
    await until('haproxy forwards', async () => ((await fetch(`${lb}/readyz`)).status === 200 ? true : undefined));

    const created = async (path: string, body: object) => {
      const r = await post(lb, admin, path, body);
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return r.json.key?.key as string;
    };
    await created('/v1/humans', { id: 'olive', displayName: 'Olive', groups: [], roles: [] });
    const fay = await created('/v1/humans', { id: 'fay', displayName: 'Fay', groups: ['finance-approvers'], roles: ['approver'] });
    const fred = await created('/v1/humans', { id: 'fred', displayName: 'Fred', groups: ['finance-approvers'], roles: ['approver'] });
    const loadBot = await created('/v1/identities', { id: 'load-bot', kind: 'agent', owner: 'olive', groups: [], purpose: 'reads secrets under load' });
    const payBot = await created('/v1/identities', { id: 'pay-bot', kind: 'agent', owner: 'olive', groups: ['payment-agents'], purpose: 'pays suppliers' });

    const replicas = [r1, r2, r3];
    const db = new pg.Client({ connectionString: pgc.url });
    closeLater.push(() => db.end());
    db.on('error', (e) => process.stderr.write(`[replicas] check connection: ${e.message}\n`));
    await db.connect();
    const verifyAll = async (when: string) => {
      const v = await runProcess(process.execPath, [CLI, 'audit', 'verify', '--store', pgc.url, '--data-dir', r1.dataDir], { env: cleanEnv({ AIRLOCK_KEY_FILE: keyFile }), timeout: 120_000 });
      expect(v.status, `audit verify ${when}: ${v.stdout}${v.stderr}`).toBe(0);
    };

    // 1. kill -9 of a random replica under load, ROUNDS times. Eight clients ask through the
    // balancer the whole time and record every answer. Each round: the victim dies mid-load, starts
    // again on its data directory, port and writer id (the OS lock of the dead process is gone with
    // it), is ready (/readyz) and decides again through the balancer; then nothing a client was told
    // so far is missing from the log, every allow has its record, and every chain verifies.
    // After each round the chains are verified in this process with the function `audit verify`
    // runs (every record re-hashed and linked, every stored checkpoint still in its chain); the
    // `audit verify` command itself, which also checks the checkpoint signatures with the
    // deployment's keys, runs after the last round and after the cut. (As a process per round it
    // costs a node start each time: 20 of them took longer than the rounds at load 18.)
    const chains = await openPostgresStore({ url: pgc.url, poolSize: 2 });
    const traffic = startLoad(lb, loadBot);
    let checkedUpTo = 0;
    const kills = [0, 0, 0];
    const roundsStarted = Date.now();
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const at = Math.floor(Math.random() * replicas.length);
        const victim = replicas[at]!;
        kills[at]!++;
        // The kill lands under load: wait for fresh answers since the last round first.
        const seen = traffic.answers.length;
        await until(`round ${round}: load flows`, async () => (traffic.answers.length >= seen + 2 * CONCURRENCY ? true : undefined), 60_000);
        const killedAt = Date.now();
        victim.proc.kill('SIGKILL');
        await victim.exited;
        const { rows } = await db.query<{ s: string }>('SELECT coalesce(max(seq), 0)::text AS s FROM audit WHERE writer = $1', [victim.name]);
        const back = await startReplica(victim.name, victim.dataDir, env, victim.port);
        replicas[at] = back;
        await until(`round ${round}: ${victim.name} ready`, async () => ((await fetch(`${back.url}/readyz`)).status === 200 ? true : undefined));
        const ready = Date.now();
        // Back in the balancer: a decision through it lands in its own chain after the restart.
        await until(`round ${round}: ${victim.name} decides through the balancer`, async () => {
          const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit WHERE writer = $1 AND seq > $2 AND kind = 'decision'", [victim.name, rows[0]!.s]);
          return r.rows[0]!.n > 0 ? true : undefined;
        });

        const answers = traffic.answers.slice(checkedUpTo);
        checkedUpTo += answers.length;
        expect(wrongAnswers(answers), `round ${round}`).toEqual([]);
        // Requests in flight on the killed replica fail (a request that reached it is never
        // replayed); a refused connection is retried elsewhere by the balancer.
        expect(answers.filter((a) => a.status !== 200).length, `round ${round}: failed answers`).toBeLessThanOrEqual(2 * CONCURRENCY);
        const rejoined = Date.now();
        await expectLogged(db, answers, `round ${round}`);
        const report = await verifyAudit(chains.audit);
        expect(report.ok, `chains after round ${round}: ${JSON.stringify(report.writers)}`).toBe(true);
        process.stderr.write(`[replicas] round ${round}: ${victim.name} killed, ready again in ${ready - killedAt} ms, deciding through the balancer after ${rejoined - killedAt} ms; ${answers.length} answers and the chains checked in ${Date.now() - rejoined} ms\n`);
      }
    } finally {
      await traffic.stop();
      await chains.close();
    }
    const rounds = traffic.answers;
    const failedInRounds = rounds.filter((a) => a.status !== 200);
    process.stderr.write(
      `[replicas] ${ROUNDS} kill -9 rounds (r1/r2/r3 killed ${kills.join('/')}) in ${Date.now() - roundsStarted} ms: ${rounds.length} answers, ${failedInRounds.length} failed (${[...new Set(failedInRounds.map((a) => a.status || a.error))].join(', ')})\n`,
    );
    expect(wrongAnswers(rounds)).toEqual([]);
    await expectLogged(db, rounds, 'after the rounds');
    await verifyAll('after the rounds');

    // 2. Every database connection of the deployment cut at once (a database restart, as the
    // replicas see it), while the clients keep asking.
    let cut = 0;
    const severed = await load(lb, loadBot, recovered(200, 600), 100, async () => {
      const r = await db.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      cut = r.rows[0].n;
    });
    expect(cut).toBeGreaterThan(0);
    expect(wrongAnswers(severed)).toEqual([]);
    const failClosed = severed.filter((a) => a.status !== 200 || (a.expect === 'allow' && a.outcome !== 'allow'));
    const tally = new Map<string, number>();
    for (const a of failClosed) tally.set(`${a.status} ${a.outcome ?? a.error} ${(a.reasons ?? []).join('+')}`, (tally.get(`${a.status} ${a.outcome ?? a.error} ${(a.reasons ?? []).join('+')}`) ?? 0) + 1);
    process.stderr.write(`[replicas] ${cut} connections cut: ${severed.length} answers, ${failClosed.length} failed closed: ${JSON.stringify([...tally])}\n`);
    // The pools reconnect: the replicas answer correctly again.
    if (!recovered(200, 600)(severed)) {
      const state = await Promise.all(replicas.map(async (r) => `${r.name}: ${await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then((x) => x.text(), (e: Error) => e.message)}`));
      const pgState = await db.query("SELECT application_name, state, wait_event_type, wait_event, left(query, 80) AS q FROM pg_stat_activity WHERE datname = current_database()");
      throw new Error(`the deployment did not recover after the cut: ${state.join(' | ')}; exit ${replicas.map((r) => `${r.proc.exitCode}/${r.proc.signalCode}`).join(' ')}; sessions ${JSON.stringify(pgState.rows)}; r1 said: ${output.get('r1')?.split('\n').filter((l) => l.includes('"level":60')).join('\n').slice(0, 6000)}`);
    }

    // 3. Nothing a client was told is missing from the log, and every chain verifies.
    await expectLogged(db, severed, 'after the cut');
    const writers = await db.query('SELECT DISTINCT writer FROM audit ORDER BY writer');
    expect(writers.rows.map((r: { writer: string }) => r.writer)).toEqual(['r1', 'r2', 'r3']);
    await verifyAll('after the cut');

    // 4. Across replicas: asked on r1, approved on r3 and r2, used on r2 exactly once.
    const payment = { subject: { type: 'Agent', id: 'pay-bot' }, action: { name: 'payment.submit' }, resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount: 900 } };
    const opened = await ask(r1.url, payBot, payment);
    expect(opened.json.outcome).toBe('approval_required');
    const id = opened.json.approval.id as string;
    expect((await post(r3.url, fay, `/v1/approvals/${id}/approve`, { reason: 'invoice 17' })).status).toBe(200);
    expect((await post(replicas[1]!.url, fred, `/v1/approvals/${id}/approve`, { reason: 'invoice 17' })).status).toBe(200);
    const used = await ask(replicas[1]!.url, payBot, payment);
    expect(used.json.outcome).toBe('allow');
    const again = await ask(r3.url, payBot, payment);
    expect(again.json.outcome).not.toBe('allow');

    // 5. A suspension on one replica holds on the next request to another.
    expect((await post(r1.url, admin, '/v1/identities/load-bot/suspend')).status).toBe(200);
    const afterSuspend = await ask(r3.url, loadBot, { subject: { type: 'Agent', id: 'load-bot' }, action: { name: 'secret.read' }, resource: { type: 'Secret', id: 'staging-db-password' } });
    expect(afterSuspend.status === 401 || afterSuspend.json.outcome === 'deny', JSON.stringify(afterSuspend.json)).toBe(true);
    // Each round starts a fresh `serve` (about 2 s on a quiet box, 13–23 s at load 17).
  }, 1_500_000);
});
