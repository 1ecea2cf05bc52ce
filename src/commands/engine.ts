/**
 * The analysis machinery: parses text in one of three languages, collects invocations, follows
 * nested code (bash -c, -EncodedCommand, eval…) within limits, and records events. Pure: no I/O.
 */
import type { AnalysisEvent, EventKind, Invocation, Lang, PsStatement, ScriptCall, Snippet } from './ir.js';
import type { AnalyzerLimits, ScriptSource, Shell, Span } from './types.js';
import { LimitExceeded, type InvocationInit, type Parsers, type SpanMapper, type Walkers, type WalkEngine } from './engine-api.js';

export class Engine implements WalkEngine {
  readonly invocations: Invocation[] = [];
  readonly snippets: Snippet[] = [];
  readonly events: AnalysisEvent[] = [];
  readonly psStatements: PsStatement[] = [];
  readonly psScripts: PsStatement[] = [];
  readonly envRead = new Set<string>();
  /** Scripts run by path, in the order met (scripts.ts). */
  readonly scriptCalls: ScriptCall[] = [];
  /** Scripts being analyzed now (a script that runs itself is followed once). */
  readonly activeScripts = new Set<string>();
  /** >0 while analysing the text of a script run by path. */
  inScript = 0;
  /** Set while analysing decoded content so new invocations are marked. */
  decodedDepth = Number.POSITIVE_INFINITY;
  private deadline: number;
  private ticks = 0;

  readonly parsers: Parsers;
  readonly limits: AnalyzerLimits;
  readonly input: string;
  readonly shell: Shell;
  private readonly now: () => number;
  /** Script texts the edge read (AnalyzeOptions.scripts); undefined when nothing was read. */
  readonly scripts: ReadonlyMap<string, ScriptSource> | undefined;

  private readonly walkers: Walkers;

  constructor(walkers: Walkers, parsers: Parsers, limits: AnalyzerLimits, input: string, shell: Shell, now: () => number, scripts?: ReadonlyMap<string, ScriptSource>) {
    this.walkers = walkers;
    this.parsers = parsers;
    this.limits = limits;
    this.input = input;
    this.shell = shell;
    this.now = now;
    this.scripts = scripts;
    // Each script handed in is a program of its own: it gets its own time budget (bounded by the
    // number of scripts the edge reads, scripts.ts at the edge).
    let texts = 0;
    if (scripts) for (const s of scripts.values()) if ('text' in s) texts++;
    this.deadline = now() + limits.timeBudgetMs * (1 + Math.min(texts, 16));
  }

  /** Called often; throws when the time budget is spent (fail closed, threats F6). */
  tick(): void {
    if ((++this.ticks & 63) === 0 && this.now() > this.deadline) throw new LimitExceeded(`analysis took longer than ${this.limits.timeBudgetMs} ms`);
  }

  timeLeftMs(): number {
    return this.deadline - this.now();
  }

  /** For tree-sitter's progress callback: true cancels the parse. */
  pastDeadline(): boolean {
    return this.now() > this.deadline;
  }

  /** >0 while analysing text that is written to a file rather than run now. */
  quietDynamic = 0;

  event(kind: EventKind, span: Span, detail: string, depth: number): void {
    if (this.quietDynamic > 0 && (kind === 'dynamic_program' || kind === 'dynamic_code' || kind === 'parse_error')) return;
    // Scripts name programs through variables all the time (`$CC`, `"$@"`); what they visibly run is judged.
    if (this.inScript > 0 && (kind === 'dynamic_program' || kind === 'dynamic_code')) return;
    if (this.events.length < 500) this.events.push({ kind, span, detail, depth });
  }

  addInvocation(init: InvocationInit): Invocation {
    if (this.invocations.length >= this.limits.maxCommands) throw new LimitExceeded(`more than ${this.limits.maxCommands} commands`);
    this.tick();
    const inv: Invocation = {
      upstream: [],
      downstream: [],
      substitutions: [],
      redirects: [],
      stdinText: undefined,
      stdinSpan: undefined,
      stdinDecoded: false,
      argsDecoded: false,
      nameTrick: undefined,
      parent: undefined,
      env: {},
      root: false,
      wrappers: [],
      ...init,
      decoded: init.decoded ?? init.depth >= this.decodedDepth,
      id: this.invocations.length,
    };
    this.invocations.push(inv);
    return inv;
  }

  /** Follows what an invocation runs in turn (nested scripts, wrapped programs). Call once its pipeline context is known. */
  expand(inv: Invocation, map: SpanMapper): void {
    this.walkers.expand(this, inv, map);
    this.walkers.follow(this, inv);
  }

  /** Analyses `text` in `lang` at nesting `depth`; offsets inside map through `map`. */
  analyze(lang: Lang, text: string, map: SpanMapper, depth: number, parent?: Invocation, decoded = false): Invocation[] {
    const span = map(0, text.length);
    if (depth > this.limits.maxNestedDepth) {
      this.event('limit', span, `nested scripts deeper than ${this.limits.maxNestedDepth} levels`, depth);
      return [];
    }
    if (text.length > this.limits.maxDecodedChars && depth > 0) {
      this.event('limit', span, `nested script longer than ${this.limits.maxDecodedChars} characters`, depth);
      return [];
    }
    const before = this.invocations.length;
    const savedDecoded = this.decodedDepth;
    if (decoded) this.decodedDepth = Math.min(this.decodedDepth, depth);
    try {
      if (lang === 'posix') this.walkers.posix(this, text, map, depth);
      else if (lang === 'powershell') this.walkers.powershell(this, text, map, depth);
      else this.walkers.cmd(this, text, map, depth);
    } finally {
      this.decodedDepth = savedDecoded;
    }
    const added = this.invocations.slice(before);
    if (parent) for (const inv of added) if (inv.parent === undefined) inv.parent = parent;
    return added;
  }
}
