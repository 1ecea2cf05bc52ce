/**
 * threats.md P3: N concurrent consumers of one approved approval on three replicas get exactly one
 * allow, 200 rounds in a row. Three real `serve` processes on one PostgreSQL database; in each
 * round the approval is opened on one replica, voted on the other two, and then six retries of the
 * approved action arrive at once, two at each replica. Needs `npm run build`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { postAs, seedPayments, serveExample, type ServeProcess } from './serve-process.js';

const ROUNDS = 200;
const CONSUMERS_PER_REPLICA = 2;

await describePostgres('approvals consumed across three replicas (threats.md P3)', (pg) => {
  it(`${ROUNDS} rounds: ${3 * CONSUMERS_PER_REPLICA} concurrent consumers on 3 replicas, exactly one allow each round`, async () => {
    const env = {
      AIRLOCK_DATABASE_URL: pg.url,
      AIRLOCK_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'airlock-p3-keys-')), 'keys.json'),
      // Every round leaves the losers' retry as a new pending request; keep the per-requester cap out of the way.
      AIRLOCK_APPROVAL_MAX_PENDING_PER_REQUESTER: '999',
    };
    const replicas: ServeProcess[] = [];
    const dirs = ['p3-a', 'p3-b', 'p3-c'].map((name) => ({ name, dir: mkdtempSync(join(tmpdir(), `airlock-${name}-`)) }));
    for (const { name, dir } of dirs) replicas.push(await serveExample(dir, { ...env, AIRLOCK_WRITER_ID: name }));
    try {
      const [r1, r2, r3] = replicas as [(typeof replicas)[0], (typeof replicas)[0], (typeof replicas)[0]];
      const admin = readFileSync(join(dirs[0]!.dir, 'admin.key'), 'utf8').trim();
      const { fay, fred, payBot, pay } = await seedPayments(r1.url, admin);

      const wrong: string[] = [];
      const at = [r1, r2, r3];
      for (let round = 0; round < ROUNDS; round++) {
        const payment = pay(100 + round);
        const opened = await postAs(at[round % 3]!.url, payBot, '/v1/authorize', payment);
        expect(opened.json.outcome, JSON.stringify(opened.json)).toBe('approval_required');
        const id = opened.json.approval.id as string;
        expect((await postAs(at[(round + 1) % 3]!.url, fay, `/v1/approvals/${id}/approve`, { reason: `round ${round}` })).json.status).toBe('pending');
        expect((await postAs(at[(round + 2) % 3]!.url, fred, `/v1/approvals/${id}/approve`, { reason: `round ${round}` })).json.status).toBe('approved');
        const answers = await Promise.all(at.flatMap((r) => Array.from({ length: CONSUMERS_PER_REPLICA }, () => postAs(r.url, payBot, '/v1/authorize', payment))));
        const allows = answers.filter((a) => a.status === 200 && a.json.outcome === 'allow').length;
        const failed = answers.filter((a) => a.status !== 200).length;
        if (allows !== 1 || failed > 0) wrong.push(`round ${round}: ${allows} allows, ${failed} errors (${answers.map((a) => a.json.outcome ?? a.status).join(', ')})`);
      }
      expect(wrong).toEqual([]);
    } finally {
      for (const r of replicas) r.proc.kill('SIGTERM');
    }
  });
});
