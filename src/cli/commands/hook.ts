import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '../../core/errors.js';
import { adapters, type AgentName } from '../../integrations/hooks/adapters.js';
import { quoteWord } from '../../integrations/hooks/argv.js';
import { createFileCorrelation } from '../../integrations/hooks/correlation.js';
import { runHook } from '../../integrations/hooks/handle.js';
import { mayRunScript } from '../../integrations/hooks/script-hint.js';
import type { Shell } from '../../commands/types.js';
import { CLIENT_OPTIONS, clientFlags, openClient } from '../../sdk/open.js';
import { openEdgeTracing, traceClient, type EdgeTracing } from '../traced-client.js';
import type { AirlockClient } from '../../sdk/types.js';
import { readStdin, type CliCommand } from '../command.js';
import { lightFetchAsFetch } from '../light-fetch.js';
import { parseOptions } from '../options.js';

const help = `usage: airlock hook claude-code|codex|gemini|cursor|generic --subject ID [decisions] [options]
       airlock hook install claude-code --subject ID [--project|--user|--settings FILE] [--http] [decisions]

Reads the agent's hook JSON on stdin (Claude Code/Codex PreToolUse and PostToolUse, Gemini
BeforeTool/AfterTool, Cursor beforeShellExecution/beforeMCPExecution/preToolUse, or the generic
shape in docs/agents.md), asks Airlock, and answers in the agent's contract. Bash → shell.exec,
Write/Edit/MultiEdit/NotebookEdit → file.write, Read → file.read, WebFetch/WebSearch → net.request,
mcp__<server>__<tool> → tool.call on Tool::"<server>/<tool>", anything else → tool.call.
confirmation_required → ask (deny where the agent cannot ask); approval_required → deny naming the
approval. Post events record the result.

decisions (one of):
  --gateway URL            a running gateway (or AIRLOCK_URL), with --key-file FILE, --key K or AIRLOCK_KEY
  --embedded               the in-process pipeline (--policies DIR, --data-dir DIR)

options:
  --subject ID             the NHI the agent acts as;  --subject-type TYPE (default Agent)
  --on-error deny|ask      when no decision can be had (gateway down, bad input); default deny, never allow
  --host NAME              Host id of shell.exec resources (default: this machine's hostname)
  --environment ENV        put context.environment = ENV

install: merges the hooks into .claude/settings.json (--project, default), ~/.claude/settings.json
(--user) or --settings FILE; backs the file up first; idempotent; timeout 30 s (--timeout S) and
onFailure "block". --http installs an http hook to <gateway>/v1/hooks/claude-code that sends
Authorization: Bearer $AIRLOCK_KEY.`;

const AGENTS = new Set<AgentName>(['claude-code', 'codex', 'gemini', 'cursor', 'generic']);


export const command: CliCommand = {
  name: 'hook',
  summary: 'Coding-agent hooks (Claude Code, Codex, Gemini, Cursor) and their installation',
  help,
  async run(argv, io) {
    const [first, ...rest] = argv;
    if (first === 'install') return install(rest, io);
    if (!first || !AGENTS.has(first as AgentName)) throw new AirlockError('ERR_REQUEST_INVALID', `airlock hook: name the agent (${[...AGENTS].join(', ')}) or install`);
    const adapter = adapters[first as AgentName];
    let values;
    try {
      values = parseOptions(rest, {
        subject: { type: 'string' },
        'subject-type': { type: 'string' },
        ...CLIENT_OPTIONS,
        'on-error': { type: 'string' },
        host: { type: 'string' },
        environment: { type: 'string' },
      }, false).values;
    } catch (e) {
      // even a bad command line answers in the agent's contract: blocked
      const out = adapter.render('deny', `Airlock hook is misconfigured (${(e as Error).message}); blocked (fail closed).`, 'pre');
      if (out.json) io.stdout.write(JSON.stringify(out.json) + '\n');
      return adapter.name === 'codex' ? 2 : out.exitCode;
    }
    const onError = values['on-error'] === 'ask' ? 'ask' : 'deny';
    const log = (line: string) => void io.stderr.write(`airlock hook: ${line}\n`);
    const input = await readStdin(io);
    let client: AirlockClient | undefined;
    let clientError: Error = new Error('no gateway configured');
    let tracing: EdgeTracing | undefined;
    try {
      if (!values.subject) throw new AirlockError('ERR_REQUEST_INVALID', '--subject ID is required');
      // OTEL_EXPORTER_OTLP_*: the hook call is a span, its decision a child of it (docs/observability.md).
      tracing = await openEdgeTracing(io.env);
      client = traceClient(
        await openClient({ ...clientFlags(values), timeoutMs: 8000, fetch: lightFetchAsFetch }, io.env, { type: 'process', id: `airlock-hook:${adapter.name}`, via: 'hook' }),
        tracing.tracer,
        'airlock.hook',
      );
    } catch (e) {
      clientError = e as Error;
    }
    try {
      const out = await runHook(
        adapter,
        input,
        client ?? { authorize: async () => Promise.reject(clientError) },
        {
          subject: { type: values['subject-type'] ?? 'Agent', id: values.subject ?? '' },
          host: values.host ?? hostname(),
          home: homedir(),
          environment: values.environment,
          onError,
          log,
          correlation: createFileCorrelation(),
          scripts: (command, shell, cwd) => judgeScripts(command, shell, cwd),
          ...(client?.capabilities.executionReports ? { reportExecution: (r) => client!.reportExecution(r) } : {}),
          ...(client?.reportRefusal ? { reportRefusal: (r) => client!.reportRefusal!(r) } : {}),
        },
      );
      if (out.json) io.stdout.write(JSON.stringify(out.json) + '\n');
      if (out.stderr) io.stderr.write(out.stderr + '\n');
      return out.exitCode;
    } finally {
      await client?.close().catch(() => undefined);
      await tracing?.close().catch(() => undefined);
    }
  },
};

/**
 * The scripts a shell command runs by path, read from the agent's working directory and judged
 * by the local analyzer (the gateway sees only the command text). Only script findings count:
 * the command line itself is the gateway's to decide.
 */
async function judgeScripts(command: string, shell: string, cwd: string): Promise<{ verdict: 'deny' | 'ask'; reason: string } | undefined> {
  // The analyzer and its grammars load only for a command that may run a script by path: the
  // hook runs on every tool call and must stay light (issue 14).
  if (!mayRunScript(command)) return undefined;
  const [{ shells }, { loadAnalyzer }, { analyzeWithScripts }] = await Promise.all([
    import('../../commands/types.js'),
    import('../../runtime/load-grammars.js'),
    import('../../runtime/script-sources.js'),
  ]);
  const sh = (shells as readonly string[]).includes(shell) ? (shell as Shell) : 'bash';
  const a = await analyzeWithScripts(await loadAnalyzer(), command, sh, { cwd, home: homedir() });
  const inScripts = a.findings.filter((f) => f.script !== undefined || (f.rule === 'script_unread' && f.severity !== 'low'));
  const worst = inScripts.find((f) => f.severity === 'critical') ?? inScripts.find((f) => f.severity === 'high' || f.severity === 'medium');
  if (!worst) return undefined;
  return { verdict: worst.severity === 'critical' ? 'deny' : 'ask', reason: `${worst.rule}: ${worst.explanation}` };
}

/** Where `name` resolves on PATH (an executable file), or undefined. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The words that start this very CLI, so the installed hook resolves whatever the agent's PATH
 * is: node's absolute path and this file's. `--use-path` writes bare `airlock` instead, after
 * checking that it is on PATH (a hook command that is not found blocks every tool call).
 */
function selfCommand(usePath: boolean, env: NodeJS.ProcessEnv): { words: string[]; note: string } {
  if (usePath) {
    const found = onPath('airlock', env);
    if (!found) throw new AirlockError('ERR_CONFIG_INVALID', '`airlock` is not on PATH, so a hook command `airlock …` would not be found and would block every tool call. Install it with `npm install -g .` in the Airlock checkout (or `npm install -g airlock`), or leave out --use-path to write the absolute path of this CLI');
    return { words: ['airlock'], note: `\`airlock\` is on PATH (${found})` };
  }
  const main = realpathSync(fileURLToPath(new URL('../main.js', import.meta.url)));
  return { words: [process.execPath, main], note: `the hook runs ${process.execPath} ${main} (absolute; no PATH lookup)` };
}

async function install(argv: string[], io: Parameters<CliCommand['run']>[1]): Promise<number> {
  const { installClaudeCodeHook } = await import('../../integrations/hooks/install.js');
  const { values, positionals } = parseOptions(argv, {
    project: { type: 'boolean' },
    user: { type: 'boolean' },
    settings: { type: 'string' },
    http: { type: 'boolean' },
    subject: { type: 'string' },
    'subject-type': { type: 'string' },
    gateway: { type: 'string' },
    url: { type: 'string' },
    'key-file': { type: 'string' },
    embedded: { type: 'boolean' },
    policies: { type: 'string' },
    'data-dir': { type: 'string' },
    'on-error': { type: 'string' },
    timeout: { type: 'string' },
    'use-path': { type: 'boolean' },
  });
  if (positionals[0] !== 'claude-code') throw new AirlockError('ERR_REQUEST_INVALID', 'airlock hook install: only claude-code is installable (see docs/agents.md for the others)');
  if ([values.project, values.user, values.settings !== undefined].filter(Boolean).length > 1) throw new AirlockError('ERR_REQUEST_INVALID', '--project, --user and --settings exclude each other');
  const file = values.settings ? resolve(values.settings) : values.user ? join(homedir(), '.claude', 'settings.json') : resolve('.claude', 'settings.json');
  const timeoutS = values.timeout ? Number(values.timeout) : 30;
  if (!Number.isInteger(timeoutS) || timeoutS <= 0 || timeoutS > 600) throw new AirlockError('ERR_REQUEST_INVALID', '--timeout is whole seconds, 1–600');
  const gateway = values.gateway ?? values.url;
  let result;
  let note = '';
  if (values.http) {
    const url = gateway ?? io.env['AIRLOCK_URL'];
    if (!url) throw new AirlockError('ERR_REQUEST_INVALID', '--http needs --gateway URL');
    result = installClaudeCodeHook({ settingsFile: file, http: { url, keyEnv: 'AIRLOCK_KEY' }, timeoutS });
  } else {
    if (!values.subject) throw new AirlockError('ERR_REQUEST_INVALID', '--subject ID is required');
    const self = selfCommand(values['use-path'] === true, io.env);
    note = `; ${self.note}`;
    const parts = [...self.words, 'hook', 'claude-code', '--subject', values.subject];
    if (values['subject-type']) parts.push('--subject-type', values['subject-type']);
    if (values.embedded) {
      parts.push('--embedded');
      if (values.policies) parts.push('--policies', resolve(values.policies));
      if (values['data-dir']) parts.push('--data-dir', resolve(values['data-dir']));
    } else if (gateway) {
      parts.push('--gateway', gateway);
      if (values['key-file']) parts.push('--key-file', resolve(values['key-file']));
    } else throw new AirlockError('ERR_REQUEST_INVALID', 'say where decisions come from: --gateway URL [--key-file F] or --embedded');
    if (values['on-error'] === 'ask') parts.push('--on-error', 'ask');
    result = installClaudeCodeHook({ settingsFile: file, command: parts.map(quoteWord).join(' '), timeoutS });
  }
  io.stdout.write(result.changed ? `installed Airlock hooks in ${result.file}${result.backup ? ` (backup: ${result.backup})` : ''}${note}\n` : `Airlock hooks already installed in ${result.file}; nothing changed${note}\n`);
  return 0;
}
