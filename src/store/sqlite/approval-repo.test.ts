import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runApprovalRepoContract } from '../../approval/repo-contract.js';
import { APPROVALS_MIGRATION, createSqliteApprovalRepo } from './approval-repo.js';

runApprovalRepoContract('sqlite', () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'airlock-apr-')), 'a.db'));
  db.pragma('journal_mode = WAL');
  db.exec(APPROVALS_MIGRATION);
  return createSqliteApprovalRepo(db);
});
