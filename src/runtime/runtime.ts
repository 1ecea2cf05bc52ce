import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sealRecord } from '../audit/chain.js';
import { signCheckpoint } from '../audit/checkpoint.js';
import { createAuditWriter, type AuditWriter } from '../audit/writer.js';
import type { Config } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { startSharedClock, type SharedClock } from './shared-clock.js';
import { AirlockError } from '../core/errors.js';
import { within } from '../core/within.js';
import { availableParallelism } from 'node:os';
import { createPolicyThreads } from './policy-threads.js';
import { createGateway, type Gateway, type GatewayObserver } from '../gateway/gateway.js';
import { createPolicyHolder, type PolicyHolder } from '../gateway/policy-holder.js';
import { createKeyRing, type KeyRing } from '../grants/keyring.js';
import type { KeyProvider } from '../keys/port.js';
import { keyFileOf, openKeyProvider } from './open-keys.js';
import { checkAuditAtStart, checkDatabaseFile } from './startup-check.js';
import { writeAnchor } from './anchors.js';
import { uidOf } from '../identity/entity.js';
import { buildReport, type InventoryReport } from '../identity/report.js';
import { IdentityService, SYSTEM_ACTOR, type RegistryBundleView } from '../identity/service.js';
import type { Identity } from '../identity/types.js';
import { createUsageRecorder, type UsageRecorder } from '../identity/usage.js';
import { compileBundle, type CompiledBundle, type CompileResult } from '../policy/bundle.js';
import type { BundleProblem } from '../policy/types.js';
import type { SignedCheckpoint, Store } from '../store/port.js';
import { inReadScope } from '../store/read-scope.js';
import { openConfiguredStore } from './open-store.js';
import { loadAnalyzer, loadCatalogFile } from './load-grammars.js';
import type { Analyzer } from '../commands/types.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../integrations/webhooks/dispatcher.js';
import { createApprovalDesk, type ApprovalDesk } from './approval-desk.js';
import { createDelegationDesk, type DelegationDesk } from './delegation-desk.js';
import { createTokenCache } from '../delegation/token.js';
import { approvalScopes } from './approval-scopes.js';
import { readBundleDir } from './load-bundle.js';
import { chatSubjectFacts, prepareChatRequest } from '../integrations/chat/provenance.js';
import type { SlackAdapter, SlackAdapterEvent } from '../integrations/slack/adapter.js';
import { createHumanDirectory } from './human-directory.js';
import { createFailureReporter, createLogger, type FailureReporter, type Logger } from './logger.js';
import { openTracing, type Tracing } from './tracing.js';
import { createAuditLog, type AuditLog } from './audit-log.js';
import { createStoreCorrelation } from '../integrations/hooks/store-correlation.js';
import type { CorrelationStore } from '../integrations/hooks/handle.js';
import { createElevationDesk, type ElevationDesk, type ElevationView } from './elevation-desk.js';
import type { Tracer } from '../core/tracing.js';
import { formatUid, uidKey } from '../core/entity-uid.js';

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
  /** Where the signing keys live (key file, environment, …): never the store. */
  readonly keys: KeyProvider;
  readonly clock: Clock;
  /** The process's structured logger (pino, JSON lines on stderr). */
  readonly log: Logger;
  /** Where background work reports a failure: logged with context and counted in /metrics. */
  readonly failures: FailureReporter;
  /** The identity registry's write side (validation, transactions, audit). */
  readonly identities: IdentityService;
  /** Batched `lastUsedAt` updates. */
  readonly usage: UsageRecorder;
  /** Approvals and confirmations: votes, waits, events. */
  readonly approvals: ApprovalDesk;
  /** Keys that sign execution grants (and delegation tokens); published as the JWKS. */
  readonly grantKeys: KeyRing;
  /** Delegation links: issue (token exchange), show, revoke (issue #5). */
  readonly delegations: DelegationDesk;
  /** The command analyzer (tree-sitter grammars loaded once). */
  readonly analyzer: Analyzer;
  /** Outbound signed webhooks. */
  readonly webhooks: WebhookDispatcher;
  /** The audit log's read side for the edges: evidence, chain marks, searches, verification. */
  readonly auditLog: AuditLog;
  /** Where an HTTP hook keeps its pre/post pairings, scoped to one caller (shared by replicas). */
  hookCorrelation(scope: { type: string; id: string }): CorrelationStore;
  /** Runs one request's work so its registry reads share one freshness check (store/read-scope.ts). */
  readScope<T>(fn: () => T): T;
  /** Just-in-time elevations: request (a decision), list, revoke (docs/elevation.md). */
  readonly elevations: ElevationDesk;
  /** Spans for decisions and edge calls (config `tracing`); the no-op tracer when export is off. */
  readonly tracer: Tracer;
  /** Sends the spans still buffered to the OTLP receiver (no-op when tracing is off). */
  flushTraces(): Promise<void>;
  /** Slack approvals (config `slack`): mount with `registerSlackRoutes`; undefined when not configured. */
  readonly slack?: SlackAdapter;
  /**
   * On a data directory with no identities at all: creates the admin human `admin` with one key,
   * writes the key to `<dataDir>/admin.key` (mode 0600) and returns it; otherwise undefined.
   */
  bootstrapAdmin(): Promise<string | undefined>;
  /** The inventory report over the registry and the bundle in force. */
  inventoryReport(opts?: { unusedDays?: number; rotationDays?: number; expiringDays?: number }): Promise<InventoryReport & { elevations: ElevationView[] }>;
  /** Re-reads the bundle directory; an invalid bundle leaves the previous one in force. */
  reloadPolicies(): Promise<ReloadResult>;
  /**
   * Makes a new signing key of `purpose` current and retires the previous one (it stays in the
   * JWKS until its tokens expire); the other replicas drop their cached key.
   */
  rotateKeys(purpose: 'grant' | 'audit'): Promise<{ kid: string; previous: string }>;
  /** Signs and stores the current audit head; undefined when the chain is empty. */
  checkpoint(): Promise<SignedCheckpoint | undefined>;
  /** Checkpoint, then copy the signed head to `config.anchorDir` (when set). */
  anchor(): Promise<SignedCheckpoint | undefined>;
  /** Store reachable, bundle loaded, last audit write committed, not shutting down. */
  readiness(): Promise<Readiness>;
  /** Shutting down: readiness answers not ready from now on, so a load balancer drains this process. */
  startDraining(): void;
  close(): Promise<void>;
}

export type CheckState = 'ok' | 'failing';

/** What `/readyz` reports: can this process decide and record right now? */
export interface Readiness {
  ready: boolean;
  draining: boolean;
  checks: { store: CheckState; bundle: CheckState; audit: CheckState };
  policyVersion?: string;
}

/**
 * The runtime as the HTTP layer and the console see it: application services only, never the
 * store (ARCHITECTURE.md "Import rules"). A route that needs a new query gets a service method.
 */
export type EdgeRuntime = Omit<Runtime, 'store'>;

export interface RuntimeOptions {
  clock?: Clock;
  observer?: GatewayObserver & {
    onAuditCommit?(records: number, ms: number): void;
    /** A background task failed (`source`: checkpoint, webhook, slack, usage, reload, …). */
    onFailure?(source: string): void;
    /** With policy threads: where a Cedar evaluation ran (`event_loop`: no thread was ready). */
    onPolicyEvaluation?(on: 'thread' | 'event_loop'): void;
    /** A Slack callback refused or acted on (also logged: refusals at warn). */
    onSlackEvent?(event: SlackAdapterEvent): void;
  };
  /** Signing keys; default: the provider the config names (a 0600 key file in the data dir). */
  keys?: KeyProvider;
  /** The logger to use; default: a pino logger at `config.logLevel` on stderr. */
  logger?: Logger;
  /** Use this store instead of the one the config selects (tests). */
  store?: Store;
  /**
   * Worker threads for Cedar evaluation on the decision path; default `config.policyThreads`, else
   * 0 (on the event loop). `serve` passes the machine's default ({@link defaultPolicyThreads}).
   */
  policyThreads?: number;
}

/** One policy thread when the machine has a second core for it; none on a single core. */
export const defaultPolicyThreads = (cores = availableParallelism()): number => (cores >= 2 ? 1 : 0);

/** How often a serving runtime looks for elevations that ran out, to record their end. */
const ELEVATION_EXPIRY_SWEEP_MS = 15_000;

export function bundleError(dir: string, problems: BundleProblem[]): AirlockError {
  const lines = problems.map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}`);
  return new AirlockError('ERR_BUNDLE_INVALID', `policy bundle ${dir} is invalid:\n${lines.join('\n')}`, { problems });
}

/**
 * A registry identity and a static entity of the bundle with the same uid: refused at load and at
 * reload, never a silent override (which one would policies see?).
 */
export function registryClashes(bundle: CompiledBundle, identities: readonly Identity[]): BundleProblem[] {
  const out: BundleProblem[] = [];
  for (const i of identities) {
    const u = uidOf(i, bundle.namespace);
    const key = uidKey(u);
    if (bundle.staticEntities.has(key)) out.push({ file: 'entities.json', message: `entity ${key} is also in the identity registry (${i.class} "${i.id}"); remove one of them` });
  }
  return out;
}

/** Start and reload: the bundle without its test files, which only `airlock policy test` runs. */
async function readAndCompile(dir: string): Promise<{ files: Record<string, string>; result: CompileResult }> {
  const files = await readBundleDir(dir);
  return { files, result: compileBundle(files) };
}

/** The composition root: config → store → keys → bundle → registry → audit writer → gateway. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  let clock: Clock = opts.clock ?? systemClock;
  let sharedClock: SharedClock | undefined;
  const log = opts.logger ?? createLogger(config.logLevel);
  const failures = createFailureReporter(log, opts.observer?.onFailure ? (s) => opts.observer!.onFailure!(s) : undefined);
  const policyDir = resolve(config.policies);
  // The Slack client is loaded only when Slack is configured, and before anything opens: a
  // failed load stops the start with nothing to close.
  const slackWiring = config.slack ? await import('./slack.js') : undefined;
  const first = await readAndCompile(policyDir);
  const loaded = first.result;
  if (!loaded.ok) throw bundleError(policyDir, loaded.problems);
  let bundleFiles = first.files;
  // What the start has opened so far; a later step that fails closes it (newest first) and
  // rethrows, so a failed start leaves no file, thread or timer open in this process.
  const opened: (() => unknown)[] = [() => loaded.bundle.dispose()];
  const abandon = async (e: unknown): Promise<unknown> => {
    for (const close of opened.reverse()) await Promise.resolve().then(close).catch((err: unknown) => log.warn({ err }, 'could not close after a failed start'));
    return e;
  };

  // The data directory holds admin.key and serve.json whichever store holds the records.
  if (!opts.store) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  let store: Store;
  try {
    // SQLite: the file's own structural check before it is used (issue 13).
    if (!opts.store && !config.database) checkDatabaseFile(join(config.dataDir, 'airlock.db'));
    store = opts.store ?? (await openConfiguredStore(config, { onBackgroundError: (e) => failures.report('wal-checkpoint', e) }));
  } catch (e) {
    throw await abandon(e);
  }
  if (!opts.store) opened.push(() => store.close());
  // Replicas judge expiry by the database's clock, not each by its own (threats.md P4).
  if (!opts.clock && store.serverTimeMs) {
    try {
      const serverTimeMs = store.serverTimeMs.bind(store);
      const started = await startSharedClock({ serverTimeMs, onError: (e) => failures.report('clock', e) });
      opened.push(() => started.stop());
      sharedClock = clock = started;
      if (Math.abs(sharedClock.offsetMs()) > 1000) log.warn({ offsetMs: Math.round(sharedClock.offsetMs()) }, 'this host\'s clock differs from the database\'s; decisions use the database\'s');
    } catch (e) {
      throw await abandon(e);
    }
  }
  let clashes: BundleProblem[];
  try {
    clashes = registryClashes(loaded.bundle, await store.identities.list({}));
  } catch (e) {
    throw await abandon(e);
  }
  if (clashes.length > 0) throw await abandon(bundleError(policyDir, clashes));
  // Audit health as the decisions see it: the last append committed (true) or failed (false).
  let auditOk = true;
  let draining = false;
  let keys: KeyProvider;
  try {
    keys = opts.keys ?? (await openKeyProvider(config, store.keys));
    // Read the keys once now: a missing, malformed or world-readable key file fails the start.
    await keys.list('audit');
    if (config.database && !opts.keys && config.keyProvider === 'file' && !config.keyFile) {
      // Each replica would make its own keys: a grant or delegation token signed by one is
      // refused (denied) by the others. Fail-closed, but surely not what the operator meant.
      log.warn(
        { keyFile: keyFileOf(config) },
        'PostgreSQL store with a key file per data directory: replicas must share signing keys (set AIRLOCK_KEY_FILE to one shared file, or AIRLOCK_KEY_PROVIDER=env); see docs/deployment.md "Signing keys"',
      );
    }
  } catch (e) {
    throw await abandon(e);
  }
  const auditKeys = createKeyRing(keys, 'audit', clock);
  try {
    await checkAuditAtStart(config, store, auditKeys);
  } catch (e) {
    throw await abandon(e);
  }
  const policies = createPolicyHolder(loaded.bundle);
  const audit = createAuditWriter({
    store,
    writer: config.writerId,
    clock,
    timeoutMs: config.auditTimeoutMs,
    onCommit: (n, ms) => {
      auditOk = true;
      opts.observer?.onAuditCommit?.(n, ms);
    },
  });
  let tracing: Tracing;
  try {
    tracing = await openTracing(config);
  } catch (e) {
    throw await abandon(e);
  }
  opened.push(() => tracing.close());
  let analyzer: Analyzer;
  try {
    analyzer = config.commandCatalog ? await loadAnalyzer(undefined, await loadCatalogFile(config.commandCatalog)) : await loadAnalyzer();
  } catch (e) {
    throw await abandon(e);
  }
  const grantKeys = createKeyRing(keys, 'grant', clock);
  const webhooks = createWebhookDispatcher({
    targets: config.webhooks,
    onResult: (r) => {
      if (!r.ok) failures.report('webhook', r.error ?? `HTTP ${r.status}`, { url: r.url, event: r.event, attempt: r.attempt });
    },
  });
  const approvals = createApprovalDesk({ repo: store.approvals, audit, clock, policies, webhooks, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) });
  // Chat provenance: chat users are the registry Humans whose `links` name them (docs/chat.md).
  const humans = createHumanDirectory(store.identities, (i) => approvals.factsOf(i));
  const threadCount = opts.policyThreads ?? config.policyThreads ?? 0;
  const threads =
    threadCount > 0
      ? createPolicyThreads({
          size: threadCount,
          onError: (e, thread) => failures.report('policy-thread', e, { thread }),
          onReady: (thread) => log.info({ thread, of: threadCount }, 'policy thread ready'),
          ...(opts.observer?.onPolicyEvaluation ? { onEvaluation: opts.observer.onPolicyEvaluation } : {}),
        })
      : undefined;
  // Prepared while the rest starts; until a thread is ready, evaluation runs on the event loop.
  if (threads) opened.push(() => threads.close());
  threads?.load(loaded.bundle).catch((e: unknown) => failures.report('policy-thread', e, { at: 'start' }));
  const decisions = createGateway({
    policies,
    audit,
    clock,
    ...(threads ? { evaluator: threads.evaluate } : {}),
    registry: store.identities,
    analyzer,
    approvals: { repo: store.approvals, approvalTtlMs: config.approvalTtlMs, confirmationTtlMs: config.confirmationTtlMs, maxPendingPerRequester: config.approvalMaxPendingPerRequester },
    grants: { keys: grantKeys, ttlMs: config.grantTtlMs, issuer: config.issuer },
    // Delegation tokens are signed with the grant keys; `aud` is this gateway (its issuer name).
    delegation: { repo: store.delegations, keys: grantKeys, issuer: config.issuer, audience: config.issuer, maxDepth: config.delegationMaxDepth, tokenCache: createTokenCache() },
    events: { approvalOpened: (a) => approvals.opened(a) },
    chat: { prepare: (req, subject) => prepareChatRequest(req, chatSubjectFacts(subject), humans) },
    elevations: store.elevations,
    ...(opts.observer ? { observer: opts.observer } : {}),
    // The cause of an internal fault goes to the log; the caller sees only the code and request id.
    onInternalError: (err, ctx) => {
      if (ctx.stage === 'audit') auditOk = false;
      log.error({ err, ...ctx }, ctx.stage === 'audit' ? 'audit record could not be committed; answered deny' : 'internal error on the decision path');
    },
    tracer: tracing.tracer,
  });
  // One decision's registry reads (the subject, its owner) share one freshness check, as an HTTP
  // request's do (store/read-scope.ts); inside a request's scope they use that one.
  const gateway: Gateway = {
    ...decisions,
    authorize: (request, options) => inReadScope(() => decisions.authorize(request, options)),
    search: (query, page, options) => inReadScope(() => decisions.search(query, page, options)),
  };
  const bundleView = (): RegistryBundleView | undefined => {
    const b = policies.current();
    if (!b) return undefined;
    return {
      namespace: b.namespace,
      hasGroup: (g) => b.staticEntities.has(formatUid({ type: 'Group', id: g }, b.namespace)),
      hasStatic: (k) => b.staticEntities.has(k),
    };
  };
  const delegations = createDelegationDesk({
    repo: store.delegations,
    keys: grantKeys,
    audit,
    clock,
    policies,
    registry: store.identities,
    gateway,
    issuer: config.issuer,
    audience: config.issuer,
    maxDepth: config.delegationMaxDepth,
    maxTtlMs: config.delegationMaxTtlMs,
  });
  const identities = new IdentityService({
    identities: store.identities,
    credentials: store.credentials,
    clock,
    audit: { writer: config.writerId, seal: sealRecord },
    bundle: bundleView,
    // Suspending or retiring an identity revokes every delegation link where it is an actor.
    onDeactivated: async (i, op, actor) => {
      await delegations.revokeActor(i, `identity.${op}`, `${actor.type}:${actor.id}`);
    },
  });
  const usage = createUsageRecorder(store, config.usageFlushMs, (e) => failures.report('usage', e));
  const elevations = createElevationDesk({ repo: store.elevations, registry: store.identities, audit, clock, gateway, policies, maxTtlMs: config.elevationMaxTtlMs });

  let slack: SlackAdapter | undefined;
  let unsubscribeSlack = (): void => {};
  if (config.slack && slackWiring) {
    const wired = slackWiring.createSlackIntegration({
      config: config.slack,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      approvals,
      humans,
      gateway,
      audit,
      auditRepo: store.audit,
      state: { replay: store.replay, chatRefs: store.chatRefs },
      clock,
      namespace: () => policies.current()?.namespace ?? 'Airlock',
      onError: (op, e) => failures.report('slack', e, { op }),
      // Refused callbacks (bad signature, replay, foreign workspace, refused vote) are what an
      // attack on the Slack endpoints looks like: logged at warn and counted.
      onEvent: (event) => {
        const refused = event.type === 'signature_rejected' || event.type === 'replay_ignored' || event.type === 'foreign_workspace' || event.type === 'vote_refused';
        log[refused ? 'warn' : 'info']({ slack: event }, `slack ${event.type}`);
        opts.observer?.onSlackEvent?.(event);
      },
    });
    slack = wired.adapter;
    unsubscribeSlack = approvals.onChange(wired.onApprovalChange);
  }

  let lastCheckpointSeq: number;
  try {
    lastCheckpointSeq = (await store.audit.latestCheckpoint(config.writerId))?.seq ?? 0;
  } catch (e) {
    throw await abandon(e);
  }
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

  // Signed heads copied outside the data directory (config anchorDir): a cut tail stays visible
  // even when the database and its checkpoint table are rewritten together.
  let lastAnchorSeq = 0;
  async function anchor(): Promise<SignedCheckpoint | undefined> {
    if (!config.anchorDir) return undefined;
    const cp = await checkpoint();
    if (!cp || cp.seq === lastAnchorSeq) return cp;
    const publicJwk = (await auditKeys.publicJwks()).find((k) => k.kid === cp.kid);
    writeAnchor(config.anchorDir, config.dataDir, { ...cp, ...(publicJwk ? { publicJwk } : {}) });
    lastAnchorSeq = cp.seq;
    return cp;
  }

  /** One reload: read and compile the directory once; refuse (keep the bundle in force) on any problem. */
  let reloads = 0;
  async function reloadOnce(): Promise<ReloadResult> {
    const n = ++reloads;
    log.info({ reload: n }, 'policy reload started');
    const r = await compileReload();
    if (r.ok) log.info({ reload: n, policyVersion: r.version }, 'policy reload applied');
    else log.warn({ reload: n, policyVersion: r.version, problems: r.problems }, 'policy reload refused');
    return r;
  }
  async function compileReload(): Promise<ReloadResult> {
    const read = await readAndCompile(policyDir).catch((e: unknown) => ({
      files: {},
      result: { ok: false as const, problems: [{ file: policyDir, message: (e as Error).message }] },
    }));
    let next: CompileResult = read.result;
    if (next.ok) {
      let problems: BundleProblem[];
      try {
        problems = registryClashes(next.bundle, await s.identities.list({}));
      } catch (e) {
        // A store fault during a reload refuses the reload; it is never an unhandled rejection.
        failures.report('reload', e);
        problems = [{ file: policyDir, message: 'the identity registry could not be read; reload refused (see the server log)' }];
      }
      if (problems.length > 0) {
        next.bundle.dispose();
        next = { ok: false, problems };
      }
    }
    if (!next.ok) return { ok: false, version: policies.current()?.version, problems: next.problems };
    if (threads) {
      try {
        await threads.load(next.bundle);
      } catch (e) {
        failures.report('reload', e);
        threads.release(next.bundle);
        next.bundle.dispose();
        return { ok: false, version: policies.current()?.version, problems: [{ file: policyDir, message: 'the policy threads could not prepare the bundle; reload refused (see the server log)' }] };
      }
    }
    bundleFiles = read.files;
    const prev = policies.replace(next.bundle);
    if (prev && prev !== next.bundle) {
      setTimeout(() => {
        threads?.release(prev);
        prev.dispose();
      }, 5000).unref();
    }
    return { ok: true, version: next.bundle.version };
  }
  let reloadChain: Promise<unknown> = Promise.resolve();

  let anchorTimer: NodeJS.Timeout | undefined;
  if (config.anchorDir && config.anchorIntervalMs > 0) {
    anchorTimer = setInterval(() => void anchor().catch((e: unknown) => failures.report('anchor', e, { dir: config.anchorDir })), config.anchorIntervalMs);
    anchorTimer.unref();
  }
  let timer: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  if (config.checkpointIntervalMs > 0) {
    timer = setInterval(() => void checkpoint().catch((e: unknown) => failures.report('checkpoint', e, { writer: config.writerId })), config.checkpointIntervalMs);
    timer.unref();
    // A serving runtime records every elevation that ran out (one-shot CLI runtimes do not sweep).
    expiryTimer = setInterval(() => void elevations.recordExpiries().catch((e: unknown) => failures.report('elevation_expiry', e)), ELEVATION_EXPIRY_SWEEP_MS);
    expiryTimer.unref();
  }

  /** Reloads this process's bundle: one reload at a time, in arrival order. */
  function reloadLocal(): Promise<ReloadResult> {
    const run = reloadChain.then(reloadOnce, reloadOnce);
    reloadChain = run.catch(() => undefined);
    return run;
  }

  // Coordination with the other replicas (PostgreSQL LISTEN/NOTIFY). State is always read from
  // the store on each request, so revocations and suspensions need no message; these are the
  // events that change what a process holds in memory.
  const unsubscribeCluster = s.bus?.subscribe((e) => {
    if (e.type === 'policy.reload' || e.type === 'resync') void reloadLocal().catch((err: unknown) => failures.report('reload', err));
    else if (e.type === 'approval.changed') approvals.changedElsewhere(e.id);
    // A rotation elsewhere retires the key this replica signs with: never sign with it again.
    if (e.type === 'keys.changed' || e.type === 'resync') {
      if (e.type === 'resync' || e.purpose === 'grant') grantKeys.forget();
      if (e.type === 'resync' || e.purpose === 'audit') auditKeys.forget();
    }
  }) ?? ((): void => {});
  const unsubscribeApprovalEvents = s.bus
    ? approvals.onChange((event, a) => {
        // A lost notice only delays waiters on other replicas (they re-read on their own timeout); logged and counted.
        if (event === 'approval.decided') void s.bus!.publish({ type: 'approval.changed', id: a.id }).catch((err: unknown) => failures.report('bus', err, { event: 'approval.changed', approvalId: a.id }));
      })
    : (): void => {};

  let closed = false;
  return {
    config,
    store,
    gateway,
    policies,
    audit,
    auditKeys,
    keys,
    clock,
    log,
    failures,
    identities,
    usage,
    approvals,
    grantKeys,
    delegations,
    analyzer,
    webhooks,
    elevations,
    auditLog: createAuditLog(store.audit),
    hookCorrelation: (scope) => createStoreCorrelation(store.hookPairings, scope, () => clock.now()),
    readScope: inReadScope,
    tracer: tracing.tracer,
    flushTraces: () => tracing.flush(),
    ...(slack ? { slack } : {}),
    async bootstrapAdmin() {
      if ((await s.identities.count()) > 0) return undefined;
      const r = await identities.createHuman(
        { id: 'admin', displayName: 'Administrator (bootstrap)', groups: [], roles: ['admin'], links: {}, key: true, keyLabel: 'bootstrap' },
        SYSTEM_ACTOR,
      );
      const token = r.value.key!.key;
      // 0600 and exclusive create: the key is readable by this user only and never overwritten.
      writeFileSync(join(config.dataDir, 'admin.key'), token + '\n', { mode: 0o600, flag: 'wx' });
      return token;
    },
    async inventoryReport(o = {}) {
      const b = policies.current();
      const all = await s.identities.list({});
      const keys = await s.credentials.listAll();
      const ns = b?.namespace ?? 'Airlock';
      const nowIso = new Date(clock.now()).toISOString();
      const active = (await s.elevations.list({ activeAt: nowIso })).map((e) => ({ ...e, status: 'active' as const }));
      const report = buildReport(all, keys, {
        nowMs: clock.now(),
        unusedDays: o.unusedDays ?? 30,
        rotationDays: o.rotationDays ?? 90,
        expiringDays: o.expiringDays ?? 7,
        namespace: ns,
        policyVersion: b?.version,
        actions: b?.actions ?? [],
        approvalScopes: b ? approvalScopes(b, bundleFiles) : [],
        parentsOf: (k) => b?.staticEntities.get(k)?.parents ?? [],
      });
      // Who holds a group by elevation right now (issue 16), beside the standing memberships.
      return { ...report, elevations: active };
    },
    async rotateKeys(purpose) {
      const ring = purpose === 'grant' ? grantKeys : auditKeys;
      const previous = (await ring.current()).kid;
      const next = await ring.rotate();
      // Best effort like a reload: a replica that misses it re-reads on its next resync.
      await s.bus?.publish({ type: 'keys.changed', purpose }).catch((err: unknown) => failures.report('keys', err));
      return { kid: next.kid, previous };
    },
    async reloadPolicies() {
      const r = await reloadLocal();
      // Every replica re-reads its bundle (docs/deployment.md); best effort, the state is on disk.
      if (r.ok) await s.bus?.publish({ type: 'policy.reload', ...(r.version ? { version: r.version } : {}) }).catch((err: unknown) => failures.report('bus', err, { event: 'policy.reload' }));
      return r;
    },
    checkpoint,
    anchor,
    async readiness() {
      const b = policies.current();
      let storeOk = true;
      try {
        await s.audit.head(config.writerId);
      } catch (e) {
        storeOk = false;
        log.warn({ err: e }, 'readiness: store probe failed');
      }
      if (!auditOk && storeOk && !closed) {
        // After a failed append, only a real write proves the log is writable again; the probe
        // is itself a record, so it is written only while the audit check is failing.
        await audit.append('health.probe', { reason: 'readiness check after an audit write failure' }).then(
          () => void (auditOk = true),
          (e: unknown) => log.warn({ err: e }, 'readiness: audit probe failed'),
        );
      }
      const checks = { store: storeOk ? 'ok' : 'failing', bundle: b ? 'ok' : 'failing', audit: auditOk ? 'ok' : 'failing' } as const;
      const r: Readiness = { ready: !draining && !closed && storeOk && !!b && auditOk, draining, checks };
      if (b) r.policyVersion = b.version;
      return r;
    },
    startDraining() {
      draining = true;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (expiryTimer) clearInterval(expiryTimer);
      if (anchorTimer) clearInterval(anchorTimer);
      sharedClock?.stop();
      unsubscribeSlack();
      unsubscribeCluster();
      unsubscribeApprovalEvents();
      // Slack calls already begun finish first (they write message refs to the store), but a slow
      // Slack may take at most half the shutdown budget: the audit flush after it must not wait on it.
      if (slack && (await within(slack.drain(), config.shutdownTimeoutMs / 2)) === 'timeout') {
        log.warn({ waitedMs: config.shutdownTimeoutMs / 2 }, 'Slack calls still running at shutdown were abandoned');
      }
      await usage.close();
      await audit.close();
      await threads?.close();
      await webhooks.drain();
      await checkpoint().catch((e: unknown) => failures.report('checkpoint', e, { writer: config.writerId, at: 'shutdown' }));
      await anchor().catch((e: unknown) => failures.report('anchor', e, { dir: config.anchorDir, at: 'shutdown' }));
      // Spans still buffered are sent (bounded by the exporter's timeout); a dead receiver never blocks shutdown for long.
      await tracing.close().catch(() => undefined);
      await s.close();
      log.flush();
    },
  };
}
