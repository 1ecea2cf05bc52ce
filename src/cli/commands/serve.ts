import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { AirlockError } from '../../core/errors.js';
import { within } from '../../core/within.js';
import { createHttpServer } from '../../http/server.js';
import { consoleEnabled } from '../../console/routes.js';
import { createMetrics } from '../../http/metrics.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { createRuntime, defaultPolicyThreads, type Runtime } from '../../runtime/runtime.js';
import { acquireServeLock } from '../../runtime/serve-lock.js';
import type { CliCommand, CliIO } from '../command.js';
import { flushCompileCache } from '../compile-cache.js';
import { nodeSupportWarning } from '../node-support.js';
import { parseOptions } from '../options.js';
import { STORE_HELP, STORE_OPTION, storeFlags } from '../store-option.js';
import { describeStore } from '../../runtime/open-store.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The integrations this process started, for the start-up lines and the log. */
function integrationsOf(config: Config, runtime: Runtime, policyThreads: number): string[] {
  const out: string[] = [`keys: ${config.keyProvider}${config.keyProvider === 'file' ? ` (${config.keyFile ?? join(config.dataDir, 'keys.json')})` : ''}`];
  out.push(policyThreads > 0 ? `policy: Cedar on ${policyThreads} worker thread${policyThreads === 1 ? '' : 's'} (AIRLOCK_POLICY_THREADS)` : 'policy: Cedar on the event loop (AIRLOCK_POLICY_THREADS=0)');
  if (runtime.slack) out.push(`slack: approvals to channel ${config.slack!.approvalsChannel}`);
  if (config.webhooks.length > 0) out.push(`webhooks: ${config.webhooks.length} target(s)`);
  if (config.anchorDir) out.push(`audit anchors: ${config.anchorDir} every ${config.anchorIntervalMs} ms`);
  return out;
}

export const command: CliCommand = {
  name: 'serve',
  summary: 'run the HTTP gateway (AuthZEN + Airlock API)',
  help: `usage: airlock serve [--config FILE] [--data-dir DIR] [--policies DIR] [--host HOST] [--port PORT] [--log-level LEVEL]

Runs the gateway. Decisions are audited in DIR/airlock.db (SQLite, WAL), or in PostgreSQL with
--store postgres://… (several replicas, each with its own AIRLOCK_WRITER_ID; docs/deployment.md).
  --config FILE     YAML or JSON config file (env AIRLOCK_CONFIG); env and flags override it
  --data-dir DIR    data directory (default .airlock, env AIRLOCK_DATA_DIR)
  --policies DIR    policy bundle directory (default policies/example, env AIRLOCK_POLICIES)
  --host HOST       listen address (default 127.0.0.1; a non-loopback address only once API keys exist)
  --port PORT       listen port (default 8787, env AIRLOCK_PORT)
  --log-level LVL   fatal|error|warn|info|debug|trace|silent (default info; JSON lines on stderr)
${STORE_HELP}

Every endpoint but /healthz, /readyz and /.well-known/* needs "Authorization: Bearer <API key>".
The first start on an empty data directory creates the admin human "admin" and prints its key once;
the key is also written to DIR/admin.key (mode 0600) for the local CLI. Later starts never print it.
While running, DIR/serve.json names the URL so \`airlock identity\` and \`airlock human\` use it.

One data directory is served by one process: a second serve on DIR exits with ERR_DATA_DIR_LOCKED.
At start the tail of every audit chain is checked against its latest signed checkpoint; a broken
or cut log refuses the start (ERR_AUDIT_CORRUPT, exit 1). Anything failing after the listener is up
closes it and exits non-zero.

SIGHUP reloads the policy bundle (one reload at a time); an invalid bundle keeps the previous one.
SIGTERM/SIGINT: stop accepting, finish in-flight requests, flush the audit log, exit 0.
An invalid bundle at start exits with status 2 and lists every problem. See docs/operations.md.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      policies: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'log-level': { type: 'string' },
      ...STORE_OPTION,
    }, false);
    const config = loadConfig(
      {
        dataDir: values['data-dir'],
        policies: values.policies,
        host: values.host,
        port: values.port === undefined ? undefined : Number(values.port),
        logLevel: values['log-level'] as never,
        ...storeFlags(values.store),
      },
      io.env,
      values.config,
    );
    const nodeWarning = nodeSupportWarning();
    if (nodeWarning) io.stderr.write(nodeWarning);
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    // Before anything opens the database: one serving process per data directory.
    const lock = acquireServeLock(config.dataDir);
    const log = createLogger(config.logLevel);
    try {
      return await serve(config, io, log);
    } finally {
      lock.release();
      log.flush();
    }
  },
};

async function serve(config: Config, io: CliIO, log: Logger): Promise<number> {
  const metrics = createMetrics();
  // Process-level handlers: an unhandled rejection is logged and counted, never a crash into an
  // unknown state; an uncaught exception stops the process cleanly (non-zero) instead.
  let fatal: ((err: unknown) => void) | undefined;
  const onRejection = (reason: unknown) => {
    metrics.backgroundFailure('unhandled_rejection');
    log.error({ err: reason }, 'unhandled promise rejection');
  };
  const onException = (err: unknown) => {
    metrics.backgroundFailure('uncaught_exception');
    log.fatal({ err }, 'uncaught exception; shutting down');
    if (fatal) fatal(err);
    else process.exit(70);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);

  const policyThreads = config.policyThreads ?? defaultPolicyThreads();
  const runtime = await createRuntime(config, {
    logger: log,
    policyThreads,
    observer: {
      onDecision: (o, ms, reasons, d) => {
        metrics.decision(o, ms);
        log.info({ requestId: d.requestId, outcome: o, reasons: reasons.map((r) => r.code), ms: Math.round(ms * 1000) / 1000, policyVersion: d.policyVersion, auditSeq: d.auditSeq }, 'decision');
      },
      onAuditCommit: (n, ms) => metrics.auditCommit(n, ms),
      onIntegrityAlarm: (alarm) => {
        metrics.integrityAlarm(alarm.kind);
        log.error({ alarm: alarm.kind, requestId: alarm.requestId, approvalId: alarm.approvalId, problem: alarm.problem }, 'integrity alarm: the records contradict each other');
      },
      onFailure: (source) => metrics.backgroundFailure(source),
      onSlackEvent: (event) => metrics.slackEvent(event.type),
      onPolicyEvaluation: (on) => metrics.policyEvaluation(on),
    },
  });
  let app: FastifyInstance | undefined;
  const stateFile = join(config.dataDir, 'serve.json');
  let wroteState = false;
  try {
    // Once keys exist every endpoint is authenticated, so only then may the gateway leave loopback.
    if (!LOOPBACK.has(config.host) && (await runtime.store.credentials.countActive(new Date(runtime.clock.now()).toISOString())) === 0) {
      throw new AirlockError(
        'ERR_CONFIG_INVALID',
        `refusing to listen on ${config.host}: no API keys exist yet. Start once on loopback (127.0.0.1 or ::1) to create the admin key, then bind to ${config.host}`,
      );
    }
    const adminKey = await runtime.bootstrapAdmin();
    app = createHttpServer({ runtime, metrics });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const localUrl = LOOPBACK.has(config.host) || config.host === '0.0.0.0' || config.host === '::' ? `http://127.0.0.1:${port}` : url;
    writeFileSync(stateFile, JSON.stringify({ url: localUrl, pid: process.pid }) + '\n', { mode: 0o600 });
    wroteState = true;
    if (adminKey) {
      io.stderr.write(
        `airlock: created the admin human "admin". Its API key is shown this once:\n\n    ${adminKey}\n\n` +
          `airlock: it is also in ${join(config.dataDir, 'admin.key')} (mode 0600) for the local CLI\n`,
      );
    }
    const integrations = integrationsOf(config, runtime, policyThreads);
    io.stderr.write(
      `airlock: listening on ${url}\n` +
        `airlock: policy bundle ${config.policies} (${runtime.policies.current()?.version})\n` +
        `airlock: audit log ${await describeStore(config)}, writer ${config.writerId}\n` +
        integrations.map((i) => `airlock: ${i}\n`).join('') +
        `airlock: callers authenticate with API keys (Authorization: Bearer ak_…)\n` +
        (consoleEnabled(config) ? `airlock: approver console at ${(config.console.publicUrl ?? config.publicUrl ?? localUrl).replace(/\/$/, '')}/console (sign in with an API key${config.console.oidc ? ' or your identity provider' : ''})\n` : ''),
    );
    log.info({ url, policyVersion: runtime.policies.current()?.version, integrations }, 'listening');
    flushCompileCache();
  } catch (e) {
    // Nothing may stay half up: a listener without a working runtime is a zombie (issue 13).
    log.error({ err: e }, 'start failed after opening the runtime; closing');
    await stop(app, runtime, log, config.shutdownTimeoutMs);
    removeState(stateFile, wroteState, log);
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    throw e;
  }

  const onHup = () => {
    log.info('SIGHUP: reloading the policy bundle');
    void runtime.reloadPolicies().then(
      (r) => {
        if (r.ok) {
          io.stderr.write(`airlock: reloaded policy bundle (${r.version})\n`);
          log.info({ policyVersion: r.version }, 'policy bundle reloaded');
        } else {
          io.stderr.write(`airlock: reload refused, ${r.version} stays in force:\n${(r.problems ?? []).map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n')}\n`);
          log.warn({ policyVersion: r.version, problems: r.problems }, 'policy reload refused');
        }
      },
      (e: unknown) => runtime.failures.report('reload', e),
    );
  };
  process.on('SIGHUP', onHup);
  const exitCode = await new Promise<number>((resolve) => {
    const onSignal = (sig: string) => () => {
      log.info({ signal: sig }, 'shutting down');
      resolve(0);
    };
    process.once('SIGINT', onSignal('SIGINT'));
    process.once('SIGTERM', onSignal('SIGTERM'));
    fatal = () => resolve(70);
    // The listener failing later (e.g. EMFILE on accept) is fatal too: close and exit non-zero.
    app!.server.once('error', (err) => {
      log.fatal({ err }, 'listener failed');
      resolve(70);
    });
  });
  process.off('SIGHUP', onHup);
  io.stderr.write('airlock: shutting down\n');
  const clean = await stop(app, runtime, log, config.shutdownTimeoutMs);
  // Best effort, and after the server closed: a read-only data dir must not block the shutdown.
  removeState(stateFile, wroteState, log);
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  if (exitCode !== 0) {
    // Whatever still holds the event loop, a failed process must end.
    setTimeout(() => process.exit(exitCode), 2000).unref();
  }
  return exitCode !== 0 ? exitCode : clean ? 0 : 1;
}

/**
 * Graceful stop: not ready (balancers drain), stop accepting, let in-flight requests finish, flush
 * the audit writer and close the store; each step bounded by `timeoutMs`. True when all finished.
 */
async function stop(app: FastifyInstance | undefined, runtime: Runtime, log: Logger, timeoutMs: number): Promise<boolean> {
  runtime.startDraining();
  let clean = true;
  if (app) {
    const closed = await within(
      app.close().then(() => 'closed' as const),
      timeoutMs,
    ).catch((e: unknown) => {
      log.error({ err: e }, 'closing the listener failed');
      return 'failed' as const;
    });
    if (closed !== 'closed') {
      clean = false;
      log.error({ timeoutMs }, 'in-flight requests did not finish in time; closing connections');
      app.server.closeAllConnections?.();
    }
  }
  const r = await within(
    runtime.close().then(() => 'closed' as const),
    timeoutMs,
  ).catch((e: unknown) => {
    log.error({ err: e }, 'closing the runtime failed');
    return 'failed' as const;
  });
  if (r !== 'closed') {
    clean = false;
    if (r === 'timeout') log.error({ timeoutMs }, 'the runtime did not close in time');
  }
  return clean;
}

function removeState(file: string, wrote: boolean, log: Logger): void {
  if (!wrote) return;
  try {
    rmSync(file, { force: true });
  } catch (e) {
    log.warn({ err: e, file }, 'could not remove serve.json (best effort)');
  }
}
