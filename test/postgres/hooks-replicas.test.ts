/**
 * The Claude Code HTTP hook behind a load balancer (issue 11): PreToolUse answered by replica A,
 * PostToolUse delivered to replica B. The pairing lives in the shared PostgreSQL store, so B links
 * the execution to A's decision (and to the confirmation A opened for an `ask`). Two real `serve`
 * processes on one database; needs `npm run build`.
 */
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePostgres } from './pg-test-db.js';
import { serve } from './serve-process.js';

async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, json: await r.json() };
}

const requestIdOf = (reason: string) => /Airlock request ([^\s)]+)/.exec(reason)?.[1];

await describePostgres('HTTP hook pairing across replicas', (pg) => {
  it('PreToolUse on replica A, PostToolUse on replica B: the execution is linked to the decision and to the confirmation of an ask', async () => {
    const env = { AIRLOCK_DATABASE_URL: pg.url };
    const dirA = mkdtempSync(join(tmpdir(), 'airlock-hooks-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'airlock-hooks-b-'));
    const a = await serve(['--data-dir', dirA, '--policies', 'policies/example'], { ...env, AIRLOCK_WRITER_ID: 'replica-a' });
    const procs: ChildProcess[] = [a.proc];
    try {
      const b = await serve(['--data-dir', dirB, '--policies', 'policies/example'], { ...env, AIRLOCK_WRITER_ID: 'replica-b' });
      procs.push(b.proc);
      const admin = readFileSync(join(dirA, 'admin.key'), 'utf8').trim();
      const agent = async (id: string, groups: string[]) => {
        const r = await call(a.url, admin, 'POST', '/v1/identities', { id, kind: 'agent', owner: 'admin', groups, purpose: 'coding agent behind the load balancer' });
        expect(r.status, JSON.stringify(r.json)).toBe(201);
        return r.json.key.key as string;
      };
      // ci-runners: build tools allowed; operators: a shell command with no environment is asked (production).
      const coder = await agent('coder', ['ci-runners']);
      const operator = await agent('op-agent', ['operators']);
      const hook = (url: string, key: string, event: 'PreToolUse' | 'PostToolUse', toolUseId: string) =>
        call(url, key, 'POST', '/v1/hooks/claude-code', {
          session_id: 's',
          transcript_path: '/tmp/t',
          cwd: '/work',
          hook_event_name: event,
          tool_name: 'Bash',
          tool_input: { command: 'git status' },
          tool_use_id: toolUseId,
          ...(event === 'PostToolUse' ? { tool_response: { stdout: 'clean', exit_code: 0 } } : {}),
        });

      for (const [key, id, verdict] of [[coder, 'tu-allow', 'allow'], [operator, 'tu-ask', 'ask']] as const) {
        const pre = await hook(a.url, key, 'PreToolUse', id);
        expect(pre.status).toBe(200);
        expect(pre.json.hookSpecificOutput.permissionDecision).toBe(verdict);
        const requestId = requestIdOf(pre.json.hookSpecificOutput.permissionDecisionReason);
        expect(requestId).toBeDefined();
        const post = await hook(b.url, key, 'PostToolUse', id);
        expect(post.status).toBe(200);
        const evidence = await call(b.url, admin, 'GET', `/v1/evidence/${requestId}`);
        expect(evidence.status).toBe(200);
        const executions = (evidence.json.records as Array<{ kind: string; writer: string }>).filter((r) => r.kind === 'execution');
        // Exactly one execution record, written by the replica that received PostToolUse.
        expect(executions, JSON.stringify(evidence.json)).toHaveLength(1);
        expect(executions[0]!.writer).toBe('replica-b');
        expect(evidence.json.execution).toMatchObject({ status: 'succeeded', executor: 'hook:claude-code' });
        if (verdict === 'ask') expect(evidence.json.execution).toMatchObject({ confirmedVia: 'claude-code-prompt' });
        // The pairing is taken once: a replayed PostToolUse adds nothing.
        await hook(a.url, key, 'PostToolUse', id);
        const again = await call(a.url, admin, 'GET', `/v1/evidence/${requestId}`);
        expect((again.json.records as Array<{ kind: string }>).filter((r) => r.kind === 'execution')).toHaveLength(1);
      }
    } finally {
      for (const p of procs) p.kill('SIGTERM');
    }
  }, 180_000);
});
