import type { Analyzer, CommandAnalysis, Shell } from '../../commands/types.js';
import { shells } from '../../commands/types.js';
import { toPolicyContext } from '../../commands/policy-context.js';
import type { AuthorizationRequest, Decision } from '../../core/types.js';
import { inSpan } from '../../core/tracing.js';
import { endWith, NEXT, reason, type StepFactory } from '../pipeline.js';

/** The action whose requests always carry a command. */
export const SHELL_ACTION = 'shell.exec';

export type CommandStep =
  | { kind: 'none' }
  | { kind: 'analyzed'; analysis: CommandAnalysis; policyRequest: AuthorizationRequest }
  | { kind: 'refused'; code: 'command_missing' | 'command_invalid' | 'analysis_unavailable' | 'analysis_error'; message: string };

/**
 * DESIGN §2 step 4. A request carries a command as `context.command`: a string, or
 * `{text, shell}`. The analyzer's verdict replaces it in what policy sees
 * (`context.command = {risk, verdict, categories, rules, programs, hosts, techniques, needsRoot}`), so a caller
 * can never hand policy its own "analysis". The action hash stays over the command text.
 * Every failure here is a refusal, which the gateway answers as deny (fail closed).
 */
export function analyzeCommand(req: AuthorizationRequest, analyzer: Analyzer | undefined): CommandStep {
  const raw = req.context?.['command'];
  if (raw === undefined) {
    if (req.action.name === SHELL_ACTION) return { kind: 'refused', code: 'command_missing', message: `${SHELL_ACTION} needs context.command (the command text)` };
    return { kind: 'none' };
  }
  let text: unknown = raw;
  let shell: unknown = req.context?.['shell'] ?? 'bash';
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'text' && k !== 'shell');
    if (extra.length > 0) return { kind: 'refused', code: 'command_invalid', message: `context.command accepts only {text, shell}; got ${extra.join(', ')}` };
    text = o['text'];
    shell = o['shell'] ?? shell;
  }
  if (typeof text !== 'string') return { kind: 'refused', code: 'command_invalid', message: 'context.command must be the command text (a string) or {text, shell}' };
  // An empty command is no command: an allowlist written as `[...].containsAll(programs)` is true
  // for the empty set, so it must never reach policy (threats.md §3.13), whatever the action.
  if (text.trim().length === 0) return { kind: 'refused', code: 'command_missing', message: 'context.command is empty or only whitespace' };
  if (typeof shell !== 'string' || !(shells as readonly string[]).includes(shell)) {
    return { kind: 'refused', code: 'command_invalid', message: `shell must be one of ${shells.join(', ')}` };
  }
  if (!analyzer) return { kind: 'refused', code: 'analysis_unavailable', message: 'the command analyzer is not loaded' };
  let analysis: CommandAnalysis;
  try {
    analysis = analyzer.analyze(text, { shell: shell as Shell });
  } catch {
    // The analyzer's own error text is internal (DESIGN §6); the code says what happened.
    return { kind: 'refused', code: 'analysis_error', message: 'command analysis failed; treated as deny' };
  }
  const context: Record<string, unknown> = { ...req.context, command: toPolicyContext(analysis) };
  return { kind: 'analyzed', analysis, policyRequest: { ...req, context } };
}

/** What a decision tells the caller about the analysis of its command. */
export function commandView(a: CommandAnalysis): NonNullable<Decision['command']> {
  return {
    shell: a.shell,
    risk: a.risk,
    verdict: a.verdict,
    categories: [...new Set(a.categories)],
    summary: a.summary,
    findings: a.findings.map((f) => ({ rule: f.rule, category: f.category, severity: f.severity, explanation: f.explanation })),
  };
}

/** Step 4: a command is analyzed, and policy sees the analysis, never the caller's claims. */
export const commandStep: StepFactory = (deps) => ({
  name: 'command',
  phase: 'decide',
  async run(s) {
    const cmd = await inSpan(s.span, 'airlock.command_analysis', (span) => {
      const r = analyzeCommand(s.policyRequest, deps.analyzer);
      span.set(r.kind === 'analyzed' ? { 'airlock.command.result': r.kind, 'airlock.command.risk': r.analysis.risk, 'airlock.command.verdict': r.analysis.verdict } : { 'airlock.command.result': r.kind });
      return r;
    });
    if (cmd.kind === 'refused') return endWith('deny', [reason(cmd.code, cmd.message)]);
    if (cmd.kind === 'analyzed') {
      s.policyRequest = cmd.policyRequest;
      s.analysis = cmd.analysis;
      const command = (s.command = commandView(cmd.analysis));
      s.audit['command'] = { ...command, programs: cmd.analysis.facts.programs, hosts: cmd.analysis.facts.hosts, needsRoot: cmd.analysis.facts.needsRoot };
    }
    return NEXT;
  },
});
