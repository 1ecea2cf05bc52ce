/**
 * The one mapping from a coding agent's tool call to an Airlock request (issue 7):
 * Bash → shell.exec with the command; Write/Edit/MultiEdit/NotebookEdit → file.write with the path;
 * Read → file.read; WebFetch/WebSearch → net.request; mcp__<server>__<tool> → tool.call on
 * Tool::"<server>/<tool>"; anything else → tool.call on Tool::"<agent>/<name>".
 */
import type { AuthorizationRequest } from '../../core/types.js';

export interface ToolCall {
  /** The agent's name for the tool (`Bash`, `Write`, `mcp__github__create_issue`, …). */
  toolName: string;
  toolInput: Record<string, unknown>;
  /** Which agent asked: claude-code, codex, gemini, cursor, or a generic agent's name. */
  agent: string;
  cwd?: string | undefined;
  sessionId?: string | undefined;
  /** Extra, non-secret facts for the context (permission mode, tool use id…). */
  facts?: Record<string, unknown>;
}

export interface MapOptions {
  subject: { type: string; id: string };
  /** Host id for shell.exec resources. */
  host: string;
  /** Put into context.environment when set. */
  environment?: string | undefined;
}

const SHELL_TOOLS = new Set(['bash', 'shell', 'run_shell_command', 'run_terminal_cmd', 'local_shell', 'exec_command']);
const WRITE_TOOLS = new Set(['write', 'edit', 'multiedit', 'notebookedit', 'write_file', 'replace', 'apply_patch', 'edit_file']);
const READ_TOOLS = new Set(['read', 'read_file', 'read_many_files']);
const FETCH_TOOLS = new Set(['webfetch', 'web_fetch']);
const SEARCH_TOOLS = new Set(['websearch', 'google_web_search', 'web_search']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A relative path is made absolute against cwd without normalizing: `..` stays visible to policy. */
function absolutePath(p: string, cwd: string | undefined): string {
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || !cwd) return p;
  return `${cwd.replace(/\/+$/, '')}/${p}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'invalid-url';
  } catch {
    return 'invalid-url';
  }
}

/** `mcp__<server>__<tool>` → {server, tool}; the server part ends at the first `__`. */
export function parseMcpToolName(name: string): { server: string; tool: string } | undefined {
  if (!name.startsWith('mcp__')) return undefined;
  const rest = name.slice(5);
  const i = rest.indexOf('__');
  if (i <= 0 || i + 2 >= rest.length) return undefined;
  return { server: rest.slice(0, i), tool: rest.slice(i + 2) };
}

export function mapToolCall(call: ToolCall, opts: MapOptions): AuthorizationRequest {
  const name = call.toolName;
  const lower = name.toLowerCase();
  const input = call.toolInput;
  const context: Record<string, unknown> = { agent: call.agent, ...(call.facts ?? {}) };
  if (call.cwd) context['cwd'] = call.cwd;
  if (call.sessionId) context['sessionId'] = call.sessionId;
  if (opts.environment) context['environment'] = opts.environment;
  const subject = { type: opts.subject.type, id: opts.subject.id };
  const base = { subject, context };

  if (SHELL_TOOLS.has(lower)) {
    const cmd = input['command'];
    // A command given as argv (codex local_shell) is joined for the analyzer.
    const text = Array.isArray(cmd) ? cmd.map(String).join(' ') : typeof cmd === 'string' ? cmd : '';
    context['command'] = text;
    context['tool'] = name;
    return { ...base, action: { name: 'shell.exec' }, resource: { type: 'Host', id: opts.host } };
  }
  if (WRITE_TOOLS.has(lower) || READ_TOOLS.has(lower)) {
    const raw = str(input['file_path']) ?? str(input['notebook_path']) ?? str(input['path']) ?? str(input['absolute_path']) ?? str(input['target_file']) ?? '';
    const path = absolutePath(raw, call.cwd);
    context['tool'] = name;
    return { ...base, action: { name: READ_TOOLS.has(lower) ? 'file.read' : 'file.write' }, resource: { type: 'File', id: path, properties: { path } } };
  }
  if (FETCH_TOOLS.has(lower)) {
    const url = str(input['url']) ?? str(input['prompt'])?.match(/https?:\/\/\S+/)?.[0] ?? '';
    context['url'] = url;
    context['tool'] = name;
    return { ...base, action: { name: 'net.request' }, resource: { type: 'Host', id: hostOf(url) } };
  }
  if (SEARCH_TOOLS.has(lower)) {
    context['query'] = str(input['query']) ?? '';
    context['tool'] = name;
    return { ...base, action: { name: 'net.request' }, resource: { type: 'Host', id: 'web-search' } };
  }
  const mcp = parseMcpToolName(name);
  if (mcp) {
    context['server'] = mcp.server;
    context['arguments'] = input;
    return { ...base, action: { name: 'tool.call' }, resource: { type: 'Tool', id: `${mcp.server}/${mcp.tool}` } };
  }
  context['arguments'] = input;
  return { ...base, action: { name: 'tool.call' }, resource: { type: 'Tool', id: `${call.agent}/${name}` } };
}
