import { loadConfig } from '../../config/load.js';
import { AirlockError } from '../../core/errors.js';
import { createHttpServer } from '../../http/server.js';
import { createMetrics } from '../../http/metrics.js';
import { createRuntime } from '../../runtime/runtime.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const command: CliCommand = {
  name: 'serve',
  summary: 'run the HTTP gateway (AuthZEN + Airlock API)',
  help: `usage: airlock serve [--data-dir DIR] [--policies DIR] [--host HOST] [--port PORT] [--log-level LEVEL]

Runs the gateway. Decisions are audited in DIR/airlock.db (SQLite, WAL).
  --data-dir DIR    data directory (default .airlock, env AIRLOCK_DATA_DIR)
  --policies DIR    policy bundle directory (default policies/example, env AIRLOCK_POLICIES)
  --host HOST       listen address (default 127.0.0.1; loopback only until caller authentication is configured)
  --port PORT       listen port (default 8787, env AIRLOCK_PORT)
  --log-level LVL   fatal|error|warn|info|debug|trace|silent (default info)

SIGHUP reloads the policy bundle; an invalid bundle keeps the previous one in force.
An invalid bundle at start exits with status 2 and lists every problem.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      'data-dir': { type: 'string' },
      policies: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'log-level': { type: 'string' },
    }, false);
    const config = loadConfig(
      {
        dataDir: values['data-dir'],
        policies: values.policies,
        host: values.host,
        port: values.port === undefined ? undefined : Number(values.port),
        logLevel: values['log-level'] as never,
      },
      io.env,
    );
    if (!LOOPBACK.has(config.host)) {
      throw new AirlockError('ERR_CONFIG_INVALID', `refusing to listen on ${config.host}: until caller authentication is configured, airlock serve binds to loopback only (127.0.0.1 or ::1)`);
    }
    const metrics = createMetrics();
    const runtime = await createRuntime(config, {
      observer: { onDecision: (o, ms) => metrics.decision(o, ms), onAuditCommit: (n, ms) => metrics.auditCommit(n, ms) },
    });
    const app = createHttpServer({ runtime, metrics, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    io.stderr.write(
      `airlock: listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}\n` +
        `airlock: policy bundle ${config.policies} (${runtime.policies.current()?.version})\n` +
        `airlock: audit log ${config.dataDir}/airlock.db\n` +
        `airlock: loopback only — caller authentication is not configured yet\n`,
    );

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
    await app.close();
    await runtime.close();
    return 0;
  },
};
