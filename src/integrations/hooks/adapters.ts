/**
 * Each agent's hook contract (standards §4): how its stdin JSON becomes a `ToolCall` and how a
 * verdict is written back. Unknown or malformed input is a `HookInputError` (→ the on-error verdict).
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../../core/canonical-json.js';
import type { ToolCall } from './map.js';
import { homeFromTranscript } from './paths.js';

export type Verdict = 'allow' | 'deny' | 'ask';
export type HookEvent = 'pre' | 'post' | 'other';
export type AgentName = 'claude-code' | 'codex' | 'gemini' | 'cursor' | 'generic';

export interface ParsedHook {
  event: HookEvent;
  call: ToolCall;
  /** Correlates the pre and post hooks of one call (tool_use_id, generation id…). */
  correlationId?: string;
  /** The tool's result, on post events. */
  response?: unknown;
}

export interface HookOutput {
  /** JSON for stdout (or the HTTP body); undefined = print nothing. */
  json?: Record<string, unknown>;
  /** Process exit code (2 = blocking error where the contract has it). */
  exitCode: number;
  /** Text for stderr (fed to the agent on exit 2). */
  stderr?: string;
}

export class HookInputError extends Error {
  readonly code = 'ERR_REQUEST_INVALID' as const;
}

export interface Adapter {
  name: AgentName;
  parse(input: unknown): ParsedHook;
  render(verdict: Verdict, reason: string, event: HookEvent): HookOutput;
  /** What `ask` becomes where the agent cannot ask reliably (fail closed). */
  readonly canAsk: boolean;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HookInputError(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}
function s(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
/** Codex sends a freeform tool's input (apply_patch) as a bare string: keep it as `{input}`. */
function toolInput(v: unknown): Record<string, unknown> {
  return typeof v === 'string' ? { input: v } : obj(v ?? {}, 'tool_input');
}
function need(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new HookInputError(`${what} is missing`);
  return v;
}

function eventOf(name: string | undefined, pre: string[], post: string[]): HookEvent {
  if (name && pre.includes(name)) return 'pre';
  if (name && post.includes(name)) return 'post';
  return 'other';
}

/** Claude Code (and Codex, which copies its contract): PreToolUse / PostToolUse on stdin. */
function claudeLike(name: 'claude-code' | 'codex'): Adapter {
  return {
    name,
    canAsk: name === 'claude-code', // Codex: "treat deny as the reliably honoured outcome"
    parse(input) {
      const o = obj(input, 'hook input');
      const hookEvent = need(o['hook_event_name'], 'hook_event_name');
      const event = eventOf(hookEvent, ['PreToolUse'], ['PostToolUse']);
      if (event === 'other') throw new HookInputError(`hook event ${hookEvent} is not handled (PreToolUse, PostToolUse)`);
      const facts: Record<string, unknown> = {};
      if (s(o['permission_mode'])) facts['permissionMode'] = o['permission_mode'];
      if (s(o['tool_use_id'])) facts['toolUseId'] = o['tool_use_id'];
      if (s(o['agent_type'])) facts['agentType'] = o['agent_type'];
      const mcpServer = o['mcp_server'] as { name?: unknown } | undefined;
      if (mcpServer && typeof mcpServer.name === 'string') facts['mcpServer'] = mcpServer.name;
      const parsed: ParsedHook = {
        event,
        call: { toolName: need(o['tool_name'], 'tool_name'), toolInput: toolInput(o['tool_input']), agent: name, cwd: s(o['cwd']), home: homeFromTranscript(o['transcript_path']), sessionId: s(o['session_id']), facts },
        response: o['tool_response'],
      };
      const id = s(o['tool_use_id']);
      if (id) parsed.correlationId = id;
      return parsed;
    },
    render(verdict, reason, event) {
      if (event !== 'pre') return { exitCode: 0 };
      const json = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: verdict, permissionDecisionReason: reason } };
      // Codex: a deny also exits 2 with the reason on stderr, the contract every version honours.
      if (name === 'codex' && verdict === 'deny') return { json, exitCode: 2, stderr: reason };
      return { json, exitCode: 0 };
    },
  };
}

/** Gemini CLI: BeforeTool / AfterTool; `decision: allow|deny` + `reason`; no ask. */
const gemini: Adapter = {
  name: 'gemini',
  canAsk: false,
  parse(input) {
    const o = obj(input, 'hook input');
    const hookEvent = need(o['hook_event_name'], 'hook_event_name');
    const event = eventOf(hookEvent, ['BeforeTool'], ['AfterTool']);
    if (event === 'other') throw new HookInputError(`hook event ${hookEvent} is not handled (BeforeTool, AfterTool)`);
    const mcp = o['mcp_context'] as { server_name?: unknown } | undefined;
    let toolName = need(o['tool_name'], 'tool_name');
    if (mcp && typeof mcp.server_name === 'string' && !toolName.startsWith('mcp__')) toolName = `mcp__${mcp.server_name}__${toolName}`;
    return { event, call: { toolName, toolInput: obj(o['tool_input'] ?? {}, 'tool_input'), agent: 'gemini', cwd: s(o['cwd']), home: homeFromTranscript(o['transcript_path']), sessionId: s(o['session_id']) }, response: o['tool_response'] };
  },
  render(verdict, reason, event) {
    if (event !== 'pre') return { exitCode: 0 };
    return { json: { decision: verdict === 'allow' ? 'allow' : 'deny', reason }, exitCode: 0 };
  },
};

/**
 * Cursor: beforeShellExecution / beforeMCPExecution / beforeReadFile / preToolUse decide;
 * afterShellExecution / afterMCPExecution / postToolUse report the execution; afterFileEdit,
 * afterAgentResponse and stop are acknowledged. Answer: `permission` + messages.
 *
 * Cursor sends no tool-use id, so a before and its after are paired by a key both can compute:
 * the conversation and generation ids, the kind of event and the canonical hash of the arguments
 * both carry (the command; the MCP tool and its input; the tool and its input). Two identical
 * calls in one generation share a key: the after-event is linked to the latest of them. Without a
 * generation id, or for afterFileEdit (no before-event of its own), nothing is linked.
 */
const CURSOR_POST = new Set(['afterShellExecution', 'afterMCPExecution', 'afterFileEdit', 'postToolUse', 'afterAgentResponse', 'stop']);

function cursorToolInput(raw: unknown): Record<string, unknown> {
  try {
    return typeof raw === 'string' ? obj(JSON.parse(raw), 'tool_input') : obj(raw ?? {}, 'tool_input');
  } catch (e) {
    throw new HookInputError(`tool_input is not a JSON object (${(e as Error).message})`);
  }
}

/** The pairing key of a Cursor before/after event, or undefined where the two cannot be told apart. */
export function cursorPairingKey(o: Record<string, unknown>, kind: 'shell' | 'mcp' | 'tool', args: unknown): string | undefined {
  const conversation = s(o['conversation_id']);
  const generation = s(o['generation_id']);
  if (!conversation || !generation) return undefined;
  return `cursor:${createHash('sha256').update(canonicalize({ conversation, generation, kind, args })).digest('hex')}`;
}

function cursorPairing(o: Record<string, unknown>, hookEvent: string): string | undefined {
  switch (hookEvent) {
    case 'beforeShellExecution':
    case 'afterShellExecution':
      return typeof o['command'] === 'string' ? cursorPairingKey(o, 'shell', { command: o['command'] }) : undefined;
    case 'beforeMCPExecution':
    case 'afterMCPExecution':
      return typeof o['tool_name'] === 'string' ? cursorPairingKey(o, 'mcp', { tool: o['tool_name'], input: cursorToolInput(o['tool_input']) }) : undefined;
    case 'preToolUse':
    case 'postToolUse':
      return typeof o['tool_name'] === 'string' ? cursorPairingKey(o, 'tool', { tool: o['tool_name'], input: cursorToolInput(o['tool_input']) }) : undefined;
    default:
      return undefined;
  }
}

const cursor: Adapter = {
  name: 'cursor',
  canAsk: true,
  parse(input) {
    const o = obj(input, 'hook input');
    const hookEvent = need(o['hook_event_name'], 'hook_event_name');
    const cwd = s(o['cwd']) ?? (Array.isArray(o['workspace_roots']) ? s(o['workspace_roots'][0]) : undefined);
    const sessionId = s(o['conversation_id']);
    const facts: Record<string, unknown> = {};
    if (s(o['generation_id'])) facts['generationId'] = o['generation_id'];
    const withPairing = (p: ParsedHook): ParsedHook => {
      const id = cursorPairing(o, hookEvent);
      if (id) p.correlationId = id;
      return p;
    };
    const call = (toolName: string, toolInput: Record<string, unknown>): ParsedHook => withPairing({ event: 'pre', call: { toolName, toolInput, agent: 'cursor', cwd, sessionId, facts } });
    if (hookEvent === 'beforeShellExecution') return call('Shell', { command: o['command'] ?? null, ...(s(o['cwd']) ? { cwd: o['cwd'] } : {}) });
    if (hookEvent === 'beforeReadFile') return call('Read', { file_path: o['file_path'] ?? null });
    if (hookEvent === 'beforeMCPExecution') {
      const tool = need(o['tool_name'], 'tool_name');
      const server = s(o['server_name']) ?? (s(o['url']) ? safeHost(String(o['url'])) : s(o['command'])?.split(/[\\/\s]/).filter(Boolean).pop()) ?? 'mcp';
      return call(`mcp__${server.replace(/__/g, '_')}__${tool}`, cursorToolInput(o['tool_input']));
    }
    if (hookEvent === 'preToolUse') return call(need(o['tool_name'], 'tool_name'), obj(o['tool_input'] ?? {}, 'tool_input'));
    if (CURSOR_POST.has(hookEvent)) {
      const response = o['tool_output'] ?? o['result_json'];
      return withPairing({ event: 'post', call: { toolName: s(o['tool_name']) ?? hookEvent, toolInput: {}, agent: 'cursor', cwd, sessionId, facts }, ...(response !== undefined ? { response } : {}) });
    }
    throw new HookInputError(`hook event ${hookEvent} is not handled (beforeShellExecution, beforeMCPExecution, beforeReadFile, preToolUse)`);
  },
  render(verdict, reason, event) {
    if (event !== 'pre') return { exitCode: 0 };
    return { json: { permission: verdict, user_message: reason, agent_message: reason }, exitCode: 0 };
  },
};

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Any other agent: `{"event": "pre"|"post", "agent"?: NAME, "tool": NAME, "input": {...},
 * "cwd"?, "session"?, "id"?, "result"?}` → `{"decision": "allow"|"deny"|"ask", "reason"}`.
 */
const generic: Adapter = {
  name: 'generic',
  canAsk: true,
  parse(input) {
    const o = obj(input, 'hook input');
    const ev = s(o['event']) ?? 'pre';
    if (ev !== 'pre' && ev !== 'post') throw new HookInputError('event must be "pre" or "post"');
    const agent = s(o['agent']) ?? 'agent';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(agent)) throw new HookInputError('agent must be 1–64 of A-Z a-z 0-9 . _ -');
    const p: ParsedHook = { event: ev, call: { toolName: need(o['tool'], 'tool'), toolInput: obj(o['input'] ?? {}, 'input'), agent, cwd: s(o['cwd']), sessionId: s(o['session']) }, response: o['result'] };
    const id = s(o['id']);
    if (id) p.correlationId = id;
    return p;
  },
  render(verdict, reason, event) {
    if (event !== 'pre') return { exitCode: 0 };
    return { json: { decision: verdict, reason }, exitCode: 0 };
  },
};

export const adapters: Record<AgentName, Adapter> = { 'claude-code': claudeLike('claude-code'), codex: claudeLike('codex'), gemini, cursor, generic };
