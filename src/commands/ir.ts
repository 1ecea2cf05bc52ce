/** Internal representation shared by the bash, PowerShell and cmd front ends and read by the rules. */
import type { Shell, Span } from './types.js';
import type { Catalog } from './catalog/catalog.js';

export type Lang = 'posix' | 'powershell' | 'cmd';

/** Marks a part of an argument whose value is not statically known. */
export const DYN = '\u{E000}';

export interface Redirect {
  /** `>`, `>>`, `<`, `>&`, `&>`, `<>`… as written. */
  op: string;
  target: string;
  span: Span;
}

/** How the program name was written when that hides what runs. */
export type NameTrick = 'variable' | 'escape' | 'quotes' | 'glob' | 'substitution' | 'expansion' | 'concat';

export interface Invocation {
  readonly id: number;
  readonly lang: Lang;
  /** Normalized program name: basename; lower-case without `.exe` for PowerShell/cmd; PowerShell aliases resolved. */
  program: string;
  /** The program as written, after unquoting (may be a path). */
  written: string;
  /** Arguments after unquoting and static evaluation; unknown parts are `DYN`. */
  args: string[];
  /** Source span of each argument (original input coordinates), aligned with `args`. */
  argSpans: Span[];
  span: Span;
  /** Nesting depth: 0 for the input, +1 per nested/decoded script. */
  depth: number;
  /** Runs as root/administrator (sudo, doas, su, pkexec, runas, -Verb RunAs). */
  root: boolean;
  /** Wrappers removed to find the program (sudo, env, nohup, xargs…). */
  wrappers: string[];
  /** Invocations whose output reaches this one's stdin (earlier pipeline members, here-string substitutions). */
  upstream: Invocation[];
  /** Invocations that receive this one's stdout. */
  downstream: Invocation[];
  /** Literal stdin text (here-doc, here-string, or a statically computed pipeline value). */
  stdinText: string | undefined;
  /** Where `stdinText` came from, and whether it was decoded (base64, hex…) on the way. */
  stdinSpan: Span | undefined;
  stdinDecoded: boolean;
  /** Some argument was produced by a decoding substitution ($(echo … | base64 -d)). */
  argsDecoded: boolean;
  /** Invocations inside command/process substitutions in this command's name or arguments. */
  substitutions: Invocation[];
  redirects: Redirect[];
  /** Prefix assignments (`LD_PRELOAD=x cmd`). */
  env: Record<string, string>;
  nameTrick: NameTrick | undefined;
  /** The invocation that launched this one as nested code (bash -c, powershell -enc, find -exec…). */
  parent: Invocation | undefined;
  /** Set when this invocation comes from decoded (base64, hex…) content. */
  decoded: boolean;
}

/** Inline code for another language (python -c, perl -e, node -e…), scanned by rules as text. */
export interface Snippet {
  lang: 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'lua' | 'awk' | 'powershell' | 'other';
  text: string;
  span: Span;
  via: Invocation | undefined;
}

/** Something the analysis machinery noticed; rules in rules/ turn events into findings. */
export type EventKind =
  | 'limit'
  | 'parse_error'
  | 'dynamic_program'
  | 'dynamic_code'
  | 'decoded'
  | 'encoded_command'
  | 'binary_payload';

export interface AnalysisEvent {
  kind: EventKind;
  span: Span;
  detail: string;
  depth: number;
}

/** A PowerShell statement after deobfuscation (lower-case, whitespace collapsed), for text rules. */
export interface PsStatement {
  text: string;
  span: Span;
  depth: number;
}

export interface RuleContext {
  readonly input: string;
  readonly shell: Shell;
  readonly invocations: readonly Invocation[];
  readonly snippets: readonly Snippet[];
  readonly events: readonly AnalysisEvent[];
  readonly psStatements: readonly PsStatement[];
  /** Whole PowerShell scripts (deobfuscated, lower-case), one per parsed script. */
  readonly psScripts: readonly PsStatement[];
  /** Program capabilities and sensitive targets (built-in plus the user's catalog). */
  readonly catalog: Catalog;
  /** Scripts run by path and whether their text was analyzed. */
  readonly scriptCalls: readonly ScriptCall[];
}

/** A script run by path, as met during the analysis (scripts.ts follows it). */
export interface ScriptCall {
  /** The path as written in the command (the key of AnalyzeOptions.scripts). */
  path: string;
  /** Where the path is written (findings inside the script point here). */
  span: Span;
  /** `analyzed`: text given and followed; `binary`: a compiled program; `unread`: the edge tried and had no text; `unseen`: no edge read anything. */
  status: 'analyzed' | 'binary' | 'unread' | 'unseen';
  /** For `unread`: the edge's reason, in words. */
  why?: string;
  /** The path is only known at run time (not in facts.scripts: no edge can read it). */
  dynamic?: boolean;
  invocation: Invocation;
}
