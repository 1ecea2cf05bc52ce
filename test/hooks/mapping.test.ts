/**
 * The explicit mapping of every documented tool of Claude Code, Codex, Gemini CLI and Cursor
 * (standards §4, docs/agents.md), request by request, through `runHook` with a recording
 * authorizer: what policy would be asked, exactly. The same shapes are driven through the hook
 * process and the HTTP hook on a served gateway in edge.test.ts. Threat row: §3.13 (`3.13-shapes`).
 */
import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest, Authorizer, Decision } from '../../src/core/types.js';
import { adapters, joinArgv, normalizePath, patchTargets, runHook, type HookOptions } from '../../src/integrations/hooks/index.js';

const opts: HookOptions = { subject: { type: 'Agent', id: 'a' }, host: 'box', home: '/home/dev' };

function recording(outcome: Decision['outcome'] = 'allow'): Authorizer & { seen: AuthorizationRequest[] } {
  const seen: AuthorizationRequest[] = [];
  return {
    seen,
    async authorize(req) {
      seen.push(req);
      return { outcome, reasons: [{ code: 'x', message: outcome }], actionHash: 'h', policyVersion: 'v', requestId: `r${seen.length}`, decidedAt: '' } as Decision;
    },
  };
}

const claudeLike = (tool_name: string, tool_input: unknown) => ({ session_id: 's', transcript_path: '/home/dev/.claude/projects/x.jsonl', cwd: '/proj', hook_event_name: 'PreToolUse', tool_name, tool_input, tool_use_id: 't' });
const gemini = (tool_name: string, tool_input: unknown) => ({ session_id: 's', cwd: '/proj', hook_event_name: 'BeforeTool', tool_name, tool_input });
const cursor = (extra: Record<string, unknown>) => ({ conversation_id: 'c', generation_id: 'g', workspace_roots: ['/proj'], ...extra });

type Want = Array<[action: string, type: string, id: string, context?: Record<string, unknown>]>;
const cases: Array<[agent: keyof typeof adapters, label: string, input: unknown, want: Want]> = [
  // Claude Code
  ['claude-code', 'Bash', claudeLike('Bash', { command: 'git status', description: 'd' }), [['shell.exec', 'Host', 'box', { command: 'git status' }]]],
  ['claude-code', 'Read', claudeLike('Read', { file_path: 'src/a.ts', offset: 1 }), [['file.read', 'File', '/proj/src/a.ts', { rawPath: 'src/a.ts' }]]],
  ['claude-code', 'Write', claudeLike('Write', { file_path: '/proj/a', content: '' }), [['file.write', 'File', '/proj/a']]],
  ['claude-code', 'Edit', claudeLike('Edit', { file_path: '/proj/a', old_string: 'x', new_string: 'y' }), [['file.write', 'File', '/proj/a']]],
  ['claude-code', 'MultiEdit', claudeLike('MultiEdit', { file_path: '/proj/a', edits: [{ old_string: 'x', new_string: 'y' }, { old_string: 'p', new_string: 'q' }] }), [['file.write', 'File', '/proj/a']]],
  ['claude-code', 'NotebookEdit', claudeLike('NotebookEdit', { notebook_path: 'n.ipynb', new_source: '' }), [['file.write', 'File', '/proj/n.ipynb']]],
  ['claude-code', 'Glob', claudeLike('Glob', { pattern: '**/*.ts' }), [['file.read', 'File', '/proj/**/*.ts']]],
  ['claude-code', 'Grep', claudeLike('Grep', { pattern: 'TODO', path: 'src', glob: '*.ts' }), [['file.read', 'File', '/proj/src']]],
  ['claude-code', 'Grep without path', claudeLike('Grep', { pattern: 'TODO' }), [['file.read', 'File', '/proj']]],
  ['claude-code', 'LS', claudeLike('LS', { path: '/proj/src' }), [['file.read', 'File', '/proj/src']]],
  ['claude-code', 'WebFetch', claudeLike('WebFetch', { url: 'https://api.github.com/x', prompt: 'p' }), [['net.request', 'Host', 'api.github.com', { url: 'https://api.github.com/x' }]]],
  ['claude-code', 'WebSearch', claudeLike('WebSearch', { query: 'q' }), [['net.request', 'Host', 'web-search', { query: 'q' }]]],
  ['claude-code', 'Task', claudeLike('Task', { description: 'd', prompt: 'p', subagent_type: 'general' }), [['tool.call', 'Tool', 'claude-code/Task', { arguments: { description: 'd', prompt: 'p', subagent_type: 'general' } }]]],
  ['claude-code', 'TodoWrite', claudeLike('TodoWrite', { todos: [] }), [['tool.call', 'Tool', 'claude-code/TodoWrite']]],
  ['claude-code', 'mcp__server__tool', claudeLike('mcp__github__create_issue', { title: 't' }), [['tool.call', 'Tool', 'github/create_issue', { server: 'github', arguments: { title: 't' } }]]],
  // Codex
  ['codex', 'Bash (hooks name)', claudeLike('Bash', { command: 'ls' }), [['shell.exec', 'Host', 'box', { command: 'ls' }]]],
  ['codex', 'exec_command {cmd}', claudeLike('exec_command', { cmd: 'curl x | bash', workdir: 'sub' }), [['shell.exec', 'Host', 'box', { command: 'curl x | bash', workdir: '/proj/sub' }]]],
  ['codex', 'shell {command: argv}', claudeLike('shell', { command: ['bash', '-lc', "echo 'hi' && rm -rf /"], workdir: '/proj' }), [['shell.exec', 'Host', 'box', { command: `bash -lc 'echo '\\''hi'\\'' && rm -rf /'` }]]],
  ['codex', 'shell_command {command}', claudeLike('shell_command', { command: 'npm test' }), [['shell.exec', 'Host', 'box', { command: 'npm test' }]]],
  ['codex', 'local_shell {action:{command}}', claudeLike('local_shell', { action: { type: 'exec', command: ['ls', '-la', 'my dir'], working_directory: '/proj' } }), [['shell.exec', 'Host', 'box', { command: "ls -la 'my dir'", workdir: '/proj' }]]],
  ['codex', 'write_stdin {chars}', claudeLike('write_stdin', { session_id: 1, chars: 'rm -rf /\n' }), [['shell.exec', 'Host', 'box', { command: 'rm -rf /\n' }]]],
  ['codex', 'apply_patch {input}', claudeLike('apply_patch', { input: '*** Begin Patch\n*** Add File: a.ts\n+x\n*** Delete File: /proj/b.ts\n*** Update File: c.ts\n*** Move to: d/e.ts\n@@\n-x\n+y\n*** End Patch' }), [
    ['file.write', 'File', '/proj/a.ts', { operation: 'add' }],
    ['file.write', 'File', '/proj/b.ts', { operation: 'delete' }],
    ['file.write', 'File', '/proj/c.ts', { operation: 'update' }],
    ['file.write', 'File', '/proj/d/e.ts', { operation: 'move' }],
  ]],
  ['codex', 'shell ["apply_patch", patch]', claudeLike('shell', { command: ['apply_patch', '*** Begin Patch\n*** Update File: x.ts\n*** End Patch'] }), [['file.write', 'File', '/proj/x.ts', { operation: 'update' }]]],
  ['codex', 'read_file / list_dir / grep_files / view_image', claudeLike('view_image', { path: 'shot.png' }), [['file.read', 'File', '/proj/shot.png']]],
  ['codex', 'update_plan', claudeLike('update_plan', { plan: [] }), [['tool.call', 'Tool', 'codex/update_plan']]],
  // Gemini CLI
  ['gemini', 'run_shell_command', gemini('run_shell_command', { command: 'ls', dir_path: 'sub' }), [['shell.exec', 'Host', 'box', { command: 'ls', workdir: '/proj/sub' }]]],
  ['gemini', 'read_file', gemini('read_file', { file_path: '/proj/a' }), [['file.read', 'File', '/proj/a']]],
  ['gemini', 'read_file (absolute_path)', gemini('read_file', { absolute_path: '/proj/b' }), [['file.read', 'File', '/proj/b']]],
  ['gemini', 'read_many_files', gemini('read_many_files', { paths: ['a', '~/.ssh/id_rsa', '/etc/shadow'] }), [['file.read', 'File', '/proj/a'], ['file.read', 'File', '/home/dev/.ssh/id_rsa'], ['file.read', 'File', '/etc/shadow']]],
  ['gemini', 'write_file', gemini('write_file', { file_path: 'a', content: '' }), [['file.write', 'File', '/proj/a']]],
  ['gemini', 'replace', gemini('replace', { file_path: '/proj/a', old_string: 'x', new_string: 'y' }), [['file.write', 'File', '/proj/a']]],
  ['gemini', 'list_directory', gemini('list_directory', { dir_path: '..' }), [['file.read', 'File', '/']]],
  ['gemini', 'glob', gemini('glob', { pattern: '*.md', dir_path: 'docs' }), [['file.read', 'File', '/proj/docs/*.md']]],
  ['gemini', 'search_file_content', gemini('search_file_content', { pattern: 'x', dir_path: '/var/log' }), [['file.read', 'File', '/var/log']]],
  ['gemini', 'web_fetch (URLs in the prompt)', gemini('web_fetch', { prompt: 'compare https://a.example/x and https://b.example/y' }), [['net.request', 'Host', 'a.example'], ['net.request', 'Host', 'b.example']]],
  ['gemini', 'google_web_search', gemini('google_web_search', { query: 'q' }), [['net.request', 'Host', 'web-search']]],
  ['gemini', 'save_memory', gemini('save_memory', { fact: 'f' }), [['tool.call', 'Tool', 'gemini/save_memory', { arguments: { fact: 'f' } }]]],
  // Cursor
  ['cursor', 'beforeShellExecution', cursor({ hook_event_name: 'beforeShellExecution', command: 'npm test', cwd: '/proj/app' }), [['shell.exec', 'Host', 'box', { command: 'npm test', workdir: '/proj/app' }]]],
  ['cursor', 'beforeReadFile', cursor({ hook_event_name: 'beforeReadFile', file_path: '/proj/.env', content: 'X=1' }), [['file.read', 'File', '/proj/.env']]],
  ['cursor', 'beforeMCPExecution', cursor({ hook_event_name: 'beforeMCPExecution', tool_name: 'search', tool_input: '{"q":1}', command: 'npx srv' }), [['tool.call', 'Tool', 'srv/search', { arguments: { q: 1 } }]]],
  ['cursor', 'preToolUse Write', cursor({ hook_event_name: 'preToolUse', tool_name: 'Write', tool_input: { file_path: 'a.ts' } }), [['file.write', 'File', '/proj/a.ts']]],
  ['cursor', 'preToolUse Delete', cursor({ hook_event_name: 'preToolUse', tool_name: 'Delete', tool_input: { path: '/proj/x' } }), [['file.write', 'File', '/proj/x']]],
  ['cursor', 'preToolUse Shell', cursor({ hook_event_name: 'preToolUse', tool_name: 'Shell', tool_input: { command: 'ls' } }), [['shell.exec', 'Host', 'box', { command: 'ls' }]]],
];

describe('[3.13-shapes] every documented tool maps to the request(s) policy must see', () => {
  for (const [agent, label, input, want] of cases) {
    it(`[3.13-shapes] ${agent} ${label}`, async () => {
      const a = recording();
      const out = await runHook(adapters[agent], input, a, opts);
      expect(a.seen.map((r) => [r.action.name, r.resource.type, r.resource.id])).toEqual(want.map(([x, t, i]) => [x, t, i]));
      want.forEach(([, , , ctx], i) => ctx && expect(a.seen[i]!.context).toMatchObject(ctx));
      expect(JSON.stringify(out.json)).toMatch(/allow/);
    });
  }
});

describe('[3.13-shapes] a shell or file tool without its target is target_missing; nothing is asked', () => {
  const missing: Array<[keyof typeof adapters, string, unknown]> = [
    ['codex', 'exec_command with `command` instead of `cmd`', claudeLike('exec_command', { command: 'curl x | bash' })],
    ['codex', 'local_shell without argv', claudeLike('local_shell', { action: { type: 'exec' } })],
    ['codex', 'shell with an argv of non-strings', claudeLike('shell', { command: ['ls', 3] })],
    ['codex', 'apply_patch without patch text', claudeLike('apply_patch', {})],
    ['codex', 'apply_patch naming no file', claudeLike('apply_patch', { input: '*** Begin Patch\n*** End Patch' })],
    ['claude-code', 'Bash with an empty command', claudeLike('Bash', { command: '' })],
    ['claude-code', 'Bash with a blank command', claudeLike('Bash', { command: ' \t\n' })],
    ['claude-code', 'Write without file_path', claudeLike('Write', { content: 'x' })],
    ['claude-code', 'Read with ~user', claudeLike('Read', { file_path: '~root/.ssh/id_rsa' })],
    ['claude-code', 'WebFetch without a URL', claudeLike('WebFetch', { prompt: 'p' })],
    ['claude-code', 'WebFetch with a URL without host', claudeLike('WebFetch', { url: 'file:///etc/passwd' })],
    ['gemini', 'read_many_files with no paths', gemini('read_many_files', { exclude: ['x'] })],
    ['gemini', 'run_shell_command without command', gemini('run_shell_command', { cmd: 'ls' })],
    ['cursor', 'beforeShellExecution without command', cursor({ hook_event_name: 'beforeShellExecution' })],
    ['cursor', 'beforeReadFile without file_path', cursor({ hook_event_name: 'beforeReadFile' })],
  ];
  for (const [agent, label, input] of missing) {
    it(`[3.13-shapes] ${agent}: ${label} → deny target_missing`, async () => {
      const a = recording();
      const out = await runHook(adapters[agent], input, a, opts);
      expect(a.seen).toEqual([]);
      expect(JSON.stringify(out.json)).toMatch(/"(deny)".*target_missing|target_missing.*"deny"/);
    });
  }

  it('[3.13-paths] ~ without a known home is target_missing (the HTTP hook has no home unless transcript_path names one)', async () => {
    const a = recording();
    const out = await runHook(adapters['claude-code'], { ...claudeLike('Read', { file_path: '~/.ssh/id_rsa' }), transcript_path: undefined }, a, { ...opts, home: undefined });
    expect(a.seen).toEqual([]);
    expect(JSON.stringify(out.json)).toMatch(/target_missing.*home directory is not known/);
  });
});

describe('batch verdicts: every target must be allowed', () => {
  it('the first deny ends the batch and answers deny', async () => {
    let n = 0;
    const a: Authorizer & { seen: number } = { seen: 0, async authorize() { n++; return { outcome: n === 2 ? 'deny' : 'allow', reasons: [], actionHash: 'h', policyVersion: 'v', requestId: `r${n}`, decidedAt: '' }; } };
    const out = await runHook(adapters.gemini, gemini('read_many_files', { paths: ['a', 'b', 'c'] }), a, opts);
    expect(n).toBe(2);
    expect(out.json).toMatchObject({ decision: 'deny' });
  });
  it('a confirmation among allows asks; an approval among confirmations denies', async () => {
    const seq = (outcomes: Decision['outcome'][]): Authorizer => {
      let i = 0;
      return { async authorize() { return { outcome: outcomes[i++]!, reasons: [], actionHash: 'h', policyVersion: 'v', requestId: `r${i}`, decidedAt: '' }; } };
    };
    const patch = { input: '*** Begin Patch\n*** Update File: a\n*** Update File: b\n*** End Patch' };
    const ask = await runHook(adapters['claude-code'], claudeLike('apply_patch', patch), seq(['allow', 'confirmation_required']), opts);
    expect(ask.json).toMatchObject({ hookSpecificOutput: { permissionDecision: 'ask' } });
    const no = await runHook(adapters['claude-code'], claudeLike('apply_patch', patch), seq(['confirmation_required', 'approval_required']), opts);
    expect(no.json).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
  });
});

describe('the pieces', () => {
  it('[3.13-paths] normalizePath: .., ., doubled and trailing slashes, ~, relative', () => {
    expect(normalizePath('/proj/../../etc/cron.d/x', {})).toEqual({ ok: true, path: '/etc/cron.d/x' });
    expect(normalizePath('a//b/./c/', { cwd: '/w' })).toEqual({ ok: true, path: '/w/a/b/c' });
    expect(normalizePath('~', { home: '/home/u' })).toEqual({ ok: true, path: '/home/u' });
    expect(normalizePath('../x', {}).ok).toBe(false);
    expect(normalizePath('a\0b', { cwd: '/w' }).ok).toBe(false);
  });
  it('joinArgv quotes every word the shell would split or expand', () => {
    expect(joinArgv(['bash', '-lc', 'curl x | sh'])).toBe("bash -lc 'curl x | sh'");
    expect(joinArgv(['echo', "it's", '$HOME', ''])).toBe(`echo 'it'\\''s' '$HOME' ''`);
    expect(joinArgv([])).toBeUndefined();
  });
  it('patchTargets reads every header, including Move to', () => {
    expect(patchTargets('*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** Delete File: c\n*** Add File: d\n*** End Patch').map((t) => `${t.op}:${t.path}`)).toEqual(['update:a', 'move:b', 'delete:c', 'add:d']);
  });
});
