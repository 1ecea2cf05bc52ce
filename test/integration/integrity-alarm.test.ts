/**
 * Issue 12, end to end: someone with write access to the SQLite file flips a pending approval to
 * `approved` with votes of their own making while `airlock serve` runs. The next use of that
 * approval is denied `approval_unverified`, the approval is not consumed, and the integrity alarm
 * fires in the metrics and the log. Real serve process, real file, the example bundle.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = resolve('dist/cli/main.js');
const BUNDLE = resolve('policies/example');

let dir: string;
let child: ChildProcessWithoutNullStreams;
let output = '';
let url: string;
let adminKey: string;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRLOCK_')) env[k] = v;
  return env;
}

async function call(path: string, key: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Resolves when `pattern` has appeared in the server's output (bounded, event driven). */
function outputMatches(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((res, rej) => {
    const check = () => {
      if (pattern.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        res();
      }
    };
    const timer = setTimeout(() => rej(new Error(`${pattern} not in the server output within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    check();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-alarm-'));
  child = spawn(process.execPath, [MAIN, 'serve', '--policies', BUNDLE, '--data-dir', dir, '--port', '0', '--log-level', 'info'], { env: cleanEnv() });
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  await outputMatches(/airlock: listening on http:\/\/\S+/);
  url = /airlock: listening on (http:\/\/\S+)/.exec(output)![1]!;
  adminKey = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an approval flipped in the database file is not used, and the alarm fires', () => {
  it('approval_unverified on use; not consumed; airlock_integrity_alarms_total and an error log line', async () => {
    expect((await call('/v1/humans', adminKey, { id: 'olive', displayName: 'Olive', groups: [], roles: [] })).status).toBe(201);
    const bot = await call('/v1/identities', adminKey, { id: 'pay-bot', kind: 'agent', owner: 'olive', groups: ['payment-agents'], purpose: 'pays suppliers' });
    expect(bot.status).toBe(201);
    const botKey = bot.json.key.key as string;
    const ask = { subject: { type: 'Agent', id: 'pay-bot' }, action: { name: 'payment.submit' }, resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount: 5000 } };

    const first = await call('/v1/authorize', botKey, ask);
    expect(first.status).toBe(200);
    expect(first.json.outcome, JSON.stringify(first.json.reasons)).toBe('approval_required');
    const approvalId = first.json.approval.id as string;

    // The attacker's edit: status approved, with two votes the audit chain never recorded.
    const db = new Database(join(dir, 'airlock.db'));
    db.pragma('busy_timeout = 30000');
    const at = new Date().toISOString();
    const vote = (who: string) => ({ approver: `Airlock::Human::"${who}"`, decision: 'approve', reason: 'ok', channel: 'api', at });
    const changed = db
      .prepare(`UPDATE approvals SET status = 'approved', doc = json_set(doc, '$.status', 'approved', '$.decidedAt', ?, '$.votes', json(?)) WHERE id = ?`)
      .run(at, JSON.stringify([vote('ghost-1'), vote('ghost-2')]), approvalId);
    db.close();
    expect(changed.changes).toBe(1);

    const second = await call('/v1/authorize', botKey, ask);
    expect(second.status).toBe(200);
    expect(second.json.outcome).toBe('deny');
    expect(second.json.reasons.map((r: { code: string }) => r.code)).toContain('approval_unverified');

    const stored = await call(`/v1/approvals/${approvalId}`, adminKey);
    expect(stored.status).toBe(200);
    expect(stored.json.status).toBe('approved'); // not consumed: the forged approval is never used

    const metrics = await call('/metrics', adminKey);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/airlock_integrity_alarms_total\{kind="approval_unverified"\} 1/);
    await outputMatches(/integrity alarm/);
    expect(output).toContain(approvalId);
  }, 120_000);
});
