import { createMemoryApprovalRepo } from './memory-repo.js';
import { runApprovalRepoContract } from './repo-contract.js';

runApprovalRepoContract('memory', () => createMemoryApprovalRepo());
