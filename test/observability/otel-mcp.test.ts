/**
 * Spans across processes: the MCP proxy (built CLI, its own OTLP export) and the HTTP gateway
 * both export to one real OTLP/HTTP receiver; the proxy's call span and the gateway's decision
 * span share one trace, the decision a child of the call (W3C traceparent over HTTP).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';
import { connectProxy, FIXTURE_BUNDLE, textOf, workDir } from '../mcp/helpers.js';

let otlp: OtlpReceiver;
let gw: StartedGateway;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  gw = await startGateway({ policies: FIXTURE_BUNDLE, pep: { subjects: [{ type: 'Agent', id: 'test-agent' }] }, env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp.url } });
});
afterAll(async () => {
  await gw?.close();
  await otlp?.close();
});

describe('airlock mcp with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('each gated call is a client span of the proxy; the gateway\'s decision span is its child', async () => {
    const work = workDir();
    const keyFile = join(work.dir, 'pep.key');
    writeFileSync(keyFile, gw.pepKey + '\n', { mode: 0o600 });
    const p = await connectProxy({
      work,
      proxyArgs: ['--subject', 'test-agent', '--gateway', gw.url, '--key-file', keyFile, '--name', 'fixture'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.base, OTEL_SERVICE_NAME: 'airlock-mcp-proxy' },
    });
    const r = await p.client.callTool({ name: 'echo', arguments: { text: 'traced' } });
    expect(textOf(r)).toBe('traced');
    // Closing the session ends the proxy, which flushes its spans.
    await p.client.close();
    await gw.runtime.flushTraces();
    const spans = await otlp.waitFor((s) => s.some((x) => x.name === 'airlock.mcp.call') && s.some((x) => x.name === 'airlock.decision' && x.attributes['airlock.caller.id'] !== undefined && s.some((c) => c.name === 'airlock.mcp.call' && c.spanId === x.parentSpanId)));
    const call = spans.find((s) => s.name === 'airlock.mcp.call')!;
    expect(call.resource['service.name']).toBe('airlock-mcp-proxy');
    expect(call.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(call.attributes).toMatchObject({ 'airlock.subject.id': 'test-agent', 'airlock.outcome': 'allow' });
    const decision = spans.find((s) => s.name === 'airlock.decision' && s.parentSpanId === call.spanId)!;
    expect(decision.traceId).toBe(call.traceId);
    expect(decision.resource['service.name']).toBe('airlock');
    expect(decision.attributes['airlock.request_id']).toBe(call.attributes['airlock.request_id']);
  }, 120_000);
});
