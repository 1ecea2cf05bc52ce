import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/verify.js';
import { loadConfig } from '../../src/config/load.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

// Votes are counted atomically (DESIGN §6; issue 12 "Quorum race"): two approvers in two
// processes voting at once on a quorum-2 approval end it `approved`, and one approver voting
// twice at once is stored once. Real processes on one SQLite file, reused across rounds.
const ROUNDS = 200;
const SYSTEM = { type: 'system', id: 'test', via: 'test' };

interface Voter {
  proc: ChildProcessWithoutNullStreams;
  next(): Promise<any>;
  send(cmd: object): void;
}

function startVoter(dataDir: string): Voter {
  const proc = spawn(process.execPath, ['test/fixtures/vote-race/voter.mjs', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: any[] = [];
  const waiting: ((v: any) => void)[] = [];
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.on('exit', (code) => {
    for (const w of waiting.splice(0)) w({ exited: code, stderr });
  });
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const v = JSON.parse(l);
    const w = waiting.shift();
    if (w) w(v);
    else lines.push(v);
  });
  return {
    proc,
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((r) => waiting.push(r))),
    send: (cmd) => proc.stdin.write(JSON.stringify(cmd) + '\n'),
  };
}

let dir: string;
let rt: Runtime;
let voters: Voter[] = [];

beforeAll(async () => {
  if (!existsSync('dist/runtime/runtime.js')) throw new Error('run `npm run build` first: the voter processes run dist/');
  dir = mkdtempSync(join(tmpdir(), 'airlock-vote-race-'));
  rt = await createRuntime(loadConfig({ dataDir: dir, policies: 'policies/example', checkpointIntervalMs: 0, logLevel: 'silent' }, {}));
  await rt.identities.createHuman({ id: 'olive', displayName: 'olive', groups: [], roles: [], links: {}, key: false }, SYSTEM);
  for (const id of ['fay', 'fred']) await rt.identities.createHuman({ id, displayName: id, groups: ['finance-approvers'], roles: ['approver'], links: {}, key: false }, SYSTEM);
  await rt.identities.createNhi({ id: 'pay-bot', kind: 'agent', owner: 'olive', groups: ['payment-agents'], environments: [], purpose: 'vote race', attributes: {}, key: false } as never, SYSTEM);
  voters = [startVoter(dir), startVoter(dir)];
  for (const v of voters) expect(await v.next()).toEqual({ ready: true });
}, 120_000);

afterAll(async () => {
  for (const v of voters) v.proc.stdin.end();
  await Promise.all(voters.map((v) => new Promise((r) => (v.proc.exitCode !== null ? r(null) : v.proc.on('exit', r)))));
  await rt?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openApproval(amount: number): Promise<string> {
  const d = await rt.gateway.authorize({ subject: { type: 'Agent', id: 'pay-bot' }, action: { name: 'payment.submit' }, resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount } });
  expect(d.outcome).toBe('approval_required');
  expect(d.approval?.quorum).toBe(2);
  return d.approval!.id;
}

/** Both voters vote at the same instant; resolves with both answers. */
async function voteAtOnce(id: string, approvers: [string, string]): Promise<any[]> {
  const at = performance.timeOrigin + performance.now() + 15;
  voters.forEach((v, i) => v.send({ id, approver: approvers[i], at }));
  return Promise.all(voters.map((v) => v.next()));
}

describe('votes from separate processes at once (one SQLite file; threats.md P6, §3.7 one vote per approver, first resolution final)', () => {
  it(`quorum 2, two approvers voting simultaneously: approved, ${ROUNDS} rounds without one wrong status; one approver twice at once: stored once`, async () => {
    const wrong: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = await openApproval(round + 1);
      const answers = await voteAtOnce(id, ['fay', 'fred']);
      const stored = await rt.store.approvals.get(id);
      if (!answers.every((a) => a.ok) || stored?.status !== 'approved' || stored.votes.length !== 2) {
        wrong.push(`round ${round}: answers ${JSON.stringify(answers)}, stored ${stored?.status} with ${stored?.votes.length} votes`);
      }
      if (round % 10 === 0) {
        const twice = await openApproval(5000 + round);
        const same = await voteAtOnce(twice, ['fay', 'fay']);
        const after = await rt.store.approvals.get(twice);
        if (same.filter((a) => a.ok).length !== 1 || after?.votes.length !== 1 || after.status !== 'pending') {
          wrong.push(`round ${round} (same approver twice): answers ${JSON.stringify(same)}, stored ${after?.status} with ${after?.votes.length} votes`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // Every vote is in the chain, and the chain is one intact chain across the three processes.
    expect((await verifyAudit(rt.store.audit)).ok).toBe(true);
  }, 600_000);
});
