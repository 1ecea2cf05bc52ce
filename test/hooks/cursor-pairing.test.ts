/**
 * Cursor's after-events are linked to their before-decision (issue 11). Cursor sends no tool-use
 * id, so the pairing key is the conversation and generation ids with the canonical hash of the
 * arguments both events carry. Driven through `airlock hook cursor` as a process (the command hook
 * Cursor runs), embedded pipeline on SQLite; the audit log is read from the database file.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli/main.js');
const BUNDLE = resolve('test/fixtures/mcp/bundle');

function hook(args: string[], input: object): Promise<{ code: number | null; json: any; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [CLI, 'hook', 'cursor', ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      done({ code, stderr, json: stdout.trim().startsWith('{') ? JSON.parse(stdout) : undefined });
    });
    child.stdin!.end(JSON.stringify(input));
  });
}

function executions(dataDir: string): Array<Record<string, unknown>> {
  const db = new Database(join(dataDir, 'airlock.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT record FROM audit WHERE kind = 'execution' ORDER BY at, seq`).all() as Array<{ record: string }>).map((r) => JSON.parse(r.record) as Record<string, unknown>);
  } finally {
    db.close();
  }
}

const requestIdOf = (out: { json: { user_message: string } }) => /Airlock request ([^\s)]+)/.exec(out.json.user_message)?.[1];

describe('airlock hook cursor: after-events linked to their before-decision', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-cursor-pair-'));
  const embedded = ['--subject', 'test-agent', '--embedded', '--policies', BUNDLE, '--data-dir', dataDir];
  const base = () => ({ conversation_id: `conv-${randomUUID()}`, generation_id: `gen-${randomUUID()}`, workspace_roots: ['/workspace'] });

  it('afterShellExecution after an ask reports the execution under the decision and names the confirmation', async () => {
    const ids = base();
    const pre = await hook(embedded, { ...ids, hook_event_name: 'beforeShellExecution', command: 'ls -la', cwd: '/workspace' });
    expect(pre.json.permission).toBe('ask');
    const requestId = requestIdOf(pre);
    expect(requestId).toBeDefined();
    const post = await hook(embedded, { ...ids, hook_event_name: 'afterShellExecution', command: 'ls -la', output: 'total 0' });
    expect(post.code).toBe(0);
    const linked = executions(dataDir).filter((e) => e['requestId'] === requestId);
    expect(linked).toHaveLength(1);
    expect(linked[0]).toMatchObject({ status: 'succeeded', executor: 'hook:cursor', confirmedVia: 'cursor-prompt', confirmation: expect.any(String) });
  });

  it('postToolUse after an allowed preToolUse is linked; another generation, other arguments or a replay are not', async () => {
    const ids = base();
    const input = { file_path: '/workspace/notes.md' };
    const pre = await hook(embedded, { ...ids, hook_event_name: 'preToolUse', tool_name: 'Read', tool_input: input });
    expect(pre.json.permission).toBe('allow');
    const requestId = requestIdOf(pre)!;
    const before = executions(dataDir).length;
    // Same tool, other arguments; same arguments, another generation: neither is this call's after-event.
    await hook(embedded, { ...ids, hook_event_name: 'postToolUse', tool_name: 'Read', tool_input: { file_path: '/workspace/other.md' }, tool_output: 'x' });
    await hook(embedded, { ...ids, generation_id: 'gen-other', hook_event_name: 'postToolUse', tool_name: 'Read', tool_input: input, tool_output: 'x' });
    expect(executions(dataDir)).toHaveLength(before);
    await hook(embedded, { ...ids, hook_event_name: 'postToolUse', tool_name: 'Read', tool_input: input, tool_output: 'hello' });
    await hook(embedded, { ...ids, hook_event_name: 'postToolUse', tool_name: 'Read', tool_input: input, tool_output: 'hello' });
    const linked = executions(dataDir).filter((e) => e['requestId'] === requestId);
    expect(linked).toHaveLength(1);
    expect(linked[0]).toMatchObject({ status: 'succeeded', executor: 'hook:cursor' });
    expect(linked[0]!['confirmedVia']).toBeUndefined();
  });

  it('afterMCPExecution is linked to beforeMCPExecution (tool_input as a JSON string on one side, an object on the other)', async () => {
    const ids = base();
    // write_note needs a confirmation in the fixture bundle: Cursor asks its user.
    const pre = await hook(embedded, { ...ids, hook_event_name: 'beforeMCPExecution', server_name: 'fixture', tool_name: 'write_note', tool_input: JSON.stringify({ text: 'hi' }) });
    expect(pre.json.permission).toBe('ask');
    const requestId = requestIdOf(pre)!;
    await hook(embedded, { ...ids, hook_event_name: 'afterMCPExecution', tool_name: 'write_note', tool_input: { text: 'hi' }, result_json: '{"content":[]}' });
    expect(executions(dataDir).filter((e) => e['requestId'] === requestId)).toHaveLength(1);
  });
});
