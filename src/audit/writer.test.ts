import { describe, expect, it, vi } from 'vitest';
import { openMemoryStore } from '../store/memory/memory-store.js';
import type { AuditRepo, Store, Transactional } from '../store/port.js';
import { systemClock } from '../core/clock.js';
import { createAuditWriter } from './writer.js';
import { verifyAudit } from './verify.js';

/** The store, with every unit of work seeing `wrap(tx.audit)` as its audit repo (fault injection). */
function withAudit(store: Store, wrap: (inner: AuditRepo) => AuditRepo): Transactional {
  return { transaction: (work) => store.transaction((tx) => work({ ...tx, audit: wrap(tx.audit) })) };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('audit writer (group commit)', () => {
  it('commits concurrent appends in few transactions, in order, chained', async () => {
    const store = openMemoryStore();
    let commits = 0;
    const writer = createAuditWriter({ store: withAudit(store, (a) => ({ ...a, append: (w, e, s) => (commits++, a.append(w, e, s)) })), writer: 'w', clock: systemClock, timeoutMs: 1000 });
    const recs = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.append('decision', { i })));
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(commits).toBeLessThan(5);
    expect((await verifyAudit(store.audit)).ok).toBe(true);
  });

  it('writes the next batch while the previous one is being made durable; nobody is answered before its own', async () => {
    const store = openMemoryStore();
    const syncs: Array<() => void> = [];
    let written = 0;
    // A store whose unit resolves only after a "fsync" the test releases (the SQLite adapter's WAL sync).
    const slowSync: Transactional = {
      async transaction(work) {
        const out = await store.transaction((tx) => work({ ...tx, audit: { ...tx.audit, append: (w, e, sl) => (written++, tx.audit.append(w, e, sl)) } }));
        await new Promise<void>((r) => syncs.push(r));
        return out;
      },
    };
    const writer = createAuditWriter({ store: slowSync, writer: 'w', clock: systemClock, timeoutMs: 5000 });
    const answered: number[] = [];
    const first = writer.append('d', { i: 1 }).then((r) => answered.push(r.seq));
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    const second = writer.append('d', { i: 2 }).then((r) => answered.push(r.seq));
    // Batch 2 is written and committed while batch 1's sync is still pending.
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    expect(written).toBe(2);
    expect(answered).toEqual([]);
    syncs[1]!();
    syncs[0]!();
    await Promise.all([first, second]);
    expect(answered.sort()).toEqual([1, 2]);
    expect((await verifyAudit(store.audit)).ok).toBe(true);
    await writer.close();
  });

  it('rejects every append of a failed batch with ERR_AUDIT_UNAVAILABLE and recovers after', async () => {
    const store = openMemoryStore();
    let fail = true;
    const writer = createAuditWriter({ store: withAudit(store, (a) => ({ ...a, append: async (w, e, s) => (fail ? Promise.reject(new Error('disk full')) : a.append(w, e, s)) })), writer: 'w', clock: systemClock, timeoutMs: 1000 });
    const results = await Promise.allSettled([writer.append('d', { a: 1 }), writer.append('d', { a: 2 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('ERR_AUDIT_UNAVAILABLE');
    fail = false;
    const ok = await writer.append('d', { a: 3 });
    expect(ok.seq).toBe(1);
  });

  it('times out an append that never commits (threats.md F2) and stays bounded', async () => {
    const store = openMemoryStore();
    const writer = createAuditWriter({ store: withAudit(store, (a) => ({ ...a, append: () => new Promise(() => undefined) })), writer: 'w', clock: systemClock, timeoutMs: 50 });
    const started = Date.now();
    await expect(writer.append('d', {})).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a record whose caller was told "not recorded" never reaches the log later (stalled audit repo)', async () => {
    const store = openMemoryStore();
    const stall = gate();
    const entered = gate();
    // The first batch stalls inside the repo until released; appends behind it wait in the queue.
    const writer = createAuditWriter({
      store: withAudit(store, (a) => ({ ...a, append: async (w, e, s) => (entered.open(), await stall.opened, a.append(w, e, s)) })),
      writer: 'w',
      clock: systemClock,
      timeoutMs: 100,
    });
    const inFlight = writer.append('decision', { outcome: 'allow', n: 1 });
    await entered.opened;
    const queued = writer.append('decision', { outcome: 'allow', n: 2 });
    await expect(inFlight).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    await expect(queued).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    // The repo wakes up: the stalled batch must roll back rather than commit what was answered as deny.
    stall.open();
    const after = await writer.append('decision', { outcome: 'allow', n: 3 });
    const records = (await store.audit.read('w', 1, 10)).map((r) => JSON.parse(r.recordText).n);
    expect(records).toEqual([3]);
    expect(after.seq).toBe(1);
  });

  it('a commit already under way is not raced by the timeout: the caller gets its outcome', async () => {
    const store = openMemoryStore();
    const stall = gate();
    const committing = gate();
    // Stall after the append, as a slow COMMIT would: the unit has returned, the outcome is pending.
    const slowCommit: Transactional = {
      transaction: (work) =>
        store.transaction(async (tx) => {
          const out = await work(tx);
          committing.open();
          await stall.opened;
          return out;
        }),
    };
    const writer = createAuditWriter({ store: slowCommit, writer: 'w', clock: systemClock, timeoutMs: 50 });
    const pending = writer.append('decision', { n: 1 });
    let settled = false;
    void pending.finally(() => (settled = true)).catch(() => undefined);
    await committing.opened;
    // Several timeouts long while the commit is under way: the timer must not answer for it. Not a
    // speed assumption: Node fires timers in due-time order, so when this later, longer timer fires
    // the writer's 50 ms timer has fired already, however loaded the box is.
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    stall.open();
    expect((await pending).seq).toBe(1);
    expect((await store.audit.read('w', 1, 10)).length).toBe(1);
  });

  it('transaction(): state change and its record commit together; a unit past its timeout rolls back', async () => {
    const store = openMemoryStore();
    const writer = createAuditWriter({ store, writer: 'w', clock: systemClock, timeoutMs: 100 });
    const rec = await writer.transaction(async (tx, log) => {
      await tx.grants.redeem('j1', 'r', 'a', 'b');
      return log('grant.redeemed', { jti: 'j1' });
    });
    expect(rec.seq).toBe(1);
    const stall = gate();
    await expect(
      writer.transaction(async (tx, log) => {
        await tx.grants.redeem('j2', 'r', 'a', 'b');
        await stall.opened;
        return log('grant.redeemed', { jti: 'j2' });
      }),
    ).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    stall.open();
    await writer.append('marker', {}); // queued behind the rolled-back unit
    expect(await store.grants.redeem('j2', 'r', 'a', 'b')).toBe(true); // the unit's write did not commit
    expect((await store.audit.read('w', 1, 10)).map((r) => r.kind)).toEqual(['grant.redeemed', 'marker']);
  });

  it('refuses appends after close', async () => {
    const writer = createAuditWriter({ store: openMemoryStore(), writer: 'w', clock: systemClock, timeoutMs: 100 });
    await writer.append('d', {});
    await writer.close();
    await expect(writer.append('d', {})).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
  });
});
