/**
 * Coding-agent hooks: every documented payload per tool mapping (standards §4), decided by the real
 * pipeline on the fixture bundle, plus the error paths (fail closed, F7) and the other adapters.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { AuthorizationRequest, Authorizer, Decision } from '../../src/core/types.js';
import { adapters, handleClaudeCodeHook, runHook, type CorrelationStore, type HookOptions, type PreDecision } from '../../src/integrations/hooks/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import type { ExecutionReport } from '../../src/sdk/types.js';

const BUNDLE = resolve('test/fixtures/mcp/bundle');
let runtime: Runtime;
const opts: HookOptions = { subject: { type: 'Agent', id: 'test-agent' }, host: 'dev-box' };

beforeAll(async () => {
  runtime = await createRuntime(loadConfig({ dataDir: mkdtempSync(join(tmpdir(), 'airlock-hooks-')), policies: BUNDLE, checkpointIntervalMs: 0 }, {}));
});
afterAll(async () => runtime?.close());

const pre = (tool_name: string, tool_input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  session_id: 's-1',
  transcript_path: '/home/u/.claude/projects/x.jsonl',
  cwd: '/workspace/proj',
  hook_event_name: 'PreToolUse',
  permission_mode: 'default',
  tool_name,
  tool_input,
  tool_use_id: 'toolu_01',
  ...extra,
});

function recording(outcome: Decision['outcome'] = 'allow', extra: Record<string, unknown> = {}): Authorizer & { seen: AuthorizationRequest[] } {
  const seen: AuthorizationRequest[] = [];
  return {
    seen,
    async authorize(req) {
      seen.push(req);
      return { outcome, reasons: [{ code: 'x', message: `because ${outcome}` }], actionHash: 'a'.repeat(64), policyVersion: 'v', requestId: 'req-1', decidedAt: '', ...extra } as Decision;
    },
  };
}

const claude = adapters['claude-code'];
const decisionOf = (out: { json?: Record<string, unknown> }) => (out.json?.['hookSpecificOutput'] as { permissionDecision: string; permissionDecisionReason: string; hookEventName: string });

describe('Claude Code PreToolUse: the mapping (exact requests)', () => {
  const cases: Array<[string, Record<string, unknown>, Partial<AuthorizationRequest> & { context?: Record<string, unknown> }]> = [
    ['Bash', { command: 'git status', description: 'status', timeout: 120000, run_in_background: false }, { action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'dev-box' }, context: { command: 'git status' } }],
    ['Write', { file_path: '/workspace/proj/a.ts', content: 'x' }, { action: { name: 'file.write' }, resource: { type: 'File', id: '/workspace/proj/a.ts', properties: { path: '/workspace/proj/a.ts' } } }],
    ['Edit', { file_path: '/workspace/proj/a.ts', old_string: 'a', new_string: 'b', replace_all: false }, { action: { name: 'file.write' }, resource: { type: 'File', id: '/workspace/proj/a.ts', properties: { path: '/workspace/proj/a.ts' } } }],
    ['MultiEdit', { file_path: 'src/b.ts', edits: [] }, { action: { name: 'file.write' }, resource: { type: 'File', id: '/workspace/proj/src/b.ts', properties: { path: '/workspace/proj/src/b.ts' } } }],
    ['NotebookEdit', { notebook_path: '/workspace/n.ipynb', new_source: 'x' }, { action: { name: 'file.write' }, resource: { type: 'File', id: '/workspace/n.ipynb', properties: { path: '/workspace/n.ipynb' } } }],
    ['Read', { file_path: '/workspace/proj/README.md' }, { action: { name: 'file.read' }, resource: { type: 'File', id: '/workspace/proj/README.md', properties: { path: '/workspace/proj/README.md' } } }],
    ['WebFetch', { url: 'https://api.github.com/repos/x', prompt: 'summarize' }, { action: { name: 'net.request' }, resource: { type: 'Host', id: 'api.github.com' }, context: { url: 'https://api.github.com/repos/x' } }],
    ['WebSearch', { query: 'airlock' }, { action: { name: 'net.request' }, resource: { type: 'Host', id: 'web-search' }, context: { query: 'airlock' } }],
    ['mcp__github__create_issue', { title: 't' }, { action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'github/create_issue' }, context: { server: 'github', arguments: { title: 't' } } }],
    ['mcp__my_server__do__it', {}, { action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'my_server/do__it' } }],
    ['TodoWrite', { todos: [] }, { action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'claude-code/TodoWrite' }, context: { arguments: { todos: [] } } }],
  ];
  for (const [tool, input, expected] of cases) {
    it(`${tool} → ${expected.action!.name} on ${expected.resource!.type}::"${expected.resource!.id}"`, async () => {
      const a = recording();
      await runHook(claude, pre(tool, input), a, opts);
      expect(a.seen).toHaveLength(1);
      expect(a.seen[0]).toMatchObject({ subject: { type: 'Agent', id: 'test-agent' }, ...expected });
      expect(a.seen[0]!.context).toMatchObject({ agent: 'claude-code', cwd: '/workspace/proj', sessionId: 's-1', permissionMode: 'default', toolUseId: 'toolu_01' });
      expect(JSON.stringify(a.seen[0])).not.toContain('transcript');
    });
  }
});

describe('Claude Code PreToolUse: real decisions (fixture bundle)', () => {
  const cases: Array<[string, string, Record<string, unknown>, 'allow' | 'deny' | 'ask']> = [
    ['Write under /workspace → allow', 'Write', { file_path: '/workspace/proj/a.ts', content: '' }, 'allow'],
    ['Write under /etc → deny (no permit)', 'Write', { file_path: '/etc/passwd', content: '' }, 'deny'],
    ['Edit with .. → deny', 'Edit', { file_path: '/workspace/../etc/shadow', old_string: 'a', new_string: 'b' }, 'deny'],
    ['Read under /workspace → allow', 'Read', { file_path: '/workspace/proj/x' }, 'allow'],
    ['WebFetch api.github.com → allow', 'WebFetch', { url: 'https://api.github.com/x', prompt: 'p' }, 'allow'],
    ['WebFetch elsewhere → deny', 'WebFetch', { url: 'http://169.254.169.254/latest', prompt: 'p' }, 'deny'],
    ['mcp tool without a permit → deny', 'mcp__fixture__delete_file', { path: 'x' }, 'deny'],
  ];
  for (const [label, tool, input, verdict] of cases) {
    it(label, async () => {
      const out = await runHook(claude, pre(tool, input), runtime.gateway, opts);
      expect(out.exitCode).toBe(0);
      expect(decisionOf(out).hookEventName).toBe('PreToolUse');
      expect(decisionOf(out).permissionDecision).toBe(verdict);
      expect(decisionOf(out).permissionDecisionReason).toMatch(/Airlock request [0-9a-f-]{36}/);
    });
  }

  it('Bash is never allowed without the analyzed command (ask once the analyzer is loaded, deny before)', async () => {
    const out = await runHook(claude, pre('Bash', { command: 'npm test' }), runtime.gateway, opts);
    expect(['ask', 'deny']).toContain(decisionOf(out).permissionDecision);
  });

  it('confirmation_required → ask with the reason', async () => {
    const out = await runHook(claude, pre('Bash', { command: 'npm test' }), recording('confirmation_required'), opts);
    expect(decisionOf(out).permissionDecision).toBe('ask');
    expect(decisionOf(out).permissionDecisionReason).toMatch(/confirmation: because confirmation_required/);
  });

  it('approval_required → deny naming the approval id and how to retry', async () => {
    const out = await runHook(claude, pre('Bash', { command: 'deploy' }), recording('approval_required', { approval: { id: 'apr_9', status: 'pending' } }), opts);
    expect(decisionOf(out).permissionDecision).toBe('deny');
    expect(decisionOf(out).permissionDecisionReason).toMatch(/apr_9.*airlock approve apr_9.*retry/s);
  });
});

describe('hook error paths: never allow', () => {
  const boom: Authorizer = { authorize: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ERR_SERVER_UNREACHABLE' })) };
  it('gateway unreachable → deny (default)', async () => {
    const out = await runHook(claude, pre('Bash', { command: 'ls' }), boom, opts);
    expect(decisionOf(out).permissionDecision).toBe('deny');
    expect(decisionOf(out).permissionDecisionReason).toMatch(/ERR_SERVER_UNREACHABLE.*fail closed/);
  });
  it('gateway unreachable with --on-error ask → ask', async () => {
    expect(decisionOf(await runHook(claude, pre('Bash', { command: 'ls' }), boom, { ...opts, onError: 'ask' })).permissionDecision).toBe('ask');
  });
  for (const [label, input] of [
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['no tool_name', JSON.stringify({ hook_event_name: 'PreToolUse', tool_input: {} })],
    ['tool_input not an object', JSON.stringify(pre('Bash', {}, { tool_input: 'ls' }))],
    ['an unhandled event', JSON.stringify({ hook_event_name: 'Stop' })],
  ] as const) {
    it(`bad input (${label}) → deny, the authorizer is not asked`, async () => {
      const a = recording('allow');
      const out = await runHook(claude, input, a, opts);
      expect(decisionOf(out).permissionDecision).toBe('deny');
      expect(a.seen).toHaveLength(0);
    });
  }
});

describe('PostToolUse records the result under the PreToolUse decision', () => {
  it('reports succeeded / failed with the request id of the allow', async () => {
    const store = new Map<string, PreDecision[]>();
    const correlation: CorrelationStore = { put: async (k, v) => void store.set(k, v), take: async (k) => { const v = store.get(k); store.delete(k); return v; } };
    const reports: ExecutionReport[] = [];
    const o = { ...opts, correlation, reportExecution: async (r: ExecutionReport) => void reports.push(r) };
    await runHook(claude, pre('Read', { file_path: '/workspace/a' }), recording('allow'), o);
    const post = await runHook(claude, { ...pre('Read', { file_path: '/workspace/a' }), hook_event_name: 'PostToolUse', tool_response: { type: 'text', file: {} } }, recording('allow'), o);
    expect(post).toEqual({ exitCode: 0 });
    expect(reports).toEqual([{ requestId: 'req-1', actionHash: 'a'.repeat(64), status: 'succeeded', durationMs: 0, executor: 'hook:claude-code' }]);
  });
});

describe('other agents', () => {
  it('codex: same payload; deny exits 2 with the reason on stderr; confirmation becomes deny', async () => {
    const out = await runHook(adapters.codex, pre('Bash', { command: 'rm -rf /' }), recording('deny'), opts);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/Denied by Airlock/);
    const conf = await runHook(adapters.codex, pre('Bash', { command: 'npm test' }), recording('confirmation_required'), opts);
    expect(decisionOf(conf).permissionDecision).toBe('deny');
    const ok = await runHook(adapters.codex, pre('Read', { file_path: '/workspace/x' }), runtime.gateway, opts);
    expect(ok.exitCode).toBe(0);
    expect(decisionOf(ok).permissionDecision).toBe('allow');
  });

  it('gemini: BeforeTool → decision/reason; MCP tools from mcp_context; no ask', async () => {
    const base = { session_id: 's', transcript_path: '/t', cwd: '/workspace', hook_event_name: 'BeforeTool', timestamp: '2026-01-01T00:00:00Z' };
    const w = await runHook(adapters.gemini, { ...base, tool_name: 'write_file', tool_input: { file_path: '/workspace/a', content: '' } }, runtime.gateway, opts);
    expect(w.json).toMatchObject({ decision: 'allow' });
    const sh = await runHook(adapters.gemini, { ...base, tool_name: 'run_shell_command', tool_input: { command: 'ls' } }, runtime.gateway, opts);
    expect(sh.json).toMatchObject({ decision: 'deny' });
    const a = recording();
    await runHook(adapters.gemini, { ...base, tool_name: 'create_issue', tool_input: {}, mcp_context: { server_name: 'github' } }, a, opts);
    expect(a.seen[0]!.resource).toEqual({ type: 'Tool', id: 'github/create_issue' });
  });

  it('cursor: beforeShellExecution → ask; beforeMCPExecution → tool.call; output permission/messages', async () => {
    const base = { conversation_id: 'c', generation_id: 'g', workspace_roots: ['/workspace'] };
    const sh = await runHook(adapters.cursor, { ...base, hook_event_name: 'beforeShellExecution', command: 'npm test', cwd: '/workspace' }, recording('confirmation_required'), opts);
    expect(sh.json).toMatchObject({ permission: 'ask' });
    expect(String(sh.json!['user_message'])).toMatch(/confirmation/);
    const a = recording('deny');
    const m = await runHook(adapters.cursor, { ...base, hook_event_name: 'beforeMCPExecution', tool_name: 'search', tool_input: '{"q":"x"}', url: 'https://mcp.example.com/mcp' }, a, opts);
    expect(a.seen[0]).toMatchObject({ action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'mcp.example.com/search' }, context: { arguments: { q: 'x' } } });
    expect(m.json).toMatchObject({ permission: 'deny' });
  });

  it('generic: documented shape in, decision/reason out', async () => {
    const out = await runHook(adapters.generic, { event: 'pre', agent: 'my-agent', tool: 'Read', input: { file_path: '/workspace/x' } }, runtime.gateway, opts);
    expect(out.json).toMatchObject({ decision: 'allow' });
    const a = recording();
    await runHook(adapters.generic, { tool: 'lookup', input: {} , agent: 'my-agent'}, a, opts);
    expect(a.seen[0]!.resource).toEqual({ type: 'Tool', id: 'my-agent/lookup' });
  });
});

describe('handleClaudeCodeHook (the body of POST /v1/hooks/claude-code)', () => {
  it('returns the decision JSON, also for garbage (deny)', async () => {
    expect(await handleClaudeCodeHook(pre('Read', { file_path: '/workspace/x' }), runtime.gateway, opts)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    expect(await handleClaudeCodeHook('garbage', runtime.gateway, opts)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
  });
});

describe('scripts a shell command runs by path (judged where the agent runs)', () => {
  const withScripts = (answer: HookOptions['scripts']): HookOptions => ({ ...opts, scripts: answer });
  it('a script deny blocks what the gateway allowed; an ask turns an allow into a question', async () => {
    const seen: string[] = [];
    const deny = await runHook(claude, pre('Bash', { command: 'bash ./deploy.sh' }), recording('allow'), withScripts(async (c, shell, cwd) => {
      seen.push(`${c}|${shell}|${cwd}`);
      return { verdict: 'deny', reason: 'in ./deploy.sh: downloads code and runs it' };
    }));
    expect(seen).toEqual(['bash ./deploy.sh|bash|/workspace/proj']);
    expect(decisionOf(deny).permissionDecision).toBe('deny');
    expect(decisionOf(deny).permissionDecisionReason).toContain('in ./deploy.sh');
    const ask = await runHook(claude, pre('Bash', { command: 'bash ./gone.sh' }), recording('allow'), withScripts(async () => ({ verdict: 'ask', reason: 'script_unread: no such file' })));
    expect(decisionOf(ask).permissionDecision).toBe('ask');
    const quiet = await runHook(claude, pre('Bash', { command: 'npm test' }), recording('allow'), withScripts(async () => undefined));
    expect(decisionOf(quiet).permissionDecision).toBe('allow');
  });
  it('never loosens: a gateway deny stays a deny without asking the script check', async () => {
    let asked = false;
    const out = await runHook(claude, pre('Bash', { command: 'bash ./x.sh' }), recording('deny'), withScripts(async () => {
      asked = true;
      return undefined;
    }));
    expect(decisionOf(out).permissionDecision).toBe('deny');
    expect(asked).toBe(false);
  });
  it('a failing script check blocks (fail closed); no cwd means no check', async () => {
    const out = await runHook(claude, pre('Bash', { command: 'bash ./x.sh' }), recording('allow'), withScripts(async () => Promise.reject(new Error('boom'))));
    expect(decisionOf(out).permissionDecision).toBe('deny');
    expect(decisionOf(out).permissionDecisionReason).not.toContain('boom');
    let asked = false;
    const noCwd = await runHook(claude, pre('Bash', { command: 'bash ./x.sh' }, { cwd: undefined }), recording('allow'), withScripts(async () => {
      asked = true;
      return { verdict: 'deny', reason: 'x' };
    }));
    expect(asked).toBe(false);
    expect(decisionOf(noCwd).permissionDecision).toBe('allow');
  });
});
