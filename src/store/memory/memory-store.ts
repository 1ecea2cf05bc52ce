import type { AuditRecord, AuditRepo, KeyRepo, SignedCheckpoint, Store, StoredKey } from '../port.js';

/** The reference adapter: plain maps, same contract as SQLite and PostgreSQL. Not durable. */
export function openMemoryStore(): Store {
  const chains = new Map<string, AuditRecord[]>();
  const checkpoints: SignedCheckpoint[] = [];
  const keys: StoredKey[] = [];

  const audit: AuditRepo = {
    async append(writer, entries, seal) {
      const chain = chains.get(writer) ?? [];
      const last = chain.at(-1);
      let head = last ? { seq: last.seq, hash: last.hash } : undefined;
      const out: AuditRecord[] = [];
      for (const e of entries) {
        const rec = seal(writer, head, e);
        out.push(rec);
        head = { seq: rec.seq, hash: rec.hash };
      }
      // All or nothing: only publish once every record sealed.
      chains.set(writer, chain.concat(out));
      return out;
    },
    async read(writer, fromSeq, limit) {
      return (chains.get(writer) ?? []).filter((r) => r.seq >= fromSeq).slice(0, limit);
    },
    async writers() {
      return [...chains.keys()].sort();
    },
    async head(writer) {
      const last = chains.get(writer)?.at(-1);
      return last ? { seq: last.seq, hash: last.hash } : undefined;
    },
    async saveCheckpoint(cp) {
      checkpoints.push(cp);
    },
    async latestCheckpoint(writer) {
      return checkpoints.filter((c) => c.writer === writer).sort((a, b) => b.seq - a.seq)[0];
    },
  };

  const keyRepo: KeyRepo = {
    async list(purpose) {
      return keys.filter((k) => k.purpose === purpose).reverse();
    },
    async insert(k) {
      if (keys.some((x) => x.kid === k.kid)) throw new Error(`duplicate kid ${k.kid}`);
      keys.push({ ...k });
    },
    async retire(kid, at) {
      const k = keys.find((x) => x.kid === kid);
      if (k && !k.retiredAt) k.retiredAt = at;
    },
  };

  return { kind: 'memory', audit, keys: keyRepo, async close() {} };
}
