import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runDelegationRepoContract } from '../../delegation/repo-contract.js';
import { createSqliteDelegationRepo, DELEGATIONS_MIGRATION } from './delegation-repo.js';
import { openSqliteStore } from './sqlite-store.js';

runDelegationRepoContract('sqlite', () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'airlock-dlg-')), 'd.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(DELEGATIONS_MIGRATION);
  return createSqliteDelegationRepo(db);
});

runDelegationRepoContract('sqlite store (migrated)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-dlg-')), 'airlock.db') }).delegations);
