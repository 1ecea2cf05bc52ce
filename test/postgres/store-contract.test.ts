import { runApprovalRepoContract } from '../../src/approval/repo-contract.js';
import { runDelegationRepoContract } from '../../src/delegation/repo-contract.js';
import { runChatStateContract } from '../../src/store/chat-contract.js';
import { runHookPairingsContract } from '../../src/store/hook-pairings-contract.js';
import { runStoreContract } from '../../src/store/contract.js';
import { runElevationContract } from '../../src/store/elevation-contract.js';
import { describePostgres } from './pg-test-db.js';

// The same suites memory and SQLite run (src/store/*/…test.ts), against PostgreSQL.
await describePostgres('postgres store', (pg) => {
  runStoreContract('postgres', () => pg.open());
  runApprovalRepoContract('postgres', async () => (await pg.open()).approvals);
  runDelegationRepoContract('postgres', async () => (await pg.open()).delegations);
  runChatStateContract('postgres', () => pg.open());
  runHookPairingsContract('postgres', () => pg.open());
  runElevationContract('postgres', () => pg.open());
});
