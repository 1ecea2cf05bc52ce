import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signCheckpoint } from '../audit/checkpoint.js';
import { createAuditWriter, type AuditWriter } from '../audit/writer.js';
import type { Config } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { AirlockError } from '../core/errors.js';
import { createGateway, type Gateway, type GatewayObserver } from '../gateway/gateway.js';
import { createPolicyHolder, type PolicyHolder } from '../gateway/policy-holder.js';
import { createKeyRing, type KeyRing } from '../grants/keyring.js';
import type { BundleProblem } from '../policy/types.js';
import type { SignedCheckpoint, Store } from '../store/port.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { loadBundle } from './load-bundle.js';

export interface ReloadResult {
  ok: boolean;
  version: string | undefined;
  problems?: BundleProblem[];
}

export interface Runtime {
  readonly config: Config;
  readonly store: Store;
  readonly gateway: Gateway;
  readonly policies: PolicyHolder;
  readonly audit: AuditWriter;
  readonly auditKeys: KeyRing;
  readonly clock: Clock;
  /** Re-reads the bundle directory; an invalid bundle leaves the previous one in force. */
  reloadPolicies(): Promise<ReloadResult>;
  /** Signs and stores the current audit head; undefined when the chain is empty. */
  checkpoint(): Promise<SignedCheckpoint | undefined>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  observer?: GatewayObserver & { onAuditCommit?(records: number, ms: number): void };
  /** Use this store instead of opening SQLite in the data directory (tests, PostgreSQL later). */
  store?: Store;
}

export function bundleError(dir: string, problems: BundleProblem[]): AirlockError {
  const lines = problems.map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}`);
  return new AirlockError('ERR_BUNDLE_INVALID', `policy bundle ${dir} is invalid:\n${lines.join('\n')}`, { problems });
}

/** The composition root: config → store → keys → bundle → audit writer → gateway. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const clock = opts.clock ?? systemClock;
  const policyDir = resolve(config.policies);
  const loaded = await loadBundle(policyDir);
  if (!loaded.ok) throw bundleError(policyDir, loaded.problems);

  let store = opts.store;
  if (!store) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    store = openSqliteStore({ path: join(config.dataDir, 'airlock.db') });
  }
  const auditKeys = createKeyRing(store.keys, 'audit', clock);
  const policies = createPolicyHolder(loaded.bundle);
  const audit = createAuditWriter({
    repo: store.audit,
    writer: config.writerId,
    clock,
    timeoutMs: config.auditTimeoutMs,
    ...(opts.observer?.onAuditCommit ? { onCommit: opts.observer.onAuditCommit } : {}),
  });
  const gateway = createGateway({ policies, audit, clock, ...(opts.observer ? { observer: opts.observer } : {}) });

  let lastCheckpointSeq = (await store.audit.latestCheckpoint(config.writerId))?.seq ?? 0;
  const s = store;
  async function checkpoint(): Promise<SignedCheckpoint | undefined> {
    const head = await s.audit.head(config.writerId);
    if (!head) return undefined;
    if (head.seq === lastCheckpointSeq) return s.audit.latestCheckpoint(config.writerId);
    const cp = await signCheckpoint(config.writerId, head, new Date(clock.now()).toISOString(), await auditKeys.current());
    await s.audit.saveCheckpoint(cp);
    lastCheckpointSeq = head.seq;
    return cp;
  }

  let timer: NodeJS.Timeout | undefined;
  if (config.checkpointIntervalMs > 0) {
    timer = setInterval(() => void checkpoint().catch(() => undefined), config.checkpointIntervalMs);
    timer.unref();
  }

  let closed = false;
  return {
    config,
    store,
    gateway,
    policies,
    audit,
    auditKeys,
    clock,
    async reloadPolicies() {
      const next = await loadBundle(policyDir).catch((e: unknown) => ({ ok: false as const, problems: [{ file: policyDir, message: (e as Error).message }] }));
      if (!next.ok) return { ok: false, version: policies.current()?.version, problems: next.problems };
      const prev = policies.replace(next.bundle);
      if (prev && prev !== next.bundle) setTimeout(() => prev.dispose(), 5000).unref();
      return { ok: true, version: next.bundle.version };
    },
    checkpoint,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await audit.close();
      await checkpoint().catch(() => undefined);
      await s.close();
    },
  };
}
