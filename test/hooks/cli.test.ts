/** `airlock hook …` as a process (stdin → stdout/exit code) and `airlock hook install` on real files. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli/main.js');
const BUNDLE = resolve('test/fixtures/mcp/bundle');

function run(args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as any) : undefined };
}

const payload = (tool_name: string, tool_input: object) => JSON.stringify({ session_id: 's', transcript_path: '/t', cwd: '/workspace', hook_event_name: 'PreToolUse', tool_name, tool_input, tool_use_id: `toolu_${Math.random()}` });

describe('airlock hook claude-code (process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-hookcli-'));
  const embedded = ['--subject', 'test-agent', '--embedded', '--policies', BUNDLE, '--data-dir', dataDir];

  it('allow and deny on stdout, exit 0', () => {
    const ok = run(['hook', 'claude-code', ...embedded], payload('Read', { file_path: '/workspace/a' }));
    expect(ok.code).toBe(0);
    expect(ok.json.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'allow' });
    const no = run(['hook', 'claude-code', ...embedded], payload('Write', { file_path: '/etc/passwd', content: '' }));
    expect(no.code).toBe(0);
    expect(no.json.hookSpecificOutput.permissionDecision).toBe('deny');
  });

  it('no gateway configured → deny (never allow)', () => {
    const r = run(['hook', 'claude-code', '--subject', 'test-agent'], payload('Read', { file_path: '/workspace/a' }));
    expect(r.code).toBe(0);
    expect(r.json.hookSpecificOutput.permissionDecision).toBe('deny');
  });

  it('gateway unreachable → deny; with --on-error ask → ask', () => {
    const args = ['hook', 'claude-code', '--subject', 'test-agent', '--gateway', 'http://127.0.0.1:9', '--key', 'ak_x'];
    expect(run(args, payload('Read', { file_path: '/workspace/a' })).json.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(run([...args, '--on-error', 'ask'], payload('Read', { file_path: '/workspace/a' })).json.hookSpecificOutput.permissionDecision).toBe('ask');
  });

  it('a bad command line still answers deny in the contract', () => {
    const r = run(['hook', 'claude-code', '--bogus'], payload('Read', { file_path: '/workspace/a' }));
    expect(r.json.hookSpecificOutput.permissionDecision).toBe('deny');
  });

  it('codex deny exits 2 with the reason on stderr', () => {
    const r = run(['hook', 'codex', ...embedded], payload('Write', { file_path: '/etc/x', content: '' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Denied by Airlock/);
  });
});

describe('airlock hook install claude-code', () => {
  it('merges into existing settings, backs up first, is idempotent, blocks on failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-install-'));
    const file = join(dir, 'settings.json');
    const existing = {
      model: 'opus',
      permissions: { allow: ['Bash(git status)'] },
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-linter', timeout: 5 }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'notify' }] }],
      },
    };
    writeFileSync(file, JSON.stringify(existing, null, 2));
    const args = ['hook', 'install', 'claude-code', '--settings', file, '--subject', 'coding-agent', '--gateway', 'http://127.0.0.1:8787', '--key-file', '/etc/airlock/agent.key'];
    const first = run(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/installed.*backup/);
    const s = JSON.parse(readFileSync(file, 'utf8'));
    expect(s.model).toBe('opus');
    expect(s.permissions).toEqual(existing.permissions);
    expect(s.hooks.Stop).toEqual(existing.hooks.Stop);
    expect(s.hooks.PreToolUse).toHaveLength(2);
    expect(s.hooks.PreToolUse[0]).toEqual({ matcher: '*', hooks: [{ type: 'command', command: 'airlock hook claude-code --subject coding-agent --gateway http://127.0.0.1:8787 --key-file /etc/airlock/agent.key', timeout: 30, onFailure: 'block' }] });
    expect(s.hooks.PreToolUse[1]).toEqual(existing.hooks.PreToolUse[0]);
    expect(s.hooks.PostToolUse[0].hooks[0]).toMatchObject({ onFailure: 'block', timeout: 30 });
    const backups = readdirSync(dir).filter((f) => f.includes('airlock-backup'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, backups[0]!), 'utf8'))).toEqual(existing);

    const second = run(args);
    expect(second.stdout).toMatch(/already installed/);
    expect(readdirSync(dir).filter((f) => f.includes('airlock-backup'))).toHaveLength(1);

    // Switching to the http form replaces Airlock's entry, never duplicates it.
    run(['hook', 'install', 'claude-code', '--settings', file, '--http', '--gateway', 'http://127.0.0.1:8787']);
    const s3 = JSON.parse(readFileSync(file, 'utf8'));
    expect(s3.hooks.PreToolUse).toHaveLength(2);
    expect(s3.hooks.PreToolUse[0].hooks[0]).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8787/v1/hooks/claude-code',
      headers: { Authorization: 'Bearer $AIRLOCK_KEY' },
      allowedEnvVars: ['AIRLOCK_KEY'],
      timeout: 30,
      onFailure: 'block',
    });
  });

  it('creates a missing file; refuses to touch a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-install-'));
    const file = join(dir, '.claude', 'settings.json');
    expect(run(['hook', 'install', 'claude-code', '--settings', file, '--subject', 'a', '--embedded']).code).toBe(0);
    expect(existsSync(file)).toBe(true);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "model": "x", // comment\n}');
    const r = run(['hook', 'install', 'claude-code', '--settings', bad, '--subject', 'a', '--embedded']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ERR_CONFIG_INVALID/);
    expect(readFileSync(bad, 'utf8')).toBe('{ "model": "x", // comment\n}');
  });
});
