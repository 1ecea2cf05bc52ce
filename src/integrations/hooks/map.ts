/**
 * The one mapping from a coding agent's tool call to Airlock requests (issue 7, issue 11). Every
 * documented tool of Claude Code, Codex, Gemini CLI and Cursor has an explicit entry in `TOOLS`
 * saying where its target is; a tool that acts on several targets (`read_many_files`, a multi-file
 * `apply_patch`) becomes one request per target, and the caller decides them as a batch in which
 * every target must be allowed. A shell or file tool whose command or path is not where its entry
 * says is `target_missing`: it is never sent with an empty command or the working directory in its
 * place. Tools with no file or shell meaning (and tools nobody documented) are `tool.call` with
 * their arguments in the context. Paths are normalized (paths.ts); the raw text stays in context.
 */
import type { AuthorizationRequest } from '../../core/types.js';
import { joinArgv } from './argv.js';
import { looksLikePatch, patchTargets } from './patch.js';
import { normalizePath } from './paths.js';

export interface ToolCall {
  /** The agent's name for the tool (`Bash`, `Write`, `mcp__github__create_issue`, …). */
  toolName: string;
  toolInput: Record<string, unknown>;
  /** Which agent asked: claude-code, codex, gemini, cursor, or a generic agent's name. */
  agent: string;
  cwd?: string | undefined;
  /** The agent user's home directory, for `~` (unknown = `~` paths are target_missing). */
  home?: string | undefined;
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

/** One request per target; `requests.length > 1` is a batch where every target must be allowed. */
export type Mapped = { ok: true; requests: AuthorizationRequest[] } | { ok: false; code: 'target_missing'; message: string };

type Input = Record<string, unknown>;
/** What a tool acts on, before paths are normalized. */
type Target =
  | { kind: 'shell'; command: string | undefined; workdir?: string | undefined; patch?: string | undefined }
  | { kind: 'files'; access: 'read' | 'write'; paths: Array<{ raw: string; op?: string }>; base?: string | undefined; missing?: string }
  | { kind: 'net'; urls: string[] }
  | { kind: 'search'; query: string | undefined }
  | { kind: 'tool' };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const first = (o: Input, ...keys: string[]): string | undefined => keys.map((k) => str(o[k])).find((v) => v !== undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : typeof v === 'string' && v.length > 0 ? [v] : []);

/** A command given as text or as argv (joined with shell quoting). */
function commandText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return joinArgv(v);
}

function files(access: 'read' | 'write', raws: string[], base?: string, op?: string): Target {
  return { kind: 'files', access, paths: raws.map((raw) => (op ? { raw, op } : { raw })), base };
}

/** Claude Code/Codex/Gemini/Cursor shell tools: where the command and its directory are. */
function shell(command: unknown, workdir?: string): Target {
  // Codex runs `["apply_patch", "<patch>"]` itself: its targets are the patch's files.
  if (Array.isArray(command) && command.length === 2 && (command[0] === 'apply_patch' || command[0] === 'applypatch') && typeof command[1] === 'string') {
    return { kind: 'files', access: 'write', paths: patchTargets(command[1]).map((t) => ({ raw: t.path, op: t.op })), base: workdir, missing: 'the patch names no file (*** Add/Update/Delete File: …)' };
  }
  const text = commandText(command);
  return { kind: 'shell', command: text, workdir, ...(text && looksLikePatch(text) ? { patch: text } : {}) };
}

/** A search rooted at a directory (Glob/Grep/list): its root is the target; no root = the cwd it runs in. */
function searchRoot(dir: string | undefined, pattern: string | undefined, cwd: string | undefined, isPathPattern: boolean): Target {
  const root = dir ?? cwd;
  if (!root) return { kind: 'files', access: 'read', paths: [], missing: 'no directory to search and no working directory' };
  // A glob pattern names paths: `../../etc/*` or `/etc/**` reach outside the root, so judge root+pattern.
  const raw = isPathPattern && pattern ? (pattern.startsWith('/') || pattern.startsWith('~') ? pattern : `${root.replace(/\/+$/, '')}/${pattern}`) : root;
  return files('read', [raw]);
}

type Entry = (i: Input, call: ToolCall) => Target;

const read = (...keys: string[]): Entry => (i) => files('read', strings(first(i, ...keys)));
const write = (...keys: string[]): Entry => (i) => files('write', strings(first(i, ...keys)));

/** The patch text of a Codex `apply_patch` call (freeform string or JSON `{input}`). */
function applyPatch(i: Input, call: ToolCall): Target {
  const text = first(i, 'input', 'patch', 'command') ?? (Array.isArray(i['command']) ? (i['command'] as unknown[]).find((x): x is string => typeof x === 'string' && x.includes('*** Begin Patch')) : undefined);
  const targets = text ? patchTargets(text) : [];
  return { kind: 'files', access: 'write', paths: targets.map((t) => ({ raw: t.path, op: t.op })), base: first(i, 'workdir') ?? call.cwd, missing: text ? 'the patch names no file (*** Add/Update/Delete File: …)' : 'apply_patch without patch text (input)' };
}

/**
 * Every documented tool, by lower-cased name (the agents agree where names collide). Sources:
 * standards §4; Claude Code hooks reference (tool_input per tool); Codex tool specs (`shell`,
 * `local_shell`, `exec_command`, `apply_patch`, …); Gemini CLI tools reference; Cursor hooks.
 */
const TOOLS: Record<string, Entry> = {
  // ── shell ──
  bash: (i) => shell(i['command']), // Claude Code; Codex hooks report exec_command/shell as Bash
  shell: (i) => shell(i['command'], first(i, 'workdir', 'cwd')), // Codex (argv or text); Cursor preToolUse "Shell"
  shell_command: (i) => shell(i['command'], first(i, 'workdir')), // Codex
  container_exec: (i) => shell(i['command'], first(i, 'workdir')), // Codex (older name of shell)
  local_shell: (i) => {
    const action = (typeof i['action'] === 'object' && i['action'] !== null ? i['action'] : i) as Input;
    return shell(action['command'], first(action, 'working_directory', 'workdir'));
  },
  exec_command: (i) => shell(i['cmd'], first(i, 'workdir')), // Codex unified exec
  write_stdin: (i) => (str(i['chars']) ? shell(i['chars']) : { kind: 'tool' }), // typing into a running shell is running commands; an empty poll is not
  run_shell_command: (i) => shell(i['command'], first(i, 'dir_path', 'directory')), // Gemini
  run_terminal_cmd: (i) => shell(i['command'], first(i, 'cwd')), // Cursor
  // ── files: write ──
  write: write('file_path', 'path'),
  edit: write('file_path', 'path'),
  multiedit: (i) => files('write', [...new Set([...strings(i['file_path']), ...(Array.isArray(i['edits']) ? (i['edits'] as Input[]).flatMap((e) => strings(e?.['file_path'])) : [])])]),
  notebookedit: write('notebook_path'),
  write_file: write('file_path', 'path'), // Gemini
  replace: write('file_path', 'path'), // Gemini
  edit_file: write('target_file', 'file_path', 'path'), // Cursor
  search_replace: write('file_path', 'target_file'), // Cursor
  strreplace: write('file_path', 'path'), // Cursor preToolUse
  tabwrite: write('file_path', 'path'), // Cursor preToolUse
  delete: write('file_path', 'path', 'target_file'), // Cursor preToolUse
  delete_file: write('target_file', 'file_path', 'path'), // Cursor
  apply_patch: applyPatch, // Codex
  // ── files: read ──
  read: read('file_path', 'path'),
  notebookread: read('notebook_path'),
  read_file: read('file_path', 'absolute_path', 'path', 'target_file'), // Gemini, Codex, Cursor
  view_image: read('path'), // Codex
  read_many_files: (i, call) => files('read', [...strings(i['paths']), ...strings(i['include'])], first(i, 'dir_path') ?? call.cwd), // Gemini
  ls: (i, call) => searchRoot(first(i, 'path'), undefined, call.cwd, false),
  list_directory: (i, call) => searchRoot(first(i, 'dir_path', 'path'), undefined, call.cwd, false), // Gemini
  list_dir: (i, call) => searchRoot(first(i, 'dir_path', 'path', 'relative_workspace_path'), undefined, call.cwd, false), // Codex, Cursor
  glob: (i, call) => searchRoot(first(i, 'path', 'dir_path'), str(i['pattern']), call.cwd, true), // Claude Code, Gemini
  grep: (i, call) => searchRoot(first(i, 'path'), undefined, call.cwd, false), // Claude Code (pattern is a regex)
  search_file_content: (i, call) => searchRoot(first(i, 'dir_path', 'path'), undefined, call.cwd, false), // Gemini
  grep_search: (i, call) => searchRoot(first(i, 'dir_path', 'path'), undefined, call.cwd, false), // Gemini, Cursor
  grep_files: (i, call) => searchRoot(first(i, 'path'), undefined, call.cwd, false), // Codex
  file_search: (_i, call) => searchRoot(undefined, undefined, call.cwd, false), // Cursor
  codebase_search: (i, call) => (strings(i['target_directories']).length > 0 ? files('read', strings(i['target_directories'])) : searchRoot(undefined, undefined, call.cwd, false)), // Cursor
  // ── network ──
  webfetch: (i) => ({ kind: 'net', urls: strings(i['url']) }),
  web_fetch: (i) => ({ kind: 'net', urls: [...strings(i['url']), ...(str(i['prompt'])?.match(/https?:\/\/[^\s"'<>)]+/g) ?? [])] }), // Gemini: URLs inside the prompt
  websearch: (i) => ({ kind: 'search', query: str(i['query']) }),
  web_search: (i) => ({ kind: 'search', query: str(i['query']) }),
  google_web_search: (i) => ({ kind: 'search', query: str(i['query']) }),
  // Tools with no file, shell or network meaning (Task, TodoWrite, ExitPlanMode, BashOutput,
  // KillShell, save_memory, update_plan, write_todos, …) fall through to tool.call.
};

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
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

const missing = (call: ToolCall, what: string): Mapped => ({ ok: false, code: 'target_missing', message: `${call.toolName}: ${what}` });

export function mapToolCall(call: ToolCall, opts: MapOptions): Mapped {
  const name = call.toolName;
  const input = call.toolInput;
  const context: Record<string, unknown> = { agent: call.agent, ...(call.facts ?? {}) };
  if (call.cwd) context['cwd'] = call.cwd;
  if (call.sessionId) context['sessionId'] = call.sessionId;
  if (opts.environment) context['environment'] = opts.environment;
  const subject = { type: opts.subject.type, id: opts.subject.id };
  const req = (action: string, resource: AuthorizationRequest['resource'], extra: Record<string, unknown> = {}): AuthorizationRequest => ({ subject, action: { name: action }, resource, context: { ...context, ...extra } });

  const mcp = parseMcpToolName(name);
  if (mcp) return { ok: true, requests: [req('tool.call', { type: 'Tool', id: `${mcp.server}/${mcp.tool}` }, { server: mcp.server, arguments: input })] };

  const entry = TOOLS[name.toLowerCase()];
  const target: Target = entry ? entry(input, call) : { kind: 'tool' };
  const tool = { tool: name };
  switch (target.kind) {
    case 'shell': {
      if (target.command === undefined) return missing(call, 'no command where this tool carries it');
      if (target.command.trim() === '') return missing(call, 'the command is empty');
      const extra: Record<string, unknown> = { ...tool, command: target.command };
      if (target.workdir) {
        const w = normalizePath(target.workdir, call);
        if (!w.ok) return missing(call, `working directory: ${w.why}`);
        extra['workdir'] = w.path;
      }
      const requests = [req('shell.exec', { type: 'Host', id: opts.host }, extra)];
      // `apply_patch <<'EOF' … EOF` as a shell command: the shell text and every file it writes.
      if (target.patch) {
        const mapped = fileRequests(call, { kind: 'files', access: 'write', paths: patchTargets(target.patch).map((t) => ({ raw: t.path, op: t.op })), base: target.workdir }, req, tool);
        if (mapped.ok) requests.push(...mapped.requests);
      }
      return { ok: true, requests };
    }
    case 'files':
      return fileRequests(call, target, req, tool);
    case 'net': {
      if (target.urls.length === 0) return missing(call, 'no URL');
      const requests: AuthorizationRequest[] = [];
      for (const url of [...new Set(target.urls)]) {
        const host = hostOf(url);
        if (!host) return missing(call, `"${url}" is not a URL with a host`);
        requests.push(req('net.request', { type: 'Host', id: host }, { ...tool, url }));
      }
      return { ok: true, requests };
    }
    case 'search':
      if (!target.query) return missing(call, 'no query');
      return { ok: true, requests: [req('net.request', { type: 'Host', id: 'web-search' }, { ...tool, query: target.query })] };
    case 'tool':
      return { ok: true, requests: [req('tool.call', { type: 'Tool', id: `${call.agent}/${name}` }, { arguments: input })] };
  }
}

function fileRequests(
  call: ToolCall,
  target: Extract<Target, { kind: 'files' }>,
  req: (action: string, resource: AuthorizationRequest['resource'], extra?: Record<string, unknown>) => AuthorizationRequest,
  tool: { tool: string },
): Mapped {
  if (target.paths.length === 0) return missing(call, target.missing ?? 'no file path where this tool carries it');
  const base = { cwd: target.base ? (normalizePath(target.base, call) as { path?: string }).path ?? call.cwd : call.cwd, home: call.home };
  const seen = new Set<string>();
  const requests: AuthorizationRequest[] = [];
  for (const { raw, op } of target.paths) {
    const n = normalizePath(raw, base);
    if (!n.ok) return missing(call, n.why);
    const key = `${op ?? ''}\0${n.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    requests.push(req(target.access === 'read' ? 'file.read' : 'file.write', { type: 'File', id: n.path, properties: { path: n.path } }, { ...tool, ...(raw !== n.path ? { rawPath: raw } : {}), ...(op ? { operation: op } : {}) }));
  }
  return { ok: true, requests };
}
