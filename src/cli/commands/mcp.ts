import { readFileSync } from 'node:fs';
import { parseDuration } from '../../core/duration.js';
import { AirlockError } from '../../core/errors.js';
import type { CoazContext } from '../../mcp/coaz.js';
import { parseProxyConfig, type CoazSettings, type ProxyServerConfig } from '../../mcp/config.js';
import { listenHttp } from '../../mcp/http-listener.js';
import { createProxySession, type ProxySession } from '../../mcp/proxy.js';
import { refusalRecorder } from '../../mcp/refusals.js';
import { ScreenedStdioTransport } from '../../mcp/stdio-transport.js';
import type { CommandArgRule } from '../../mcp/tool-request.js';
import { defaultServerName, openUpstream, type UpstreamSpec } from '../../mcp/upstream.js';
import { CLIENT_OPTIONS, clientFlags, openClient } from '../../sdk/open.js';
import { openEdgeTracing, traceClient } from '../traced-client.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';

const help = `usage: airlock mcp --subject ID [decisions] [options] -- SERVER_COMMAND [ARGS…]
       airlock mcp --subject ID [decisions] [options] --upstream URL [--listen HOST:PORT]
       airlock mcp [decisions] --config FILE [--server NAME | --listen HOST:PORT]

An MCP proxy: the agent talks to Airlock, Airlock talks to the real MCP server. Every tools/call is
authorized first (action tool.call on Tool::"<server>/<tool>"), and so are resources/read,
resources/subscribe, prompts/get and completion/complete (mcp.resource.read, mcp.resource.subscribe,
mcp.prompt.get, mcp.completion; see docs/agents.md). Lists and notifications pass through; an
unknown method is refused.
Without --listen the agent speaks MCP over this process's stdin/stdout (put this command in the
agent's MCP config); with --listen it serves Streamable HTTP at http://HOST:PORT/mcp
(with --config: /mcp/<server name>).

decisions (one of):
  --gateway URL            a running gateway (or AIRLOCK_URL), with --key-file FILE, --key K or AIRLOCK_KEY:
                           the key of the proxy's own enforcement-point identity, never the agent's
                           (an agent cannot confirm its own action), e.g.
                           airlock identity create mcp-proxy --kind workload --owner YOU \\
                             --purpose "MCP proxy" --pep-subject Agent:AGENT_ID
  --embedded               the in-process pipeline (--policies DIR, --data-dir DIR)

options:
  --subject ID             the NHI the agent acts as
  --subject-type TYPE      its entity type (default Agent)
  --name NAME              server name in Tool ids (default: from the command, e.g. server-filesystem)
  --approval-wait DUR      how long a call waits for a pending approval (default 120s; 0 = do not wait)
  --hide-denied-tools      leave tools the subject is denied (with empty arguments) out of tools/list
  --command-arg TOOL=A,B   arguments of TOOL that carry a shell command (repeatable; default: command,
                           cmd, script on tools whose name suggests execution)
  --config FILE            several servers (JSON or YAML); see docs/agents.md
  --binding NAME           airlock (default: the mapping above) or coaz: the OpenID AuthZEN COAZ-MCP
                           binding (default mappings per method, tools' x-authzen-mapping, refusals as
                           JSON-RPC -32001 denied / -32602 mapping error / -32603 no decision)
  --coaz-claims FILE       (coaz) the caller's claims, the binding's token (JSON object); sub and
                           client_id default to --subject
  --coaz-audience ID       (coaz) this server's resource identifier (default mcp://<server name>)
  --coaz-subject-claim C   (coaz) the claim that carries subject.id (default sub)

Gateway unreachable: every call is refused with an explanation (fail closed); the proxy stays up.`;

function parseCommandArgs(list: string[] | undefined): CommandArgRule[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((s) => {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) throw new AirlockError('ERR_REQUEST_INVALID', `--command-arg wants TOOL=ARG[,ARG…], got "${s}"`);
    return { tool: m[1]!, args: m[2]!.split(',').filter(Boolean) };
  });
}

function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(s);
  if (!m) throw new AirlockError('ERR_REQUEST_INVALID', `--listen wants HOST:PORT, got "${s}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: Number(m[2]) };
}

export const command: CliCommand = {
  name: 'mcp',
  summary: 'MCP proxy that authorizes every tools/call (stdio or Streamable HTTP)',
  help,
  async run(argv, io) {
    const dash = argv.indexOf('--');
    const ours = dash >= 0 ? argv.slice(0, dash) : argv;
    const serverCmd = dash >= 0 ? argv.slice(dash + 1) : [];
    const { values, positionals } = parseOptions(ours, {
      subject: { type: 'string' },
      'subject-type': { type: 'string' },
      ...CLIENT_OPTIONS,
      name: { type: 'string' },
      upstream: { type: 'string' },
      listen: { type: 'string' },
      config: { type: 'string' },
      server: { type: 'string' },
      'approval-wait': { type: 'string' },
      'hide-denied-tools': { type: 'boolean' },
      'command-arg': { type: 'string', multiple: true },
      binding: { type: 'string' },
      'coaz-claims': { type: 'string' },
      'coaz-audience': { type: 'string' },
      'coaz-subject-claim': { type: 'string' },
    });
    if (positionals.length > 0) throw new AirlockError('ERR_REQUEST_INVALID', `unexpected argument "${positionals[0]}" (put the server command after --)`);
    const log = (line: string) => void io.stderr.write(`airlock mcp: ${line}\n`);

    let servers: ProxyServerConfig[];
    let subjectId = values.subject;
    let subjectType = values['subject-type'] ?? 'Agent';
    let approvalWaitMs: number | undefined;
    let binding: string = values.binding ?? 'airlock';
    let coazSettings: CoazSettings = {};
    if (values.config) {
      if (serverCmd.length > 0 || values.upstream) throw new AirlockError('ERR_REQUEST_INVALID', '--config names its servers; do not add -- COMMAND or --upstream');
      const cfg = parseProxyConfig(readFileSync(values.config, 'utf8'), values.config);
      servers = cfg.servers;
      if (values.server) {
        servers = servers.filter((s) => s.name === values.server);
        if (servers.length === 0) throw new AirlockError('ERR_REQUEST_INVALID', `no server "${values.server}" in ${values.config}`);
      }
      subjectId ??= cfg.subject?.id;
      if (!values['subject-type'] && cfg.subject) subjectType = cfg.subject.type;
      approvalWaitMs = cfg.approvalWaitMs;
      if (values.binding === undefined) binding = cfg.binding;
      coazSettings = cfg.coaz ?? {};
    } else {
      let spec: UpstreamSpec;
      if (values.upstream) {
        if (serverCmd.length > 0) throw new AirlockError('ERR_REQUEST_INVALID', '--upstream and -- COMMAND exclude each other');
        spec = { kind: 'http', url: values.upstream };
      } else {
        if (serverCmd.length === 0) throw new AirlockError('ERR_REQUEST_INVALID', 'name the MCP server: -- COMMAND [ARGS…], --upstream URL, or --config FILE');
        spec = { kind: 'stdio', command: serverCmd[0]!, args: serverCmd.slice(1) };
      }
      const commandArgs = parseCommandArgs(values['command-arg']);
      servers = [{ name: values.name ?? defaultServerName(spec), upstream: spec, hideDeniedTools: values['hide-denied-tools'] === true, ...(commandArgs ? { commandArgs } : {}) }];
    }
    if (!subjectId) throw new AirlockError('ERR_REQUEST_INVALID', '--subject ID is required (the NHI the agent acts as)');
    if (binding !== 'airlock' && binding !== 'coaz') throw new AirlockError('ERR_REQUEST_INVALID', `--binding is airlock or coaz, not "${binding}"`);
    if (binding !== 'coaz' && (values['coaz-claims'] || values['coaz-audience'] || values['coaz-subject-claim'])) throw new AirlockError('ERR_REQUEST_INVALID', '--coaz-* options need --binding coaz');
    if (values['coaz-claims']) {
      let claims: unknown;
      try {
        claims = JSON.parse(readFileSync(values['coaz-claims'], 'utf8'));
      } catch (e) {
        throw new AirlockError('ERR_REQUEST_INVALID', `--coaz-claims ${values['coaz-claims']}: not a readable JSON file: ${(e as Error).message}`);
      }
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new AirlockError('ERR_REQUEST_INVALID', `--coaz-claims ${values['coaz-claims']}: must hold a JSON object of claims`);
      coazSettings = { ...coazSettings, claims: claims as Record<string, unknown> };
    }
    if (values['coaz-audience']) coazSettings = { ...coazSettings, audience: values['coaz-audience'] };
    if (values['coaz-subject-claim']) coazSettings = { ...coazSettings, subjectClaim: values['coaz-subject-claim'] };
    if (values['approval-wait'] !== undefined) {
      try {
        approvalWaitMs = values['approval-wait'] === '0' ? 0 : parseDuration(values['approval-wait']);
      } catch (e) {
        throw new AirlockError('ERR_REQUEST_INVALID', (e as Error).message);
      }
    }
    if (!values.listen && servers.length > 1) throw new AirlockError('ERR_REQUEST_INVALID', `stdio serves one server: pick one with --server (${servers.map((s) => s.name).join(', ')}) or use --listen`);

    // OTEL_EXPORTER_OTLP_*: each gated call's decision request is a span of this process (docs/observability.md).
    const tracing = await openEdgeTracing(io.env);
    const client = traceClient(
      await openClient(clientFlags(values), io.env, { type: 'process', id: `airlock-mcp:${process.pid}`, via: 'mcp' }),
      tracing.tracer,
      'airlock.mcp.call',
    );
    const subject = { type: subjectType, id: subjectId };
    const coazFor = (server: string): CoazContext | undefined => {
      if (binding !== 'coaz') return undefined;
      const serverId = coazSettings.audience ?? `mcp://${server}`;
      return {
        token: { sub: subjectId, client_id: subjectId, aud: serverId, ...(coazSettings.claims ?? {}) },
        serverId,
        ...(coazSettings.subjectClaim ? { subjectClaim: coazSettings.subjectClaim } : {}),
      };
    };
    const sessionFor = (s: ProxyServerConfig) => (): ProxySession =>
      createProxySession({
        ...(coazFor(s.name) ? { coaz: coazFor(s.name)! } : {}),
        client,
        subject,
        server: s.name,
        upstream: () => openUpstream(s.upstream, io.env),
        hideDeniedTools: s.hideDeniedTools,
        log,
        ...(approvalWaitMs !== undefined ? { approvalWaitMs } : {}),
        ...(s.commandArgs ? { commandArgs: s.commandArgs } : {}),
      });

    if (values.listen) {
      const { host, port } = parseListen(values.listen);
      const routes = new Map<string, () => ProxySession>();
      const recorders = new Map<string, ReturnType<typeof refusalRecorder>>();
      const route = (path: string, s: ProxyServerConfig) => {
        routes.set(path, sessionFor(s));
        recorders.set(path, refusalRecorder(client, { subject, server: s.name }, log));
      };
      if (values.config) for (const s of servers) route(`/mcp/${s.name}`, s);
      else route('/mcp', servers[0]!);
      // Messages refused before any session saw them are logged and recorded too; one sent to a
      // path that is no endpoint is recorded without a server name.
      const anyPath = refusalRecorder(client, { subject }, log);
      const onRefused = (path: string, r: { code: string; why: string; methods: string[]; targets: string[] }) =>
        (recorders.get(path) ?? anyPath)({ code: r.code, detail: r.why, methods: r.methods, targets: r.targets }).catch(() => undefined);
      const listener = await listenHttp({ host, port, routes, log, onRefused });
      log(`listening on ${[...routes.keys()].map((p) => listener.url + p).join(', ')}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await listener.close();
      await client.close();
      await tracing.close();
      return 0;
    }

    const session = sessionFor(servers[0]!)();
    const recordRefusal = refusalRecorder(client, { subject, server: servers[0]!.name }, log);
    const transport = new ScreenedStdioTransport(io.stdin, io.stdout, (r) => void recordRefusal({ code: r.code, detail: r.why, methods: r.methods, targets: r.targets }));
    await session.connect(transport);
    const stop = () => void session.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await session.closed;
    await client.close();
    await tracing.close();
    return 0;
  },
};
