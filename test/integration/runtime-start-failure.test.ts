import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { openMemoryStore } from '../../src/store/memory/memory-store.js';

const BUNDLE = 'policies/example';
const silent = createLogger('silent');
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'airlock-start-fail-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Files under `dir` this process holds open (Linux /proc). */
const openFilesUnder = (dir: string): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // closed between the listing and the read
    }
  });

/** Threads of this process now (Linux /proc): each policy thread is one. */
const threadCount = (): number => readdirSync('/proc/self/task').length;

/** Waits until `check` holds, re-reading on each turn of the event loop; false once `ms` have passed. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe.runIf(process.platform === 'linux')('a start that fails part way closes what it opened', () => {
  it('a bad command catalog, found after the store opened, leaves no database file open and the data dir usable', async () => {
    const dataDir = tempDir();
    const catalog = join(tempDir(), 'catalog.json');
    writeFileSync(catalog, '{ not json');
    const config = loadConfig({ dataDir, policies: BUNDLE, checkpointIntervalMs: 0, commandCatalog: catalog }, {});
    await expect(createRuntime(config, { logger: silent })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    // The SQLite file and its WAL were opened (the store is up before the catalog is read) and are closed again.
    expect(openFilesUnder(dataDir)).toEqual([]);
    const ok = await createRuntime(loadConfig({ dataDir, policies: BUNDLE, checkpointIntervalMs: 0 }, {}), { logger: silent });
    expect(openFilesUnder(dataDir).length).toBeGreaterThan(0);
    await ok.close();
    expect(openFilesUnder(dataDir)).toEqual([]);
  });

  it('a store failure after the policy threads started ends those threads', async () => {
    const config = loadConfig({ dataDir: tempDir(), policies: BUNDLE, checkpointIntervalMs: 0 }, {});
    // A full start and stop first, so the threads Node starts once per process (thread pool, V8's) exist already.
    const warm = await createRuntime(config, { logger: silent, store: openMemoryStore(), policyThreads: 2 });
    await warm.close(); // ends its policy threads before it resolves
    const base = threadCount();

    // The store fails at its first read after the policy threads are running (the runtime reads the
    // latest checkpoint once more after starting them).
    const store = openMemoryStore();
    const latest = store.audit.latestCheckpoint.bind(store.audit);
    store.audit.latestCheckpoint = async (writer) => {
      if (threadCount() > base) throw new Error('the store went away');
      return latest(writer);
    };
    await expect(createRuntime(config, { logger: silent, store, policyThreads: 2 })).rejects.toThrow('the store went away');
    // The two policy threads were started before the failing read; none is left running.
    expect(await eventually(() => threadCount() <= base, 10_000)).toBe(true);
  });
});
