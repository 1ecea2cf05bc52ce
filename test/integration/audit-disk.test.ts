/**
 * Disk per audited decision (issue 13): at most 1.3× the record's size. Measured on a real SQLite
 * file with decision-shaped records (~830 bytes of canonical JSON, like an allow with a grant),
 * appended in group commits as the writer does, then checkpointed so the WAL is in the file.
 * Also: a database written with the old WITHOUT ROWID table keeps its chain through migration 6.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sealRecord } from '../../src/audit/chain.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { uuidv7 } from '../../src/core/ids.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A decision record shaped like the gateway's (request, decision, grant claims). */
function decisionRecord(i: number): Record<string, unknown> {
  const requestId = uuidv7(1_800_000_000_000 + i);
  return {
    requestId,
    caller: { type: 'Workload', id: 'test-pep', via: 'http', keyId: 'a1b2c3d4e5f60718' },
    request: { subject: { type: 'user', id: `alice-${i % 50}` }, action: { name: 'read' }, resource: { type: 'record', id: `record-${i}` }, context: { environment: 'production' } },
    decision: { outcome: 'allow', reasons: [{ code: 'policy_permit', message: 'a permit policy matched', policyId: 'read-own-records' }], actionHash: 'sha256:' + 'ab'.repeat(32), policyVersion: 'sha256:' + 'cd'.repeat(32) },
    grant: { iss: 'airlock', sub: `Airlock::user::"alice-${i % 50}"`, aud: `Airlock::record::"record-${i}"`, jti: uuidv7(1_800_000_000_000 + i), iat: 1_800_000_000, exp: 1_800_000_060, ahash: 'sha256:' + 'ab'.repeat(32), rid: requestId },
  };
}

describe('audit disk footprint', () => {
  it('20,000 decisions take at most 1.3× their record bytes on disk', async () => {
    const path = join(dir, 'footprint.db');
    const store = openSqliteStore({ path });
    let recordBytes = 0;
    let exportBytes = 0;
    const N = 20_000;
    for (let i = 0; i < N; i += 100) {
      const entries = Array.from({ length: 100 }, (_, j) => ({ at: new Date(1_800_000_000_000 + i + j).toISOString(), kind: 'decision', record: decisionRecord(i + j) }));
      const recs = await store.audit.append('main', entries, sealRecord);
      for (const r of recs) {
        recordBytes += Buffer.byteLength(r.recordText);
        // The record as `audit export` prints it: the chain fields and the record.
        const { recordText, ...rest } = r;
        exportBytes += Buffer.byteLength(JSON.stringify({ ...rest, record: JSON.parse(recordText) }));
      }
    }
    const db = (store as unknown as { db: Database.Database }).db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const empty = openSqliteStore({ path: join(dir, 'empty.db') });
    await empty.close();
    await store.close();
    const perRecord = recordBytes / N;
    const perExport = exportBytes / N;
    const perDecision = (statSync(path).size - statSync(join(dir, 'empty.db')).size) / N;
    expect(perRecord).toBeGreaterThan(700);
    const figures = `${perDecision.toFixed(0)} bytes on disk per decision; record ${perRecord.toFixed(0)} bytes, sealed record (export line) ${perExport.toFixed(0)} bytes`;
    console.log(`audit disk: ${figures}`);
    expect(perDecision / perExport, figures).toBeLessThanOrEqual(1.3);
  }, 300_000);

  it('a log written in the old WITHOUT ROWID table keeps its chain, checkpoints and lookups through the migration', async () => {
    const path = join(dir, 'old.db');
    // Build a schema-5 database the way the previous version did, then let the store migrate it.
    const store = openSqliteStore({ path });
    const recs = await store.audit.append('main', Array.from({ length: 50 }, (_, i) => ({ at: new Date(1_800_000_000_000 + i).toISOString(), kind: 'decision', record: decisionRecord(i) })), sealRecord);
    await store.close();
    const db = new Database(path);
    db.exec(`CREATE TABLE audit_old (writer TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (writer, seq)) WITHOUT ROWID;
      INSERT INTO audit_old SELECT * FROM audit; DROP TABLE audit; ALTER TABLE audit_old RENAME TO audit;
      CREATE INDEX audit_request_id ON audit (json_extract(record, '$.requestId'));
      CREATE INDEX audit_approval_id ON audit (json_extract(record, '$.approvalId'));
      PRAGMA user_version = 5;`);
    expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit'").get() as { sql: string }).sql).toMatch(/WITHOUT ROWID/);
    db.close();

    const again = openSqliteStore({ path });
    try {
      const r = await verifyAudit(again.audit);
      expect(r.ok).toBe(true);
      expect(r.total).toBe(50);
      expect((await again.audit.head('main'))?.hash).toBe(recs.at(-1)!.hash);
      const found = await again.audit.find({ requestId: JSON.parse(recs[7]!.recordText).requestId });
      expect(found.map((x) => x.seq)).toEqual([8]);
      const check = new Database(path, { readonly: true });
      expect((check.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit'").get() as { sql: string }).sql).not.toMatch(/WITHOUT ROWID/);
      check.close();
    } finally {
      await again.close();
    }
  });
});
