/**
 * Starts the real HTTP gateway for integration tests: real Fastify listening on 127.0.0.1 with an
 * ephemeral port, a real SQLite store in a fresh temp data dir, and the real Cedar bundle at
 * `policies`. Same wiring as `airlock serve` (metrics observer included), so `/metrics` counts.
 *
 * @example
 * const gw = await startGateway({ policies: 'test/fixtures/bundles/authzen-cert' });
 * const res = await fetch(`${gw.url}/access/v1/evaluation`, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.headers }, body });
 * await gw.close();
 *
 * Every gateway starts the way `airlock serve` does on an empty data dir: the bootstrap admin
 * (`admin`, key in `gw.adminKey` and `<dataDir>/admin.key`) is created, and — unless `pep: false` —
 * an enforcement-point NHI `test-pep` (kind workload, owner admin) whose key is in `gw.pepKey`;
 * `gw.headers` authenticates as that pep, `gw.adminHeaders` as the admin.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/core/clock.js';
import type { PepGrant } from '../../src/identity/types.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer } from '../../src/http/server.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

export interface StartGatewayOptions {
  /** Policy bundle directory. */
  policies: string;
  /** Extra config flags (e.g. `bodyLimitBytes`); override the test defaults. */
  config?: Partial<ConfigInput>;
  /** Environment passed to `loadConfig` (default `{}`, so the host environment never leaks in). */
  env?: NodeJS.ProcessEnv;
  /** Data directory to use instead of a fresh temp dir (it is then not removed on close). */
  dataDir?: string;
  /**
   * The grant of the `test-pep` NHI (default: every `user` subject, `{type: 'user', id: '*'}`, the
   * AuthZEN fixtures' subject type), or false for no pep.
   */
  pep?: Partial<PepGrant> | false;
  /** Clock of the runtime (tests move time instead of sleeping). */
  clock?: Clock;
}

export interface StartedGateway {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  dataDir: string;
  /** The bootstrap admin's API key. */
  adminKey: string;
  /** The `test-pep` NHI's API key ('' when `pep: false`). */
  pepKey: string;
  /** `Authorization` header of the pep (empty object when `pep: false`). */
  headers: Record<string, string>;
  /** `Authorization` header of the admin. */
  adminHeaders: Record<string, string>;
  /** Stops the server, closes the runtime (flushes audit) and removes the temp data dir. */
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<StartedGateway> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'airlock-it-'));
  const config = loadConfig(
    { dataDir, policies: opts.policies, port: 0, checkpointIntervalMs: 0, logLevel: 'silent', ...opts.config },
    opts.env ?? {},
  );
  const metrics = createMetrics();
  const runtime = await createRuntime(config, {
    observer: {
      onDecision: (o, ms) => metrics.decision(o, ms),
      onAuditCommit: (n, ms) => metrics.auditCommit(n, ms),
      onFailure: (source) => metrics.backgroundFailure(source),
      onSlackEvent: (event) => metrics.slackEvent(event.type),
      onPolicyEvaluation: (on) => metrics.policyEvaluation(on),
    },
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const adminKey = (await runtime.bootstrapAdmin()) ?? '';
  let pepKey = '';
  if (opts.pep !== false) {
    const grant: PepGrant = { subjects: opts.pep?.subjects ?? [{ type: 'user', id: '*' }], groups: opts.pep?.groups ?? [], ...(opts.pep?.assertsInitiator ? { assertsInitiator: true } : {}) };
    const r = await runtime.identities.createNhi(
      { id: 'test-pep', kind: 'workload', owner: 'admin', groups: [], environments: [], purpose: 'enforcement point of the integration tests', attributes: {}, pep: grant, key: true },
      { type: 'system', id: 'test', via: 'test' },
    );
    pepKey = r.value.key!.key;
  }
  const app = createHttpServer({ runtime, metrics });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  const addr = app.server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('server has no TCP address');
  let closed = false;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    runtime,
    app,
    dataDir,
    adminKey,
    pepKey,
    headers: pepKey ? { authorization: `Bearer ${pepKey}` } : {},
    adminHeaders: { authorization: `Bearer ${adminKey}` },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await runtime.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs `body` (an object is JSON-encoded, a string is sent as is) and returns status, headers and parsed JSON. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
