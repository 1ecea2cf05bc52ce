import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { AirlockError } from '../../core/errors.js';
import { createHttpServer } from '../../http/server.js';
import { createMetrics } from '../../http/metrics.js';
import { createRuntime } from '../../runtime/runtime.js';
import type { CliCommand } from '../command.js';
import { nodeSupportWarning } from '../node-support.js';
import { parseOptions } from '../options.js';
import { STORE_HELP, STORE_OPTION, storeFlags } from '../store-option.js';
import { describeStore } from '../../runtime/open-store.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const command: CliCommand = {
  name: 'serve',
  summary: 'run the HTTP gateway (AuthZEN + Airlock API)',
  help: `usage: airlock serve [--data-dir DIR] [--policies DIR] [--host HOST] [--port PORT] [--log-level LEVEL]

Runs the gateway. Decisions are audited in DIR/airlock.db (SQLite, WAL), or in PostgreSQL with
--store postgres://… (several replicas, each with its own AIRLOCK_WRITER_ID; docs/deployment.md).
  --data-dir DIR    data directory (default .airlock, env AIRLOCK_DATA_DIR)
  --policies DIR    policy bundle directory (default policies/example, env AIRLOCK_POLICIES)
  --host HOST       listen address (default 127.0.0.1; a non-loopback address only once API keys exist)
  --port PORT       listen port (default 8787, env AIRLOCK_PORT)
  --log-level LVL   fatal|error|warn|info|debug|trace|silent (default info)
${STORE_HELP}

Every endpoint but /healthz and /.well-known/* needs "Authorization: Bearer <API key>". The first
start on an empty data directory creates the admin human "admin" and prints its key once; the key
is also written to DIR/admin.key (mode 0600) for the local CLI. Later starts never print it.
While running, DIR/serve.json names the URL so \`airlock identity\` and \`airlock human\` use it.

SIGHUP reloads the policy bundle; an invalid bundle keeps the previous one in force.
An invalid bundle at start exits with status 2 and lists every problem.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
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
    );
    const nodeWarning = nodeSupportWarning();
    if (nodeWarning) io.stderr.write(nodeWarning);
    const metrics = createMetrics();
    const runtime = await createRuntime(config, {
      observer: { onDecision: (o, ms) => metrics.decision(o, ms), onAuditCommit: (n, ms) => metrics.auditCommit(n, ms) },
    });
    let stateFile: string | undefined;
    let app: ReturnType<typeof createHttpServer>;
    try {
      // Once keys exist every endpoint is authenticated, so only then may the gateway leave loopback.
      if (!LOOPBACK.has(config.host) && (await runtime.store.credentials.countActive(new Date(runtime.clock.now()).toISOString())) === 0) {
        throw new AirlockError(
          'ERR_CONFIG_INVALID',
          `refusing to listen on ${config.host}: no API keys exist yet. Start once on loopback (127.0.0.1 or ::1) to create the admin key, then bind to ${config.host}`,
        );
      }
      const adminKey = await runtime.bootstrapAdmin();
      app = createHttpServer({ runtime, metrics, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
      await app.listen({ host: config.host, port: config.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      const localUrl = LOOPBACK.has(config.host) || config.host === '0.0.0.0' || config.host === '::' ? `http://127.0.0.1:${port}` : url;
      stateFile = join(config.dataDir, 'serve.json');
      writeFileSync(stateFile, JSON.stringify({ url: localUrl, pid: process.pid }) + '\n', { mode: 0o600 });
      if (adminKey) {
        io.stderr.write(
          `airlock: created the admin human "admin". Its API key is shown this once:\n\n    ${adminKey}\n\n` +
            `airlock: it is also in ${join(config.dataDir, 'admin.key')} (mode 0600) for the local CLI\n`,
        );
      }
      io.stderr.write(
        `airlock: listening on ${url}\n` +
          `airlock: policy bundle ${config.policies} (${runtime.policies.current()?.version})\n` +
          `airlock: audit log ${await describeStore(config)}, writer ${config.writerId}\n` +
          `airlock: callers authenticate with API keys (Authorization: Bearer ak_…)\n`,
      );
    } catch (e) {
      await runtime.close();
      throw e;
    }

    process.on('SIGHUP', () => {
      void runtime.reloadPolicies().then((r) => {
        if (r.ok) io.stderr.write(`airlock: reloaded policy bundle (${r.version})\n`);
        else io.stderr.write(`airlock: reload refused, ${r.version} stays in force:\n${(r.problems ?? []).map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n')}\n`);
      });
    });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.stderr.write('airlock: shutting down\n');
    if (stateFile) rmSync(stateFile, { force: true });
    await app.close();
    await runtime.close();
    return 0;
  },
};
