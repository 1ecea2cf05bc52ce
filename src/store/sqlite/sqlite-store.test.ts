import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../contract.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract('sqlite (file, WAL)', () => openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-sqlite-')), 'airlock.db') }));
