/**
 * Approval and confirmation flows of the proxy with the approvals API (which the gateway does not
 * have yet): an in-memory AirlockClient that opens approvals/confirmations, the proxy session and
 * the fixture tools linked in process (MCP InMemoryTransport).
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createProxySession } from '../../src/mcp/proxy.js';
import type { AirlockClient, ApprovalStatus, AuthorizationRequest, ExecutionReport, GatewayDecision } from '../../src/sdk/types.js';
// @ts-expect-error untyped fixture module
import { build } from '../fixtures/mcp/tools.mjs';

function decision(outcome: GatewayDecision['outcome'], extra: Partial<GatewayDecision> = {}): GatewayDecision {
  return { outcome, reasons: [{ code: outcome === 'allow' ? 'policy_permit' : outcome, message: `test ${outcome}` }], actionHash: 'h'.repeat(64), policyVersion: 'v', requestId: `req-${Math.random().toString(16).slice(2)}`, decidedAt: new Date().toISOString(), ...extra };
}

/** A gateway with approvals: the first decision opens an approval; after it is approved, allow (once). */
function fakeGateway(kind: 'approval' | 'confirmation', approveAfterMs: number | 'never' = 0) {
  const log: string[] = [];
  const reports: ExecutionReport[] = [];
  let granted = false;
  const opened = Date.now();
  const client: AirlockClient = {
    capabilities: { approvals: true, confirmations: true, executionReports: true },
    async authorize(req: AuthorizationRequest) {
      log.push(`authorize ${req.resource.id}`);
      if (granted) {
        granted = false; // single use
        return decision('allow');
      }
      return kind === 'approval'
        ? decision('approval_required', { approval: { id: 'apr_1', status: 'pending' } })
        : decision('confirmation_required', { confirmation: { id: 'cnf_1' } });
    },
    async waitForApproval(id, { timeoutMs }): Promise<ApprovalStatus> {
      log.push(`wait ${id}`);
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 20)));
      if (approveAfterMs !== 'never' && Date.now() - opened >= approveAfterMs) {
        granted = true;
        return { id, status: 'approved' };
      }
      return { id, status: 'pending' };
    },
    async confirm(id) {
      log.push(`confirm ${id}`);
      granted = true;
    },
    async reportExecution(r) {
      reports.push(r);
    },
    async close() {},
  };
  return { client, log, reports };
}

async function link(client: AirlockClient, opts: { approvalWaitMs?: number; elicit?: boolean } = {}) {
  const calls: unknown[] = [];
  const session = createProxySession({
    client,
    subject: { type: 'Agent', id: 'test-agent' },
    server: 'fixture',
    approvalWaitMs: opts.approvalWaitMs ?? 2000,
    progressIntervalMs: 50,
    upstream: async () => {
      const [a, b] = InMemoryTransport.createLinkedPair();
      await build({ log: (e: unknown) => calls.push(e) }).connect(b);
      return a;
    },
  });
  const [down, up] = InMemoryTransport.createLinkedPair();
  await session.connect(up);
  const agent = new Client({ name: 'agent', version: '1' }, { capabilities: opts.elicit ? { elicitation: {} } : {} });
  if (opts.elicit) agent.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } }));
  await agent.connect(down);
  return { agent, calls, session };
}

describe('proxy: approval_required with the approvals API', () => {
  it('waits with progress notifications, then the retry (consuming the approval) runs the call', async () => {
    const gw = fakeGateway('approval', 150);
    const { agent, calls } = await link(gw.client);
    const progress: string[] = [];
    const r = await agent.callTool({ name: 'deploy', arguments: { service: 'checkout' } }, undefined, { onprogress: (p) => progress.push(p.message ?? '') });
    expect(r.isError).toBeFalsy();
    expect(calls).toEqual([{ tool: 'deploy', service: 'checkout' }]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/waiting for approval apr_1/);
    expect(gw.log.filter((l) => l.startsWith('authorize'))).toHaveLength(2);
    await new Promise((r2) => setTimeout(r2, 20));
    expect(gw.reports).toMatchObject([{ status: 'succeeded', executor: 'mcp-proxy' }]);
  });

  it('not approved in time → isError naming the approval id and how to approve; not forwarded', async () => {
    const gw = fakeGateway('approval', 'never');
    const { agent, calls } = await link(gw.client, { approvalWaitMs: 200 });
    const r = await agent.callTool({ name: 'deploy', arguments: { service: 'checkout' } });
    expect(r.isError).toBe(true);
    const text = (r.content as Array<{ text: string }>)[0]!.text;
    expect(text).toMatch(/apr_1/);
    expect(text).toMatch(/airlock approve apr_1/);
    expect((r._meta?.['dev.airlock/decision'] as { approvalId: string }).approvalId).toBe('apr_1');
    expect(calls).toEqual([]);
  });
});

describe('proxy: confirmation_required with the confirmations API', () => {
  it('elicitation yes → client.confirm(id) → re-authorize → forward', async () => {
    const gw = fakeGateway('confirmation');
    const { agent, calls } = await link(gw.client, { elicit: true });
    const r = await agent.callTool({ name: 'run_command', arguments: { command: 'make' } });
    expect(r.isError).toBeFalsy();
    expect(gw.log).toEqual(['authorize fixture/run_command', 'confirm cnf_1', 'authorize fixture/run_command']);
    expect(calls).toEqual([{ tool: 'run_command', command: 'make' }]);
  });
});

describe('proxy: context of tools/call', () => {
  it('carries server, arguments, hint defaults (worst case when missing), definition hash and the command', async () => {
    const seen: AuthorizationRequest[] = [];
    const client: AirlockClient = {
      capabilities: { approvals: false, confirmations: false, executionReports: false },
      authorize: async (req) => (seen.push(req), decision('deny')),
      waitForApproval: async () => ({ id: '', status: 'pending' }),
      confirm: async () => undefined,
      reportExecution: async () => undefined,
      close: async () => undefined,
    };
    const { agent } = await link(client);
    await agent.callTool({ name: 'run_command', arguments: { command: 'curl x | sh' } });
    await agent.callTool({ name: 'deploy', arguments: { service: 's' } });
    expect(seen[0]).toMatchObject({
      subject: { type: 'Agent', id: 'test-agent' },
      action: { name: 'tool.call' },
      resource: { type: 'Tool', id: 'fixture/run_command' },
      context: { server: 'fixture', arguments: { command: 'curl x | sh' }, command: 'curl x | sh', toolKnown: true, annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } },
    });
    expect(seen[0]!.context!['toolDefinitionHash']).toMatch(/^[0-9a-f]{64}$/);
    // deploy declares no annotations: MCP defaults, i.e. the worst case.
    expect(seen[1]!.context!['annotations']).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });
    expect(seen[1]!.context!['command']).toBeUndefined();
  });
});
