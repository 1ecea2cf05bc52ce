import type Database from 'better-sqlite3';

/** Ordered schema migrations; `user_version` records how many have run. Append only. */
const migrations: string[] = [
  `CREATE TABLE audit (
     writer TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (writer, seq)
   ) WITHOUT ROWID;
   CREATE TABLE audit_checkpoints (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     writer TEXT NOT NULL,
     seq INTEGER NOT NULL,
     hash TEXT NOT NULL,
     at TEXT NOT NULL,
     jws TEXT NOT NULL,
     kid TEXT NOT NULL
   );
   CREATE TABLE signing_keys (
     kid TEXT PRIMARY KEY,
     purpose TEXT NOT NULL,
     alg TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     created_at TEXT NOT NULL,
     retired_at TEXT
   );`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema version ${current} is newer than this airlock (${migrations.length})`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
