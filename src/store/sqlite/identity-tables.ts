import type Database from 'better-sqlite3';
import { AirlockError } from '../../core/errors.js';
import type { ApiKeyRecord, Identity } from '../../identity/types.js';
import type { AuditEntry, AuditRecord, CredentialRepo, IdentityRepo, Mutation, SealFn } from '../port.js';

type AppendFn = (writer: string, entries: AuditEntry[], seal: SealFn) => AuditRecord[];

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

/** Columns of an identity; `doc` holds everything but `lastUsedAt`, which has its own column. */
function identityParams(i: Identity) {
  const { lastUsedAt: _ignored, ...doc } = i;
  return {
    id: i.id,
    class: i.class,
    kind: i.class === 'nhi' ? i.kind : null,
    status: i.status,
    owner: i.class === 'nhi' ? i.owner : null,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    expires_at: i.class === 'nhi' ? (i.expiresAt ?? null) : null,
    doc: JSON.stringify(doc),
  };
}

const keyParams = (k: ApiKeyRecord) => ({
  key_id: k.keyId,
  identity_id: k.identityId,
  hash: k.hash,
  label: k.label ?? null,
  created_at: k.createdAt,
  expires_at: k.expiresAt ?? null,
  revoked_at: k.revokedAt ?? null,
  last_used_at: k.lastUsedAt ?? null,
  created_by: k.createdBy,
});

const isPrimaryKeyViolation = (e: unknown): boolean => (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

/**
 * The registry's SQL. Every statement is prepared with bound parameters (threats.md §3.10: no
 * string-built SQL); a change and its audit record commit in one transaction.
 */
export function createSqliteIdentityRepos(db: Database.Database, appendInTx: AppendFn): { identities: IdentityRepo; credentials: CredentialRepo } {
  const getIdentity = db.prepare<[string], IdentityRow>('SELECT doc, last_used_at FROM identities WHERE id = ?');
  const insertIdentity = db.prepare(
    'INSERT INTO identities (id, class, kind, status, owner, created_at, updated_at, expires_at, doc) VALUES (@id, @class, @kind, @status, @owner, @created_at, @updated_at, @expires_at, @doc)',
  );
  const updateIdentity = db.prepare(
    'UPDATE identities SET class = @class, kind = @kind, status = @status, owner = @owner, created_at = @created_at, updated_at = @updated_at, expires_at = @expires_at, doc = @doc WHERE id = @id',
  );
  const listIdentities = db.prepare<[Record<string, string | number | null>], IdentityRow>(
    `SELECT doc, last_used_at FROM identities
      WHERE (@class IS NULL OR class = @class)
        AND (@kind IS NULL OR kind = @kind)
        AND (@status IS NULL OR status = @status)
        AND (@owner IS NULL OR owner = @owner)
        AND (@grp IS NULL OR EXISTS (SELECT 1 FROM json_each(doc, '$.groups') WHERE value = @grp))
        AND (@env IS NULL OR EXISTS (SELECT 1 FROM json_each(doc, '$.environments') WHERE value = @env))
      ORDER BY id LIMIT @lim`,
  );
  const countIdentities = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM identities');
  const touchIdentity = db.prepare('UPDATE identities SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)');

  const getKey = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE key_id = ?');
  const keysFor = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE identity_id = ? ORDER BY created_at, rowid');
  const allKeys = db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, rowid');
  const countActive = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)');
  const insertKey = db.prepare(
    'INSERT INTO api_keys (key_id, identity_id, hash, label, created_at, expires_at, revoked_at, last_used_at, created_by) VALUES (@key_id, @identity_id, @hash, @label, @created_at, @expires_at, @revoked_at, @last_used_at, @created_by)',
  );
  const updateKey = db.prepare('UPDATE api_keys SET label = @label, expires_at = @expires_at, revoked_at = @revoked_at WHERE key_id = @key_id');
  const touchKey = db.prepare('UPDATE api_keys SET last_used_at = @at WHERE key_id = @id AND (last_used_at IS NULL OR last_used_at < @at)');

  const createTx = db.transaction((identity: Identity, keys: ApiKeyRecord[], writer: string, entry: AuditEntry, seal: SealFn): AuditRecord => {
    try {
      insertIdentity.run(identityParams(identity));
    } catch (e) {
      if (isPrimaryKeyViolation(e)) throw new AirlockError('ERR_IDENTITY_EXISTS', `identity ${identity.id} already exists`, { id: identity.id });
      throw e;
    }
    for (const k of keys) insertKey.run(keyParams(k));
    return appendInTx(writer, [entry], seal)[0]!;
  });

  const updateIdentityTx = db.transaction((id: string, mutate: Mutation<Identity>, writer: string, seal: SealFn) => {
    const row = getIdentity.get(id);
    if (!row) return undefined;
    const change = mutate(toIdentity(row));
    if (!change) return { identity: toIdentity(row) };
    updateIdentity.run(identityParams(change.next));
    const record = appendInTx(writer, [change.entry], seal)[0]!;
    return { identity: toIdentity(getIdentity.get(id)!), record };
  });

  const insertKeyTx = db.transaction((key: ApiKeyRecord, writer: string, entry: AuditEntry, seal: SealFn): AuditRecord => {
    if (!getIdentity.get(key.identityId)) throw new AirlockError('ERR_NOT_FOUND', `no identity ${key.identityId}`);
    insertKey.run(keyParams(key));
    return appendInTx(writer, [entry], seal)[0]!;
  });

  const updateKeyTx = db.transaction((keyId: string, mutate: Mutation<ApiKeyRecord>, writer: string, seal: SealFn) => {
    const row = getKey.get(keyId);
    if (!row) return undefined;
    const change = mutate(toKey(row));
    if (!change) return { key: toKey(row) };
    updateKey.run(keyParams(change.next));
    const record = appendInTx(writer, [change.entry], seal)[0]!;
    return { key: toKey(getKey.get(keyId)!), record };
  });

  const touchTx = db.transaction((stmt: Database.Statement, uses: ReadonlyMap<string, string>) => {
    for (const [id, at] of uses) stmt.run({ id, at });
  });

  const identities: IdentityRepo = {
    async get(id) {
      const r = getIdentity.get(id);
      return r ? toIdentity(r) : undefined;
    },
    async list(f) {
      return listIdentities
        .all({
          class: f.class ?? null,
          kind: f.kind ?? null,
          status: f.status ?? null,
          owner: f.owner ?? null,
          grp: f.group ?? null,
          env: f.environment ?? null,
          lim: f.limit ?? -1,
        })
        .map(toIdentity);
    },
    async count() {
      return countIdentities.get()!.n;
    },
    async create(identity, keys, intent) {
      return createTx.immediate(identity, keys, intent.writer, intent.entry, intent.seal);
    },
    async update(id, mutate, target) {
      return updateIdentityTx.immediate(id, mutate, target.writer, target.seal);
    },
    async recordUse(uses) {
      if (uses.size > 0) touchTx.immediate(touchIdentity, uses);
    },
  };

  const credentials: CredentialRepo = {
    async get(keyId) {
      const r = getKey.get(keyId);
      return r ? toKey(r) : undefined;
    },
    async listFor(identityId) {
      return keysFor.all(identityId).map(toKey);
    },
    async listAll() {
      return allKeys.all().map(toKey);
    },
    async countActive(nowIso) {
      return countActive.get(nowIso)!.n;
    },
    async insert(key, intent) {
      return insertKeyTx.immediate(key, intent.writer, intent.entry, intent.seal);
    },
    async update(keyId, mutate, target) {
      return updateKeyTx.immediate(keyId, mutate, target.writer, target.seal);
    },
    async recordUse(uses) {
      if (uses.size > 0) touchTx.immediate(touchKey, uses);
    },
  };

  return { identities, credentials };
}
