import { runElevationContract } from '../elevation-contract.js';
import { runApprovalRepoContract } from '../../approval/repo-contract.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChatStateContract } from '../chat-contract.js';
import { runHookPairingsContract } from '../hook-pairings-contract.js';
import { runStoreContract } from '../contract.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-')), 'airlock.db') }));

runApprovalRepoContract('sqlite store (migrated)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-apr-')), 'airlock.db') }).approvals);

runChatStateContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-chat-')), 'airlock.db') }));
runHookPairingsContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-hooks-')), 'airlock.db') }));

runElevationContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-elev-')), 'airlock.db') }));
