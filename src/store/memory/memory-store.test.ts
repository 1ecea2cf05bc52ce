import { runStoreContract } from '../contract.js';
import { openMemoryStore } from './memory-store.js';

runStoreContract('memory', () => openMemoryStore());
