/**
 * `airlock check`: analyze a shell command and print what it does and why it is risky.
 * Exit codes: 0 allow, 1 ask, 3 deny, 2 error. `--batch` reads JSON lines and writes one result per line.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { AirlockError } from '../../core/errors.js';
import { readStdin, type CliCommand, type CliIO } from '../command.js';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { loadAnalyzer, loadCatalogFile } from '../../runtime/load-grammars.js';
import { analyzeWithScripts } from '../../runtime/script-sources.js';
import { redact } from '../../commands/redact.js';
import { shells, type Analyzer, type CommandAnalysis, type Shell } from '../../commands/types.js';

const help = `usage: airlock check [--shell bash|sh|zsh|powershell|cmd] [--catalog FILE] [--cwd DIR] [--json] [--] COMMAND…
       airlock check --batch [--catalog FILE] < commands.jsonl

Analyzes a command before it runs: prints the verdict (allow, ask, deny), the risk, the command as
numbered steps, and every finding with its rule id and MITRE ATT&CK technique id. The command is read from stdin when none is given.

options:
  --shell S   the shell that would run the command (default: bash)
  --json      print the full analysis as JSON
  --catalog F add the programs and targets of catalog file F (JSON, docs/commands.md) to the built-in ones
  --cwd DIR   read the scripts the command runs by path (bash ./x.sh, python tool.py, ./run.sh) from DIR
              (up to 64 KiB each) and analyze them too; without it only the command line is judged
  --batch     read JSON lines {"id","shell","command"} from stdin; write one JSON line per input
              {"id","verdict","risk","categories","findings":[{"rule","category","severity","technique","explanation"}],"techniques","micros"}
              in the same order; a bad line gets {"id","error"} and the run goes on

exit codes: 0 allow, 1 ask, 3 deny, 2 error (batch: 0 when every line was processed)`;

const exitFor = { allow: 0, ask: 1, deny: 3 } as const;

function parseShell(s: string | undefined): Shell {
  const v = (s ?? 'bash').toLowerCase();
  if (!(shells as readonly string[]).includes(v)) throw new AirlockError('ERR_REQUEST_INVALID', `--shell must be one of ${shells.join(', ')}`);
  return v as Shell;
}

export const command: CliCommand = {
  name: 'check',
  summary: 'Explain a shell command and flag what makes it risky',
  help,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { shell: { type: 'string' }, json: { type: 'boolean' }, batch: { type: 'boolean' }, catalog: { type: 'string' }, cwd: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new AirlockError('ERR_REQUEST_INVALID', (e as Error).message);
    }
    const { values, positionals } = parsed;
    const analyzer = values.catalog ? await loadAnalyzer(undefined, await loadCatalogFile(values.catalog)) : await loadAnalyzer();
    if (values.batch) return runBatch(analyzer, io, values.shell ? parseShell(values.shell) : undefined);
    const shell = parseShell(values.shell);
    let text = positionals.length > 0 ? positionals.join(' ') : await readStdin(io);
    if (positionals.length === 0) text = text.replace(/\r?\n$/, '');
    if (text.trim() === '') throw new AirlockError('ERR_REQUEST_INVALID', 'no command given (pass it as arguments or on stdin)');
    const result = values.cwd ? await analyzeWithScripts(analyzer, text, shell, { cwd: resolve(values.cwd), home: homedir() }) : analyzer.analyze(text, { shell });
    if (values.json) io.stdout.write(JSON.stringify({ command: redact(text), ...result }, null, 2) + '\n');
    else io.stdout.write(render(result, io.stdout.isTTY === true && !io.env['NO_COLOR']));
    return exitFor[result.verdict];
  },
};

const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
const verdictColor = { allow: '32', ask: '33', deny: '31' } as const;
const sevColor = { low: '36', medium: '33', high: '91', critical: '31;1' } as const;

/** Human-readable report. Finding text is already redacted and escapes invisible characters. */
export function render(a: CommandAnalysis, color: boolean): string {
  const lines: string[] = [];
  lines.push(`${paint(color, verdictColor[a.verdict] + ';1', a.verdict.toUpperCase())}  risk: ${a.risk}${a.incomplete ? ' (analysis incomplete)' : ''}`);
  lines.push('', 'What it does:');
  for (const s of a.summary) lines.push(`  ${sanitize(s)}`);
  if (a.findings.length > 0) {
    lines.push('', 'Findings:');
    for (const f of a.findings) lines.push(`  ${paint(color, sevColor[f.severity], f.severity.padEnd(8))} ${f.rule} [${f.category}, ATT&CK ${f.technique}] @${f.span.start}-${f.span.end}${f.script ? ` (script ${sanitize(f.script)})` : ''}: ${sanitize(f.explanation)}`);
  }
  return lines.join('\n') + '\n';
}

/** Never write raw control characters from the command back to the terminal. */
function sanitize(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase()}}`);
}

async function runBatch(analyzer: Analyzer, io: CliIO, defaultShell: Shell | undefined): Promise<number> {
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) io.stdout.write(out.join(''));
    out.length = 0;
  };
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    out.push(JSON.stringify(batchLine(analyzer, line, lineNo, defaultShell)) + '\n');
    if (out.length >= 256) flush();
  }
  flush();
  return 0;
}

function batchLine(analyzer: Analyzer, line: string, lineNo: number, defaultShell: Shell | undefined): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { id: null, line: lineNo, error: 'ERR_JSON_MALFORMED: line is not valid JSON' };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { id: null, line: lineNo, error: 'ERR_REQUEST_INVALID: each line must be a JSON object' };
  const rec = obj as Record<string, unknown>;
  const id = typeof rec['id'] === 'string' || typeof rec['id'] === 'number' ? rec['id'] : null;
  if (typeof rec['command'] !== 'string') return { id, error: 'ERR_REQUEST_INVALID: "command" must be a string' };
  const shellRaw = rec['shell'] ?? defaultShell ?? 'bash';
  if (typeof shellRaw !== 'string' || !(shells as readonly string[]).includes(shellRaw)) return { id, error: `ERR_REQUEST_INVALID: "shell" must be one of ${shells.join(', ')}` };
  try {
    const a = analyzer.analyze(rec['command'], { shell: shellRaw as Shell });
    return {
      id,
      verdict: a.verdict,
      risk: a.risk,
      categories: a.categories,
      findings: a.findings.map((f) => ({ rule: f.rule, category: f.category, severity: f.severity, technique: f.technique, explanation: f.explanation })),
      techniques: [...new Set(a.findings.map((f) => f.technique))].sort(),
      micros: a.micros,
    };
  } catch {
    return { id, error: 'ERR_INTERNAL: analysis failed' };
  }
}
