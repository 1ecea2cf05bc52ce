/** Public types of the command analyzer (DESIGN §1 user-initiated execution, §2 step 4). */

export type Shell = 'bash' | 'sh' | 'zsh' | 'powershell' | 'cmd';
export const shells: readonly Shell[] = ['bash', 'sh', 'zsh', 'powershell', 'cmd'];

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Risk = 'none' | Severity;
export type Verdict = 'allow' | 'ask' | 'deny';

export const categories = [
  'download_execute',
  'remote_fetch',
  'credential_access',
  'exfiltration',
  'reverse_shell',
  'persistence',
  'privilege_escalation',
  'destructive',
  'obfuscation',
  'defense_evasion',
  'hidden_text',
  'network_listener',
  'unparseable',
] as const;
export type Category = (typeof categories)[number];

/** UTF-16 offsets into the original input; for findings inside decoded payloads, the encoded source. */
export interface Span {
  start: number;
  end: number;
}

export interface Finding {
  rule: string;
  category: Category;
  severity: Severity;
  /** MITRE ATT&CK technique id (e.g. T1003.008). */
  technique: string;
  span: Span;
  /** Plain-language explanation; secrets are redacted. */
  explanation: string;
  /** Set when the finding is inside a script run by path (`bash ./deploy.sh`): the path as written. */
  script?: string;
}

export interface CommandFacts {
  /** Programs invoked, resolved through wrappers (sudo, env, xargs…) and paths; lower-case for PowerShell/cmd. */
  programs: string[];
  urls: string[];
  hosts: string[];
  filesRead: string[];
  filesWritten: string[];
  envRead: string[];
  needsRoot: boolean;
  /** Scripts run by path (`bash ./x.sh`, `python tool.py`, `./run.sh`), as written; an edge that can see them reads them (AnalyzeOptions.scripts). */
  scripts: string[];
}

export interface CommandAnalysis {
  shell: Shell;
  risk: Risk;
  verdict: Verdict;
  categories: Category[];
  findings: Finding[];
  /** Numbered plain-language steps, for a confirmation prompt. */
  summary: string[];
  facts: CommandFacts;
  /** True when some part could not be analyzed (limits, parse errors, dynamic names). */
  incomplete: boolean;
  /** Analysis time in microseconds. */
  micros: number;
}

/**
 * What an edge found at a script path: its text, that it is a compiled program, or why it could
 * not be read (in words). The analyzer itself reads no files (DESIGN §7).
 */
export type ScriptSource = { text: string } | { binary: true } | { unreadable: string };

export interface AnalyzeOptions {
  shell: Shell;
  /**
   * Scripts run by path, keyed by the path as written (CommandFacts.scripts). Given ⇒ the edge
   * tried to read them: a script with text is analyzed as part of the command; one missing here or
   * `unreadable` is a `script_unread` finding that asks. Absent ⇒ nothing could be read: a low
   * (informational) `script_unread` finding names each script.
   */
  scripts?: ReadonlyMap<string, ScriptSource>;
}

/** Bounds on one analysis. Exceeding any of them yields a critical `analysis_limit` finding (fail closed). */
export interface AnalyzerLimits {
  /** Longest input analysed, in UTF-16 code units. @defaultValue 16384 */
  maxInputChars: number;
  /** Deepest nesting of decoded or nested scripts (bash -c, -EncodedCommand, eval…). @defaultValue 6 */
  maxNestedDepth: number;
  /** Deepest syntax nesting walked ($( $( … ) ), subshells, blocks). @defaultValue 40 */
  maxSyntaxDepth: number;
  /** Most simple commands analysed in one input. @defaultValue 1000 */
  maxCommands: number;
  /** Budget for one analysis, in milliseconds of the analyzer's clock (CPU time via runtime/load-grammars). @defaultValue 40 */
  timeBudgetMs: number;
  /** Largest decoded payload analysed, in characters. @defaultValue 65536 */
  maxDecodedChars: number;
}

export const defaultLimits: Readonly<AnalyzerLimits> = Object.freeze({
  maxInputChars: 16384,
  maxNestedDepth: 6,
  maxSyntaxDepth: 40,
  maxCommands: 1000,
  timeBudgetMs: 40,
  maxDecodedChars: 65536,
});

export interface Analyzer {
  analyze(command: string, options: AnalyzeOptions): CommandAnalysis;
}

/** What goes into Cedar `context.command`: strings, booleans and sets of strings only. */
export interface CommandPolicyContext {
  risk: Risk;
  verdict: Verdict;
  categories: string[];
  rules: string[];
  programs: string[];
  hosts: string[];
  /** MITRE ATT&CK technique ids of the findings. */
  techniques: string[];
  needsRoot: boolean;
}

export const severityRank: Readonly<Record<Risk, number>> = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function verdictFor(risk: Risk): Verdict {
  if (risk === 'critical') return 'deny';
  if (risk === 'high' || risk === 'medium') return 'ask';
  return 'allow';
}
