import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../store/memory/memory-store.js';
import { sealRecord } from './chain.js';
import { checkChainTails } from './tail-check.js';

const entry = (i: number) => ({ at: new Date(1_700_000_000_000 + i).toISOString(), kind: 'decision', record: { i } });

describe('start-up tail check', () => {
  it('a chain another replica appends to during the check is not reported as broken (issue 13: a restarted replica refused to start under load)', async () => {
    const store = openMemoryStore();
    await store.audit.append('r1', [1, 2, 3].map(entry), sealRecord);
    // Another replica writes to its chain right after the check has read that chain's head.
    let appended = false;
    const repo = {
      ...store.audit,
      head: async (writer: string) => {
        const h = await store.audit.head(writer);
        if (!appended) {
          appended = true;
          await store.audit.append('r1', [4, 5].map(entry), sealRecord);
        }
        return h;
      },
    };
    expect(await checkChainTails(repo, { writers: ['r2'], trustedKey: async () => undefined })).toEqual([]);
    expect(appended).toBe(true);
    await store.close();
  });
});
