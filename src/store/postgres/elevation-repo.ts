import type { ElevationRepo } from '../../elevation/repo.js';
import type { Elevation } from '../../elevation/types.js';
import type { Db } from './db.js';

/** Migration SQL of granted elevations (appended to the PostgreSQL migrations). */
export const PG_ELEVATIONS_SQL = `
  CREATE TABLE elevations (
    id text COLLATE "C" PRIMARY KEY,
    principal text COLLATE "C" NOT NULL,
    grp text COLLATE "C" NOT NULL,
    granted_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    revoked_at text COLLATE "C",
    doc text NOT NULL
  );
  CREATE INDEX elevations_principal ON elevations (principal, expires_at);
  CREATE INDEX elevations_granted ON elevations (granted_at, id);
`;

/** Migration 5: when an elevation's expiry was written to the audit log. */
export const PG_ELEVATION_EXPIRY_SQL = `
  ALTER TABLE elevations ADD COLUMN expiry_recorded_at text COLLATE "C";
  CREATE INDEX elevations_unrecorded ON elevations (expires_at) WHERE revoked_at IS NULL AND expiry_recorded_at IS NULL;
`;

const parse = (r: { doc: string }): Elevation => JSON.parse(r.doc) as Elevation;

/** ISO instants are compared as text (fixed-width UTC, "C" collation): the same order as time. */
export function createPgElevationRepo(db: Db): ElevationRepo {
  return {
    async expiredUnrecorded(nowIso, limit) {
      return (await db.query<{ doc: string }>('SELECT doc FROM elevations WHERE revoked_at IS NULL AND expiry_recorded_at IS NULL AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2', [nowIso, limit])).map(parse);
    },
    async markExpiryRecorded(id, atIso) {
      // A conditional update: of replicas racing on one expiry, exactly one sees a row.
      const rows = await db.query('UPDATE elevations SET expiry_recorded_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expiry_recorded_at IS NULL RETURNING id', [atIso, id]);
      return rows.length === 1;
    },
    async insert(e) {
      await db.query('INSERT INTO elevations (id, principal, grp, granted_at, expires_at, doc) VALUES ($1, $2, $3, $4, $5, $6)', [e.id, e.principal, e.group, e.grantedAt, e.expiresAt, JSON.stringify(e)]);
    },
    async get(id) {
      const [r] = await db.query<{ doc: string }>('SELECT doc FROM elevations WHERE id = $1', [id]);
      return r ? parse(r) : undefined;
    },
    async active(principal, nowIso) {
      return (await db.query<{ doc: string }>('SELECT doc FROM elevations WHERE principal = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY granted_at, id', [principal, nowIso])).map(parse);
    },
    async list(f) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (f.principal !== undefined) (args.push(f.principal), where.push(`principal = $${args.length}`));
      if (f.activeAt !== undefined) (args.push(f.activeAt), where.push(`revoked_at IS NULL AND expires_at > $${args.length}`));
      args.push(f.limit ?? 1000);
      const rows = await db.query<{ doc: string }>(`SELECT doc FROM elevations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY granted_at DESC, id DESC LIMIT $${args.length}`, args);
      return rows.map(parse);
    },
    async revoke(id, at, by, reason) {
      const [r] = await db.query<{ doc: string }>('SELECT doc FROM elevations WHERE id = $1', [id]);
      if (!r) return undefined;
      const next: Elevation = { ...parse(r), revokedAt: at, revokedBy: by, ...(reason !== undefined ? { revokeReason: reason } : {}) };
      // Conditional: of two concurrent revocations (or a revocation racing the expiry) one wins.
      const rows = await db.query('UPDATE elevations SET revoked_at = $1, doc = $2 WHERE id = $3 AND revoked_at IS NULL AND expires_at > $4 RETURNING id', [at, JSON.stringify(next), id, at]);
      return rows.length === 1 ? next : undefined;
    },
  };
}
