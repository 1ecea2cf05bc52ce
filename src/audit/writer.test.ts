import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../store/memory/memory-store.js';
import type { AuditRepo } from '../store/port.js';
import { systemClock } from '../core/clock.js';
import { createAuditWriter } from './writer.js';
import { verifyAudit } from './verify.js';

describe('audit writer (group commit)', () => {
  it('commits concurrent appends in few transactions, in order, chained', async () => {
    const store = openMemoryStore();
    let commits = 0;
    const repo: AuditRepo = { ...store.audit, append: (w, e, s) => (commits++, store.audit.append(w, e, s)) };
    const writer = createAuditWriter({ repo, writer: 'w', clock: systemClock, timeoutMs: 1000 });
    const recs = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.append('decision', { i })));
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(commits).toBeLessThan(5);
    expect((await verifyAudit(store.audit)).ok).toBe(true);
  });

  it('rejects every append of a failed batch with ERR_AUDIT_UNAVAILABLE and recovers after', async () => {
    const store = openMemoryStore();
    let fail = true;
    const repo: AuditRepo = { ...store.audit, append: async (w, e, s) => (fail ? Promise.reject(new Error('disk full')) : store.audit.append(w, e, s)) };
    const writer = createAuditWriter({ repo, writer: 'w', clock: systemClock, timeoutMs: 1000 });
    const results = await Promise.allSettled([writer.append('d', { a: 1 }), writer.append('d', { a: 2 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('ERR_AUDIT_UNAVAILABLE');
    fail = false;
    const ok = await writer.append('d', { a: 3 });
    expect(ok.seq).toBe(1);
  });

  it('times out an append that never commits (threats.md F2) and stays bounded', async () => {
    const store = openMemoryStore();
    const repo: AuditRepo = { ...store.audit, append: () => new Promise(() => undefined) };
    const writer = createAuditWriter({ repo, writer: 'w', clock: systemClock, timeoutMs: 50 });
    const started = Date.now();
    await expect(writer.append('d', {})).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses appends after close', async () => {
    const writer = createAuditWriter({ repo: openMemoryStore().audit, writer: 'w', clock: systemClock, timeoutMs: 100 });
    await writer.append('d', {});
    await writer.close();
    await expect(writer.append('d', {})).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
  });
});
