import type Database from 'better-sqlite3';
import type { ElevationRepo } from '../../elevation/repo.js';
import type { Elevation } from '../../elevation/types.js';

/**
 * Schema of granted elevations (appended to the SQLite migrations). IF NOT EXISTS: a database
 * whose `user_version` was set back (a restore of an older copy's header, a test rebuilding an
 * old layout) re-runs it without harm.
 */
export const ELEVATIONS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS elevations (
    id TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    grp TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS elevations_principal ON elevations (principal, expires_at);
  CREATE INDEX IF NOT EXISTS elevations_granted ON elevations (granted_at, id);
`;

/**
 * Migration 9: when an elevation's expiry was written to the audit log (an expiry is a time
 * comparison, so without this nothing would record that it ended). SQLite has no ADD COLUMN IF
 * NOT EXISTS; like the other migrations it must re-run without harm on a database whose
 * `user_version` was set back, so it looks first.
 */
export function migrateElevationExpiry(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(elevations)').all();
  if (!columns.some((c) => c.name === 'expiry_recorded_at')) db.exec('ALTER TABLE elevations ADD COLUMN expiry_recorded_at TEXT');
  db.exec('CREATE INDEX IF NOT EXISTS elevations_unrecorded ON elevations (expires_at) WHERE revoked_at IS NULL AND expiry_recorded_at IS NULL');
}

const parse = (r: { doc: string }): Elevation => JSON.parse(r.doc) as Elevation;

export function createSqliteElevationRepo(db: Database.Database): ElevationRepo {
  const insert = db.prepare<[string, string, string, string, string, string]>('INSERT INTO elevations (id, principal, grp, granted_at, expires_at, doc) VALUES (?, ?, ?, ?, ?, ?)');
  const get = db.prepare<[string], { doc: string }>('SELECT doc FROM elevations WHERE id = ?');
  const active = db.prepare<[string, string], { doc: string }>('SELECT doc FROM elevations WHERE principal = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY granted_at, id');
  // The first revocation of a still-active row wins (the row count is the answer).
  const revoke = db.prepare<[string, string, string, string], { doc: string }>('UPDATE elevations SET revoked_at = ?, doc = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ? RETURNING doc');
  const unrecorded = db.prepare<[string, number], { doc: string }>('SELECT doc FROM elevations WHERE revoked_at IS NULL AND expiry_recorded_at IS NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?');
  const markRecorded = db.prepare<[string, string]>('UPDATE elevations SET expiry_recorded_at = ? WHERE id = ? AND revoked_at IS NULL AND expiry_recorded_at IS NULL');
  return {
    async expiredUnrecorded(nowIso, limit) {
      return unrecorded.all(nowIso, limit).map(parse);
    },
    async markExpiryRecorded(id, atIso) {
      return markRecorded.run(atIso, id).changes === 1;
    },
    async insert(e) {
      insert.run(e.id, e.principal, e.group, e.grantedAt, e.expiresAt, JSON.stringify(e));
    },
    async get(id) {
      const r = get.get(id);
      return r ? parse(r) : undefined;
    },
    async active(principal, nowIso) {
      return active.all(principal, nowIso).map(parse);
    },
    async list(f) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (f.principal !== undefined) (where.push('principal = ?'), args.push(f.principal));
      if (f.activeAt !== undefined) (where.push('revoked_at IS NULL AND expires_at > ?'), args.push(f.activeAt));
      args.push(f.limit ?? 1000);
      const rows = db.prepare<(string | number)[], { doc: string }>(`SELECT doc FROM elevations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY granted_at DESC, id DESC LIMIT ?`).all(...args);
      return rows.map(parse);
    },
    async revoke(id, at, by, reason) {
      const r = get.get(id);
      if (!r) return undefined;
      const next: Elevation = { ...parse(r), revokedAt: at, revokedBy: by, ...(reason !== undefined ? { revokeReason: reason } : {}) };
      return revoke.get(at, JSON.stringify(next), id, at) ? next : undefined;
    },
  };
}
