import { AirlockError } from '../../core/errors.js';
import type { ApiKeyRecord, Identity } from '../../identity/types.js';
import type { CredentialRepo, IdentityRepo } from '../port.js';
import { appendInTx } from './audit-repo.js';
import { PG, pgCode, type Db } from './db.js';

interface IdentityRow {
  doc: string;
  last_used_at: string | null;
}
interface KeyRow {
  key_id: string;
  identity_id: string;
  hash: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string;
}

const toIdentity = (r: IdentityRow): Identity => {
  const i = JSON.parse(r.doc) as Identity;
  if (r.last_used_at !== null) i.lastUsedAt = r.last_used_at;
  return i;
};

const toKey = (r: KeyRow): ApiKeyRecord => {
  const k: ApiKeyRecord = { keyId: r.key_id, identityId: r.identity_id, hash: r.hash, createdAt: r.created_at, createdBy: r.created_by };
  if (r.label !== null) k.label = r.label;
  if (r.expires_at !== null) k.expiresAt = r.expires_at;
  if (r.revoked_at !== null) k.revokedAt = r.revoked_at;
  if (r.last_used_at !== null) k.lastUsedAt = r.last_used_at;
  return k;
};

/** Column values of an identity, in the order of IDENTITY_COLS; `doc` is everything but `lastUsedAt`. */
function identityValues(i: Identity): unknown[] {
  const { lastUsedAt: _ignored, ...doc } = i;
  const nhi = i.class === 'nhi' ? i : undefined;
  return [i.id, i.class, nhi?.kind ?? null, i.status, nhi?.owner ?? null, i.groups, nhi?.environments ?? [], i.createdAt, i.updatedAt, nhi?.expiresAt ?? null, JSON.stringify(doc)];
}
const IDENTITY_COLS = 'id, class, kind, status, owner, groups, environments, created_at, updated_at, expires_at, doc';

const keyValues = (k: ApiKeyRecord): unknown[] => [k.keyId, k.identityId, k.hash, k.label ?? null, k.createdAt, k.expiresAt ?? null, k.revokedAt ?? null, k.lastUsedAt ?? null, k.createdBy];
const KEY_COLS = 'key_id, identity_id, hash, label, created_at, expires_at, revoked_at, last_used_at, created_by';

/** `$1, $2, …` for n values starting after `offset`. */
const placeholders = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ');

/** `lastUsedAt` only rises: one statement for the whole batch, the newer time wins per row. */
async function touch(db: Db, table: 'identities' | 'api_keys', idCol: string, uses: ReadonlyMap<string, string>): Promise<void> {
  if (uses.size === 0) return;
  await db.query(
    `UPDATE ${table} t SET last_used_at = u.at
       FROM unnest($1::text[], $2::text[]) AS u(id, at)
      WHERE t.${idCol} = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)`,
    [[...uses.keys()], [...uses.values()]],
  );
}

/**
 * The registry in PostgreSQL. A change is a transaction that locks the row (`FOR UPDATE`), applies
 * the domain's pure mutation to the row as it is then, writes it and appends the audit record:
 * a concurrent change on another replica waits for the lock and sees the committed row.
 */
export function createPgIdentityRepos(db: Db): { identities: IdentityRepo; credentials: CredentialRepo } {
  const getIdentity = async (d: Db, id: string, lock = false): Promise<IdentityRow | undefined> =>
    (await d.query<IdentityRow>(`SELECT doc, last_used_at FROM identities WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]))[0];
  const getKey = async (d: Db, keyId: string, lock = false): Promise<KeyRow | undefined> =>
    (await d.query<KeyRow>(`SELECT * FROM api_keys WHERE key_id = $1${lock ? ' FOR UPDATE' : ''}`, [keyId]))[0];

  const identities: IdentityRepo = {
    async get(id) {
      const r = await getIdentity(db, id);
      return r ? toIdentity(r) : undefined;
    },
    async list(f) {
      const rows = await db.query<IdentityRow>(
        `SELECT doc, last_used_at FROM identities
          WHERE ($1::text IS NULL OR class = $1)
            AND ($2::text IS NULL OR kind = $2)
            AND ($3::text IS NULL OR status = $3)
            AND ($4::text IS NULL OR owner = $4)
            AND ($5::text IS NULL OR $5 = ANY (groups))
            AND ($6::text IS NULL OR $6 = ANY (environments))
          ORDER BY id LIMIT $7`,
        [f.class ?? null, f.kind ?? null, f.status ?? null, f.owner ?? null, f.group ?? null, f.environment ?? null, f.limit ?? null],
      );
      return rows.map(toIdentity);
    },
    async count() {
      const [r] = await db.query<{ n: string }>('SELECT count(*) AS n FROM identities');
      return Number(r!.n);
    },
    create(identity, keys, intent) {
      return db.atomic(async (tx) => {
        try {
          await tx.atomic((sp) => sp.query(`INSERT INTO identities (${IDENTITY_COLS}) VALUES (${placeholders(11)})`, identityValues(identity)));
        } catch (e) {
          if (pgCode(e) === PG.uniqueViolation) throw new AirlockError('ERR_IDENTITY_EXISTS', `identity ${identity.id} already exists`, { id: identity.id });
          throw e;
        }
        for (const k of keys) await tx.query(`INSERT INTO api_keys (${KEY_COLS}) VALUES (${placeholders(9)})`, keyValues(k));
        return (await appendInTx(tx, intent.writer, [intent.entry], intent.seal))[0]!;
      });
    },
    update(id, mutate, target) {
      return db.atomic(async (tx) => {
        const row = await getIdentity(tx, id, true);
        if (!row) return undefined;
        const change = mutate(toIdentity(row));
        if (!change) return { identity: toIdentity(row) };
        const v = identityValues(change.next);
        await tx.query(
          `UPDATE identities SET class = $2, kind = $3, status = $4, owner = $5, groups = $6, environments = $7, created_at = $8, updated_at = $9, expires_at = $10, doc = $11 WHERE id = $1`,
          [id, ...v.slice(1)],
        );
        const record = (await appendInTx(tx, target.writer, [change.entry], target.seal))[0]!;
        return { identity: toIdentity((await getIdentity(tx, id))!), record };
      });
    },
    recordUse(uses) {
      return touch(db, 'identities', 'id', uses);
    },
  };

  const credentials: CredentialRepo = {
    async get(keyId) {
      const r = await getKey(db, keyId);
      return r ? toKey(r) : undefined;
    },
    async listFor(identityId) {
      return (await db.query<KeyRow>('SELECT * FROM api_keys WHERE identity_id = $1 ORDER BY created_at, ord', [identityId])).map(toKey);
    },
    async listAll() {
      return (await db.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, ord')).map(toKey);
    },
    async countActive(nowIso) {
      const [r] = await db.query<{ n: string }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)', [nowIso]);
      return Number(r!.n);
    },
    insert(key, intent) {
      return db.atomic(async (tx) => {
        // FOR SHARE: the identity cannot be removed or re-keyed under us until this commits.
        const [owner] = await tx.query('SELECT 1 FROM identities WHERE id = $1 FOR SHARE', [key.identityId]);
        if (!owner) throw new AirlockError('ERR_NOT_FOUND', `no identity ${key.identityId}`);
        await tx.query(`INSERT INTO api_keys (${KEY_COLS}) VALUES (${placeholders(9)})`, keyValues(key));
        return (await appendInTx(tx, intent.writer, [intent.entry], intent.seal))[0]!;
      });
    },
    update(keyId, mutate, target) {
      return db.atomic(async (tx) => {
        const row = await getKey(tx, keyId, true);
        if (!row) return undefined;
        const change = mutate(toKey(row));
        if (!change) return { key: toKey(row) };
        const n = change.next;
        await tx.query('UPDATE api_keys SET label = $2, expires_at = $3, revoked_at = $4 WHERE key_id = $1', [keyId, n.label ?? null, n.expiresAt ?? null, n.revokedAt ?? null]);
        const record = (await appendInTx(tx, target.writer, [change.entry], target.seal))[0]!;
        return { key: toKey((await getKey(tx, keyId))!), record };
      });
    },
    recordUse(uses) {
      return touch(db, 'api_keys', 'key_id', uses);
    },
  };

  return { identities, credentials };
}
