/** Pre → post correlation for command hooks (separate processes): one 0600 file per tool use id. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parsePreDecisions, type CorrelationStore } from './handle.js';

export function createFileCorrelation(dir = join(tmpdir(), `airlock-hooks-${process.getuid?.() ?? 'u'}`)): CorrelationStore {
  const file = (id: string) => join(dir, createHash('sha256').update(id).digest('hex').slice(0, 32) + '.json');
  return {
    async put(id, value) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file(id), JSON.stringify(value), { mode: 0o600 });
    },
    async take(id) {
      let text: string;
      try {
        text = readFileSync(file(id), 'utf8');
        rmSync(file(id), { force: true });
      } catch {
        return undefined;
      }
      return parsePreDecisions(text);
    },
  };
}
