/**
 * `airlock exec`: analyze a command, authorize it through the gateway (or embedded), and run
 * exactly the analyzed string with the named shell — no re-quoting between analysis and execution.
 */
import { spawn } from 'node:child_process';
import { homedir, hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { shells, type CommandAnalysis, type Shell } from '../../commands/types.js';
import { parseDuration } from '../../core/duration.js';
import { AirlockError } from '../../core/errors.js';
import type { AuthorizationRequest, Decision } from '../../core/types.js';
import { loadAnalyzer } from '../../runtime/load-grammars.js';
import { analyzeWithScripts } from '../../runtime/script-sources.js';
import { CLIENT_OPTIONS, clientFlags, openClient } from '../../sdk/open.js';
import type { AirlockClient } from '../../sdk/types.js';
import type { CliCommand, CliIO } from '../command.js';
import { parseOptions } from '../options.js';

const HELP = `usage: airlock exec --subject TYPE:ID [--shell bash|sh|zsh|powershell|cmd] [--resource TYPE:ID]
                    [--environment ENV] (--gateway URL --key-file F | --embedded [--policies D --data-dir D])
                    [--wait 120s | --no-wait] -- COMMAND…

Analyzes the command, asks the gateway for a decision on shell.exec (subject, resource default
Host:<this host>, context {command, shell, environment}), then:
  deny                   refuses and prints the reasons (exit 3)
  confirmation / ask     shows the plain-language summary and the findings and asks on the terminal
                         (default no; never yes without a terminal)
  approval required      prints the approval id and waits for it (--wait, default 120s; --no-wait exits 1)
  allow                  runs exactly the analyzed string with the named shell, streams its output,
                         reports the result as the execution record, and exits with its status
Scripts the command runs by path (bash ./deploy.sh, python tool.py, ./run.sh) are read here (up to
64 KiB each) and analyzed with it: a script that cannot be read asks for a confirmation, and
one the analyzer denies is refused here whatever the gateway said (exit 3).`;

// No startup files: what runs is the analyzed string, not that plus whatever an rc file adds.
const RUNNERS: Record<Shell, (cmd: string) => [string, string[]]> = {
  bash: (c) => ['bash', ['--noprofile', '--norc', '-c', c]],
  sh: (c) => ['sh', ['-c', c]],
  zsh: (c) => ['zsh', ['-f', '-c', c]],
  powershell: (c) => ['pwsh', ['-NoProfile', '-NonInteractive', '-Command', c]],
  cmd: (c) => ['cmd.exe', ['/d', '/s', '/c', c]],
};

function entity(v: string, flag: string): { type: string; id: string } {
  const i = v.indexOf(':');
  if (i <= 0 || i === v.length - 1) throw new AirlockError('ERR_REQUEST_INVALID', `${flag} must be TYPE:ID, e.g. Agent:ops-bot`);
  return { type: v.slice(0, i), id: v.slice(i + 1) };
}

function show(io: CliIO, a: CommandAnalysis): void {
  io.stderr.write(`risk ${a.risk}, analyzer verdict ${a.verdict}\n`);
  for (const s of a.summary) io.stderr.write(`  ${s}\n`);
  for (const f of a.findings) io.stderr.write(`  [${f.severity}] ${f.rule}: ${f.explanation}\n`);
}

async function yes(io: CliIO, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) return false;
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const reasons = (d: Decision) => d.reasons.map((r) => `${r.policyId ? `${r.policyId}: ` : ''}${r.message} (${r.code})`).join('; ');

export const command: CliCommand = {
  name: 'exec',
  summary: 'analyze, authorize and then run a shell command (exactly the analyzed bytes)',
  help: HELP,
  async run(args, io) {
    const dash = args.indexOf('--');
    if (dash < 0 || dash === args.length - 1) throw new AirlockError('ERR_REQUEST_INVALID', 'put the command after --, e.g. airlock exec --subject Agent:ops-bot --embedded -- ls -la');
    const { values } = parseOptions(
      args.slice(0, dash),
      {
        subject: { type: 'string' },
        resource: { type: 'string' },
        shell: { type: 'string' },
        environment: { type: 'string' },
        ...CLIENT_OPTIONS,
        wait: { type: 'string' },
        'no-wait': { type: 'boolean' },
      },
      false,
    );
    // One argument is taken verbatim; several are joined with single spaces, as a shell line would be.
    const text = args.slice(dash + 1).join(' ');
    const shell = (values.shell ?? 'bash') as Shell;
    if (!shells.includes(shell)) throw new AirlockError('ERR_REQUEST_INVALID', `--shell must be one of ${shells.join(', ')}`);
    if (!values.subject) throw new AirlockError('ERR_REQUEST_INVALID', '--subject TYPE:ID is required (the identity the command runs as)');
    const waitMs = values['no-wait'] ? 0 : parseDuration(values.wait ?? '120s');

    // The gateway judges the command text; the scripts it runs are only visible here.
    const analysis = await analyzeWithScripts(await loadAnalyzer(), text, shell, { cwd: process.cwd(), home: homedir() });
    const request: AuthorizationRequest = {
      subject: entity(values.subject, '--subject'),
      action: { name: 'shell.exec' },
      resource: values.resource ? entity(values.resource, '--resource') : { type: 'Host', id: hostname() },
      context: { command: text, shell, ...(values.environment ? { environment: values.environment } : {}) },
    };
    const client: AirlockClient = await openClient(
      clientFlags(values),
      io.env,
      { type: 'process', id: `airlock-exec:${process.pid}`, via: 'cli' },
    );
    try {
      let d = await client.authorize(request);
      if (d.outcome === 'deny') {
        io.stderr.write(`airlock: denied: ${reasons(d)}\n`);
        show(io, analysis);
        return 3;
      }
      const scriptDeny = analysis.findings.filter((f) => f.script !== undefined && f.severity === 'critical');
      if (scriptDeny.length > 0) {
        io.stderr.write(`airlock: refused: a script this command runs is denied by the analyzer (${[...new Set(scriptDeny.map((f) => f.script))].join(', ')})\n`);
        show(io, analysis);
        return 3;
      }
      if (d.outcome === 'approval_required') {
        const id = d.approval?.id;
        io.stderr.write(`airlock: needs an independent approval${id ? ` (${id}); an approver runs: airlock approve ${id}` : ''}\n`);
        if (!id || waitMs === 0) return 1;
        io.stderr.write(`airlock: waiting up to ${Math.round(waitMs / 1000)} s…\n`);
        const st = await client.waitForApproval(id, { timeoutMs: waitMs });
        if (st.status !== 'approved') {
          io.stderr.write(`airlock: approval ${id} is ${st.status}\n`);
          return 1;
        }
        d = await client.authorize(request);
      }
      if (d.outcome === 'confirmation_required' || (d.outcome === 'allow' && analysis.verdict !== 'allow')) {
        show(io, analysis);
        if (!(await yes(io, `run this ${shell} command? [y/N] `))) {
          io.stderr.write(io.stdin.isTTY ? 'airlock: not confirmed\n' : 'airlock: needs a confirmation and there is no terminal to ask on\n');
          return 1;
        }
        if (d.outcome === 'confirmation_required') {
          const id = d.confirmation?.id;
          if (!id) throw new AirlockError('ERR_INTERNAL', 'the gateway asked for a confirmation without naming it');
          await client.confirm(id);
          d = await client.authorize(request);
        }
      }
      if (d.outcome !== 'allow') {
        io.stderr.write(`airlock: not allowed (${d.outcome}): ${reasons(d)}\n`);
        return 1;
      }
      const [bin, argv] = RUNNERS[shell](text);
      const started = Date.now();
      const status = await new Promise<number>((resolve) => {
        const child = spawn(bin, argv, { stdio: 'inherit' });
        child.on('error', (e) => {
          io.stderr.write(`airlock: cannot start ${bin}: ${e.message}\n`);
          resolve(127);
        });
        child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
      await client
        .reportExecution({ requestId: d.requestId, actionHash: d.actionHash, status: status === 0 ? 'succeeded' : 'failed', durationMs: Date.now() - started, executor: 'airlock-exec', ...(status === 0 ? {} : { error: `exit status ${status}` }) })
        .catch((e: unknown) => io.stderr.write(`airlock: could not record the execution: ${(e as Error).message}\n`));
      return status;
    } finally {
      await client.close?.();
    }
  },
};
