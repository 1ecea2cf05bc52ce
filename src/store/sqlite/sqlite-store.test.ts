import { describe, expect, it } from 'vitest';
import { ChainVerifier, sealRecord } from '../../audit/chain.js';
import { runElevationContract } from '../elevation-contract.js';
import { approvalFixture, runApprovalRepoContract } from '../../approval/repo-contract.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChatStateContract } from '../chat-contract.js';
import { runHookPairingsContract } from '../hook-pairings-contract.js';
import { runStoreContract } from '../contract.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-')), 'airlock.db') }));

runApprovalRepoContract('sqlite store (migrated)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-apr-')), 'airlock.db') }).approvals);

runChatStateContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-chat-')), 'airlock.db') }));
runHookPairingsContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-hooks-')), 'airlock.db') }));

runElevationContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-elev-')), 'airlock.db') }));

describe('sqlite store: the audit append inside a unit of work (issue 14)', () => {
  const at = '2026-12-02T12:00:00.000Z';
  const entry = (i: number) => ({ at, kind: 'decision', record: { i } });
  const failingSeal: typeof sealRecord = () => {
    throw new Error('seal failed');
  };

  it('a failed append rolls the whole unit back even when the unit catches the error', async () => {
    const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-unit-')), 'airlock.db') });
    try {
      await store.audit.append('main', [entry(1)], sealRecord);
      await store.approvals.openOrGet(approvalFixture('a1'), at);
      const vote = { approver: 'Airlock::Human::"alice"', decision: 'approve' as const, reason: 'r', channel: 'api' as const, at };
      await expect(
        store.transaction(async (tx) => {
          await tx.approvals.recordVote('a1', vote, { status: 'approved', decidedAt: at }, at);
          // Two entries, the second fails to seal: the first is already inserted in the unit.
          await tx.audit.append('main', [entry(2), entry(3)], (w, h, e) => (e.record['i'] === 3 ? failingSeal(w, h, e) : sealRecord(w, h, e))).catch(() => undefined);
          return 'carried on';
        }),
      ).rejects.toThrow('seal failed');
      expect((await store.approvals.get('a1'))?.status).toBe('pending');
      expect((await store.audit.head('main'))?.seq).toBe(1);
      // The chain goes on from the last committed record.
      const [next] = await store.audit.append('main', [entry(4)], sealRecord);
      expect(next!.seq).toBe(2);
      expect(next!.prevHash).toBe((await store.audit.get('main', 1))!.hash);
    } finally {
      await store.close();
    }
  });

  it('appends in a unit commit with the unit, in order, chained to the records before them', async () => {
    const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-unit-')), 'airlock.db') });
    try {
      await store.audit.append('main', [entry(1)], sealRecord);
      const recs = await store.transaction(async (tx) => [...(await tx.audit.append('main', [entry(2), entry(3)], sealRecord)), ...(await tx.audit.append('main', [entry(4)], sealRecord))]);
      expect(recs.map((r) => r.seq)).toEqual([2, 3, 4]);
      const all = await store.audit.read('main', 1, 10);
      const v = new ChainVerifier('main');
      for (const r of all) expect(v.push(r)).toBe(true);
      expect(v.count).toBe(4);
    } finally {
      await store.close();
    }
  });
});
