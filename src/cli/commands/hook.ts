import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AirlockError } from '../../core/errors.js';
import { adapters, type AgentName } from '../../integrations/hooks/adapters.js';
import { createFileCorrelation } from '../../integrations/hooks/correlation.js';
import { runHook } from '../../integrations/hooks/handle.js';
import { installClaudeCodeHook } from '../../integrations/hooks/install.js';
import { CLIENT_OPTIONS, clientFlags, openClient } from '../../sdk/open.js';
import type { AirlockClient } from '../../sdk/types.js';
import { readStdin, type CliCommand } from '../command.js';
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

const shellQuote = (s: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

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
    const failing = { authorize: async () => Promise.reject(new Error('no gateway configured')) };
    let clientError: Error | undefined;
    try {
      if (!values.subject) throw new AirlockError('ERR_REQUEST_INVALID', '--subject ID is required');
      client = await openClient(
        { ...clientFlags(values), timeoutMs: 8000 },
        io.env,
        { type: 'process', id: `airlock-hook:${adapter.name}`, via: 'hook' },
      );
    } catch (e) {
      clientError = e as Error;
    }
    try {
      const out = await runHook(
        adapter,
        input,
        client ?? { authorize: async () => Promise.reject(clientError ?? failing) },
        {
          subject: { type: values['subject-type'] ?? 'Agent', id: values.subject ?? '' },
          host: values.host ?? hostname(),
          environment: values.environment,
          onError,
          log,
          correlation: createFileCorrelation(),
          ...(client?.capabilities.executionReports ? { reportExecution: (r) => client!.reportExecution(r) } : {}),
        },
      );
      if (out.json) io.stdout.write(JSON.stringify(out.json) + '\n');
      if (out.stderr) io.stderr.write(out.stderr + '\n');
      return out.exitCode;
    } finally {
      await client?.close().catch(() => undefined);
    }
  },
};

async function install(argv: string[], io: Parameters<CliCommand['run']>[1]): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    project: { type: 'boolean' },
    user: { type: 'boolean' },
    settings: { type: 'string' },
    http: { type: 'boolean' },
    subject: { type: 'string' },
    'subject-type': { type: 'string' },
    gateway: { type: 'string' },
    'key-file': { type: 'string' },
    embedded: { type: 'boolean' },
    policies: { type: 'string' },
    'data-dir': { type: 'string' },
    'on-error': { type: 'string' },
    timeout: { type: 'string' },
  });
  if (positionals[0] !== 'claude-code') throw new AirlockError('ERR_REQUEST_INVALID', 'airlock hook install: only claude-code is installable (see docs/agents.md for the others)');
  if ([values.project, values.user, values.settings !== undefined].filter(Boolean).length > 1) throw new AirlockError('ERR_REQUEST_INVALID', '--project, --user and --settings exclude each other');
  const file = values.settings ? resolve(values.settings) : values.user ? join(homedir(), '.claude', 'settings.json') : resolve('.claude', 'settings.json');
  const timeoutS = values.timeout ? Number(values.timeout) : 30;
  if (!Number.isInteger(timeoutS) || timeoutS <= 0 || timeoutS > 600) throw new AirlockError('ERR_REQUEST_INVALID', '--timeout is whole seconds, 1–600');
  let result;
  if (values.http) {
    const url = values.gateway ?? io.env['AIRLOCK_URL'];
    if (!url) throw new AirlockError('ERR_REQUEST_INVALID', '--http needs --gateway URL');
    result = installClaudeCodeHook({ settingsFile: file, http: { url, keyEnv: 'AIRLOCK_KEY' }, timeoutS });
  } else {
    if (!values.subject) throw new AirlockError('ERR_REQUEST_INVALID', '--subject ID is required');
    const parts = ['airlock', 'hook', 'claude-code', '--subject', values.subject];
    if (values['subject-type']) parts.push('--subject-type', values['subject-type']);
    if (values.embedded) {
      parts.push('--embedded');
      if (values.policies) parts.push('--policies', resolve(values.policies));
      if (values['data-dir']) parts.push('--data-dir', resolve(values['data-dir']));
    } else if (values.gateway) {
      parts.push('--gateway', values.gateway);
      if (values['key-file']) parts.push('--key-file', resolve(values['key-file']));
    } else throw new AirlockError('ERR_REQUEST_INVALID', 'say where decisions come from: --gateway URL [--key-file F] or --embedded');
    if (values['on-error'] === 'ask') parts.push('--on-error', 'ask');
    result = installClaudeCodeHook({ settingsFile: file, command: parts.map(shellQuote).join(' '), timeoutS });
  }
  io.stdout.write(result.changed ? `installed Airlock hooks in ${result.file}${result.backup ? ` (backup: ${result.backup})` : ''}\n` : `Airlock hooks already installed in ${result.file}; nothing changed\n`);
  return 0;
}
