import { runElevationContract } from '../elevation-contract.js';
import { runDelegationRepoContract } from '../../delegation/repo-contract.js';
import { runChatStateContract } from '../chat-contract.js';
import { runHookPairingsContract } from '../hook-pairings-contract.js';
import { runStoreContract } from '../contract.js';
import { openMemoryStore } from './memory-store.js';

runStoreContract('memory', () => openMemoryStore());

runDelegationRepoContract('memory store', () => openMemoryStore().delegations);

runChatStateContract('memory', () => openMemoryStore());
runHookPairingsContract('memory', () => openMemoryStore());

runElevationContract('memory', () => openMemoryStore());
