/**
 * What the shell walkers, unwrap, snippets and scripts see of the analysis engine, and the span
 * helpers they share. A leaf module: the engine is handed its walkers (`Walkers`) instead of
 * importing them, and they know it only through `WalkEngine`, so the analyzer has no import cycle
 * (the recursion — nested code analysed again — is passed in, not imported).
 */
import type { Parser } from 'web-tree-sitter';
import type { AnalysisEvent, EventKind, Invocation, Lang, PsStatement, ScriptCall, Snippet } from './ir.js';
import type { AnalyzerLimits, ScriptSource, Shell, Span } from './types.js';

/** Maps offsets in a (possibly nested or decoded) text to a span of the original input. */
export type SpanMapper = (start: number, end: number) => Span;

export class LimitExceeded extends Error {
  readonly detail: string;
  constructor(detail: string) {
    super(detail);
    this.detail = detail;
  }
}

export interface Parsers {
  bash: Parser;
  powershell: Parser;
}

export type InvocationInit = Omit<Invocation, 'id' | 'upstream' | 'downstream' | 'substitutions' | 'redirects' | 'stdinText' | 'stdinSpan' | 'stdinDecoded' | 'argsDecoded' | 'nameTrick' | 'parent' | 'env' | 'decoded' | 'root' | 'wrappers'> &
  Partial<Invocation>;

/** The engine as the walkers use it (engine.ts implements it). */
export interface WalkEngine {
  readonly invocations: Invocation[];
  readonly snippets: Snippet[];
  readonly events: AnalysisEvent[];
  readonly psStatements: PsStatement[];
  readonly psScripts: PsStatement[];
  readonly envRead: Set<string>;
  /** Scripts run by path, in the order met (scripts.ts). */
  readonly scriptCalls: ScriptCall[];
  /** Scripts being analyzed now (a script that runs itself is followed once). */
  readonly activeScripts: Set<string>;
  /** >0 while analysing the text of a script run by path. */
  inScript: number;
  /** Set while analysing decoded content so new invocations are marked. */
  decodedDepth: number;
  /** >0 while analysing text that is written to a file rather than run now. */
  quietDynamic: number;
  readonly parsers: Parsers;
  readonly limits: AnalyzerLimits;
  readonly input: string;
  readonly shell: Shell;
  /** Script texts the edge read (AnalyzeOptions.scripts); undefined when nothing was read. */
  readonly scripts: ReadonlyMap<string, ScriptSource> | undefined;
  /** Called often; throws when the time budget is spent (fail closed, threats F6). */
  tick(): void;
  timeLeftMs(): number;
  /** For tree-sitter's progress callback: true cancels the parse. */
  pastDeadline(): boolean;
  event(kind: EventKind, span: Span, detail: string, depth: number): void;
  addInvocation(init: InvocationInit): Invocation;
  /** Follows what an invocation runs in turn (nested scripts, wrapped programs). Call once its pipeline context is known. */
  expand(inv: Invocation, map: SpanMapper): void;
  /** Analyses `text` in `lang` at nesting `depth`; offsets inside map through `map`. */
  analyze(lang: Lang, text: string, map: SpanMapper, depth: number, parent?: Invocation, decoded?: boolean): Invocation[];
}

/** The language walkers and expanders the engine dispatches to (wired by analyzer.ts). */
export interface Walkers {
  posix(engine: WalkEngine, text: string, map: SpanMapper, depth: number): void;
  powershell(engine: WalkEngine, text: string, map: SpanMapper, depth: number): void;
  cmd(engine: WalkEngine, text: string, map: SpanMapper, depth: number): void;
  /** What a program runs in turn (wrappers, `bash -c`, encoded commands…). */
  expand(engine: WalkEngine, inv: Invocation, map: SpanMapper): void;
  /** A script run by path, when the edge read it. */
  follow(engine: WalkEngine, inv: Invocation): void;
}

export function shiftMapper(outer: SpanMapper, offset: number): SpanMapper {
  return (s, e) => outer(s + offset, e + offset);
}

export function fixedMapper(span: Span): SpanMapper {
  return () => ({ start: span.start, end: span.end });
}

/**
 * A mapper for a string that came from the source range [start, end): if the value is the source
 * text verbatim (after dropping `quoteLen` delimiter chars) offsets shift; otherwise every finding
 * inside points at the whole source range.
 */
export function mapperFor(outer: SpanMapper, source: string, value: string, start: number, end: number): SpanMapper {
  const raw = source.slice(start, end);
  const at = raw.indexOf(value);
  if (value.length > 0 && at >= 0 && raw.length - value.length <= 2) return shiftMapper(outer, start + at);
  return fixedMapper(outer(start, end));
}
