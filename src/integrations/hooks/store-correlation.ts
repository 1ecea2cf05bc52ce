/**
 * Pre → post correlation of the HTTP hook in the store (issue 11): behind a load balancer a
 * PostToolUse may reach another replica than its PreToolUse, so the decisions are kept where every
 * replica reads them. Keys are hashed per caller: one agent's tool use id never reaches another's
 * pairing, and whatever the agent sends as an id is a fixed-size key.
 */
import { createHash } from 'node:crypto';
import type { HookPairings } from '../../store/port.js';
import { parsePreDecisions, type CorrelationStore } from './handle.js';

/** How long a PreToolUse waits for its PostToolUse (a tool that runs longer is reported unlinked). */
export const PAIRING_TTL_MS = 3_600_000;

export function createStoreCorrelation(pairings: HookPairings, scope: { type: string; id: string }, now: () => number, ttlMs = PAIRING_TTL_MS): CorrelationStore {
  const key = (id: string) => createHash('sha256').update(`${scope.type}\0${scope.id}\0${id}`).digest('hex');
  return {
    put: (id, value) => {
      const at = now();
      return pairings.put(key(id), JSON.stringify(value), at + ttlMs, at);
    },
    async take(id) {
      const text = await pairings.take(key(id), now());
      return text === undefined ? undefined : parsePreDecisions(text);
    },
  };
}
