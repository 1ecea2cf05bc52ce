/**
 * Maps an MCP `tools/call` onto an Airlock request (issue 7): subject the configured NHI, action
 * `tool.call`, resource `Tool::"<server>/<tool>"`, context {server, arguments, annotations,
 * toolDefinitionHash, command?}.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../core/canonical-json.js';
import type { AuthorizationRequest } from '../core/types.js';

export interface ToolAnnotationHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What the proxy learned about a tool from the upstream `tools/list`. */
export interface KnownTool {
  name: string;
  annotations?: Record<string, unknown> | undefined;
  /** SHA-256 over the canonical JSON of the definition (name, description, schemas, annotations). */
  definitionHash: string;
}

export interface CommandArgRule {
  /** Tool names (exact) this rule applies to; `*` = any tool whose name suggests execution. */
  tool: string;
  /** Argument names that carry command text. */
  args: string[];
  /** Argument naming the shell, when the tool has one. */
  shellArg?: string;
}

export interface ToolRequestOptions {
  subject: { type: string; id: string };
  server: string;
  /** Per-tool command arguments; the default rule is applied after them. */
  commandArgs?: CommandArgRule[];
}

/** Tool names that suggest execution (the default command-argument rule applies to them). */
const EXECUTION_NAME = /(exec|run|shell|bash|command|terminal|script|cmd|powershell|pwsh|spawn|process)/i;
const DEFAULT_COMMAND_ARGS = ['command', 'cmd', 'script'];
const SHELLS = new Set(['bash', 'sh', 'zsh', 'powershell', 'cmd']);

/**
 * MCP 2025-11-25 ToolAnnotations: "all properties are hints"; defaults readOnlyHint false,
 * destructiveHint true, idempotentHint false, openWorldHint true. A missing hint is the worst case.
 */
export function annotationHints(annotations: Record<string, unknown> | undefined): ToolAnnotationHints {
  const b = (k: string, dflt: boolean) => (typeof annotations?.[k] === 'boolean' ? (annotations[k] as boolean) : dflt);
  return { readOnlyHint: b('readOnlyHint', false), destructiveHint: b('destructiveHint', true), idempotentHint: b('idempotentHint', false), openWorldHint: b('openWorldHint', true) };
}

export function toolDefinitionHash(tool: Record<string, unknown>): string {
  const pinned = { name: tool['name'], description: tool['description'] ?? null, inputSchema: tool['inputSchema'] ?? null, outputSchema: tool['outputSchema'] ?? null, annotations: tool['annotations'] ?? null };
  return createHash('sha256').update(canonicalize(pinned)).digest('hex');
}

/** The command text a call carries, if any: configured rules first, then the default rule. */
export function commandOf(tool: string, args: Record<string, unknown>, rules: CommandArgRule[] = []): { text: string; shell?: string } | undefined {
  const explicit = rules.filter((r) => r.tool === tool);
  const applicable = explicit.length > 0 ? explicit : EXECUTION_NAME.test(tool) ? [{ tool, args: DEFAULT_COMMAND_ARGS, shellArg: 'shell' }, ...rules.filter((r) => r.tool === '*')] : [];
  for (const r of applicable) {
    for (const a of r.args) {
      const v = args[a];
      if (typeof v === 'string') {
        const shell = r.shellArg ? args[r.shellArg] : undefined;
        return typeof shell === 'string' && SHELLS.has(shell.toLowerCase()) ? { text: v, shell: shell.toLowerCase() } : { text: v };
      }
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { text: (v as string[]).join(' ') };
    }
  }
  return undefined;
}

export function buildToolRequest(opts: ToolRequestOptions, tool: string, args: Record<string, unknown> | undefined, known: KnownTool | undefined): AuthorizationRequest {
  const a = args ?? {};
  const context: Record<string, unknown> = {
    server: opts.server,
    arguments: a,
    annotations: annotationHints(known?.annotations),
    toolKnown: known !== undefined,
  };
  if (known) context['toolDefinitionHash'] = known.definitionHash;
  const command = commandOf(tool, a, opts.commandArgs);
  if (command) {
    context['command'] = command.text;
    if (command.shell) context['shell'] = command.shell;
  }
  return {
    subject: { type: opts.subject.type, id: opts.subject.id },
    action: { name: 'tool.call' },
    resource: { type: 'Tool', id: `${opts.server}/${tool}` },
    context,
  };
}
