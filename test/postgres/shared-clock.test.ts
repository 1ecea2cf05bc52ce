/**
 * threats.md P4: expiry is judged by one clock, the database's. Three real `serve` replicas on one
 * PostgreSQL database, two of them with their system clock moved two hours ahead and two hours
 * behind by libfaketime (Debian package `faketime`; LD_PRELOAD, the monotonic clock left alone).
 * Without one clock, an approval opened on the slow replica is already expired on the others, and
 * an approved one is expired on the fast replica; with it every replica agrees. Needs
 * `npm run build`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { postAs, seedPayments, serveExample, type ServeProcess } from './serve-process.js';

const FAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/faketime/libfaketimeMT.so.1'].find((p) => existsSync(p));
const HOUR = 3_600_000;

/** libfaketime moves this process's wall clock by `shift` ("+2h", "-2h"). */
const skewed = (shift: string): Record<string, string> => ({ LD_PRELOAD: FAKETIME!, FAKETIME: shift, FAKETIME_DONT_FAKE_MONOTONIC: '1' });

await describePostgres('one clock for every replica (threats.md P4)', (pg) => {
  it.skipIf(!FAKETIME && process.env['CI'] !== 'true')('replicas two hours ahead and behind judge approval expiry and stamp decisions by the database clock', async () => {
    expect(FAKETIME, 'libfaketime (Debian package faketime) is needed; .ci/run installs it').toBeDefined();
    const env = { AIRLOCK_DATABASE_URL: pg.url, AIRLOCK_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'airlock-p4-keys-')), 'keys.json') };
    const dirs = ['p4-true', 'p4-ahead', 'p4-behind'].map((name) => ({ name, dir: mkdtempSync(join(tmpdir(), `airlock-${name}-`)) }));
    const shifts = [{}, skewed('+2h'), skewed('-2h')];
    const replicas: ServeProcess[] = [];
    try {
      for (const [i, { name, dir }] of dirs.entries()) replicas.push(await serveExample(dir, { ...env, AIRLOCK_WRITER_ID: name, ...shifts[i] }));
      const [onTime, ahead, behind] = replicas as [(typeof replicas)[0], (typeof replicas)[0], (typeof replicas)[0]];
      // The shift is real: a process started the same way reads a clock two hours ahead.
      const probe = spawn(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], { env: { PATH: process.env['PATH'] ?? '', ...skewed('+2h') } });
      let probeOut = '';
      probe.stdout!.on('data', (d: Buffer) => (probeOut += d.toString()));
      await new Promise((ok) => probe.on('close', ok));
      expect(Number(probeOut) - Date.now()).toBeGreaterThan(HOUR);

      const admin = readFileSync(join(dirs[0]!.dir, 'admin.key'), 'utf8').trim();
      const { fay, fred, payBot, pay } = await seedPayments(onTime.url, admin);
      const nearNow = (iso: string) => Math.abs(Date.parse(iso) - Date.now()) < 5 * 60_000;

      // Opened on the replica two hours behind: its 30-minute lifetime is counted from the database's now.
      const opened = await postAs(behind.url, payBot, '/v1/authorize', pay(901));
      expect(opened.json.outcome, JSON.stringify(opened.json)).toBe('approval_required');
      expect(nearNow(opened.json.decidedAt)).toBe(true);
      const id = opened.json.approval.id as string;
      expect((await postAs(onTime.url, fay, `/v1/approvals/${id}/approve`, {})).json.status).toBe('pending');
      expect((await postAs(onTime.url, fred, `/v1/approvals/${id}/approve`, {})).json.status).toBe('approved');
      // Used on the replica two hours ahead: still within its lifetime there too.
      const used = await postAs(ahead.url, payBot, '/v1/authorize', pay(901));
      expect(used.json.outcome, JSON.stringify(used.json)).toBe('allow');
      expect(nearNow(used.json.decidedAt)).toBe(true);
      // Its grant, issued by the fast replica, redeems on the slow one (expiry by the same clock).
      const redeemed = await postAs(behind.url, payBot, '/v1/grants/redeem', { grant: used.json.grant, actionHash: used.json.actionHash });
      expect(redeemed.status, JSON.stringify(redeemed.json)).toBe(200);
    } finally {
      for (const r of replicas) r.proc.kill('SIGTERM');
    }
  });
});
