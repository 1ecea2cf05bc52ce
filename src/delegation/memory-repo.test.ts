import { createMemoryDelegationRepo } from './memory-repo.js';
import { runDelegationRepoContract } from './repo-contract.js';

runDelegationRepoContract('memory', () => createMemoryDelegationRepo());
