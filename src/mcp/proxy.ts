/**
 * One proxy session: a low-level MCP `Server` facing the agent and a `Client` facing the real
 * server. Whatever reads or runs something on the upstream is decided first (DESIGN §4; standards
 * §3.8; issue 11): `tools/call` as `tool.call`, and `resources/read`, `resources/subscribe`,
 * `prompts/get`, `completion/complete` as their own actions (method-request.ts). Lists, logging
 * level, unsubscribe and notifications pass through. Only the methods listed here are forwarded:
 * an unknown method or a notification that is not on the list stops at the proxy (threats §3.12:
 * "Tools/Call", a tools/call sent as a notification). The proxy does not offer MCP tasks: the
 * upstream's `tasks` capability is dropped, tools that require a task are left out of tools/list,
 * and a task-augmented request is refused (nothing is forwarded).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListRootsRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ClientCapabilities,
  type Implementation,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CoazMappingError, declaredMapping, defaultMapping, planRequests, type CoazContext, type CoazPlan } from './coaz.js';
import { DENIED_ERROR, gateToolCall, RefusalError, UNDECIDED_ERROR, type GateDeps, type GateExtra } from './gate.js';
import { deniedText, DECISION_META_KEY, refusal, unreachableText } from './messages.js';
import { buildMethodRequest, GATED_METHODS, methodLabel, UndecidableParams, type GatedMethod } from './method-request.js';
import { refusalRecorder } from './refusals.js';
import { buildToolRequest, toolDefinitionHash, type CommandArgRule, type KnownTool } from './tool-request.js';
import type { AirlockClient } from '../sdk/types.js';

/** Results are forwarded untouched: a loose object schema keeps every field. */
const Loose = z.looseObject({});
/** A forwarded request may run as long as the agent is willing to wait; the agent owns the timeout. */
const FORWARD_TIMEOUT_MS = 24 * 3600 * 1000;
const MAX_LIST_PAGES = 100;
/**
 * Largest `arguments` (as JSON) the proxy decides on, bytes: beyond it the call is refused before
 * any decision (threats §3.12 "oversized arguments"): no approver can read 2 MB of arguments, and
 * the decision must not be what runs out of memory.
 */
export const MAX_ARGUMENTS_BYTES = 1024 * 1024;

function argumentsTooLarge(args: unknown): number | undefined {
  if (args === undefined) return undefined;
  const n = Buffer.byteLength(JSON.stringify(args) ?? '', 'utf8');
  return n > MAX_ARGUMENTS_BYTES ? n : undefined;
}

export interface ProxyOptions {
  client: AirlockClient;
  /** The NHI the agent acts as. */
  subject: { type: string; id: string };
  /** Server name used in `Tool::"<server>/<tool>"` (set by the operator, never taken from the server). */
  server: string;
  /** Opens the transport to the real server (called once per session, on initialize). */
  upstream: () => Transport | Promise<Transport>;
  /** How long a tools/call waits for a pending approval, ms. @defaultValue 120000 */
  approvalWaitMs?: number;
  /** How often progress is sent while waiting for an approval, ms. @defaultValue 5000 */
  progressIntervalMs?: number;
  /** Leave tools the subject is denied (with empty arguments) out of tools/list. @defaultValue false */
  hideDeniedTools?: boolean;
  commandArgs?: CommandArgRule[];
  /** Diagnostics (stderr in the CLI); never MCP traffic. */
  log?: (line: string) => void;
  /**
   * Map MCP messages to AuthZEN requests by the COAZ-MCP binding (mcp/coaz.ts) instead of
   * Airlock's own mapping: every method decided by its default or the tool's declared mapping,
   * refusals as JSON-RPC errors (-32001 denied, -32602 mapping error, -32603 no decision).
   */
  coaz?: CoazContext;
}

export interface ProxySession {
  readonly server: Server;
  connect(downstream: Transport): Promise<void>;
  close(): Promise<void>;
  /** Resolves when either side closed. */
  readonly closed: Promise<void>;
}

/** An upstream JSON-RPC error, re-thrown downstream with its own code, message and data. */
class ForwardedError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(e: { code: number; message: string; data?: unknown }) {
    super(e.message.replace(/^MCP error -?\d+: /, ''));
    this.code = e.code;
    this.data = e.data;
  }
}

function rethrow(e: unknown): never {
  const x = e as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof x?.code === 'number' && typeof x.message === 'string') throw new ForwardedError({ code: x.code, message: x.message, data: x.data });
  throw e;
}

/** A tool the agent could only call as a task, which this proxy does not offer (MCP 2025-11-25 `execution.taskSupport`). */
function needsTask(tool: Record<string, unknown>): boolean {
  return (tool['execution'] as { taskSupport?: unknown } | undefined)?.taskSupport === 'required';
}


/** Capabilities the proxy can pass through (tasks and experimental features are not proxied). */
function passThroughServerCaps(up: ServerCapabilities | undefined): ServerCapabilities {
  const out: ServerCapabilities = {};
  if (!up) return out;
  for (const k of ['tools', 'resources', 'prompts', 'logging', 'completions'] as const) if (up[k]) (out as Record<string, unknown>)[k] = up[k];
  return out;
}

/** The client capabilities the proxy mirrors upstream: only those it relays. */
function mirroredClientCaps(down: ClientCapabilities | undefined): ClientCapabilities {
  const out: ClientCapabilities = {};
  if (down?.elicitation) out.elicitation = down.elicitation;
  if (down?.sampling) out.sampling = down.sampling;
  if (down?.roots) out.roots = down.roots;
  return out;
}

/**
 * SDK 1.32 runs notification handlers a microtask later but responses at once, so progress that
 * arrives in the same chunk as its response is dropped (the handler is gone). Delivering responses
 * one macrotask later keeps every relayed progress notification.
 */
export function deferResponses(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (m, extra) => {
    if ('id' in m && ('result' in m || 'error' in m)) setImmediate(() => deliver(m, extra));
    else deliver(m, extra);
  };
}

export function createProxySession(opts: ProxyOptions): ProxySession {
  const log = opts.log ?? (() => undefined);
  // Registered with every capability a handler needs; initialize answers with the upstream's own.
  const server = new Server(
    { name: 'airlock-mcp-proxy', version: '0.1.0' },
    { capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, logging: {}, completions: {} } },
  );
  let upstream: Client | undefined;
  const tools = new Map<string, KnownTool>();
  let toolsFresh = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing = false;
  const recordRefusal = refusalRecorder(opts.client, { subject: opts.subject, server: opts.server }, log);
  const targetOf = (params: unknown): string[] => {
    const p = params as { name?: unknown; uri?: unknown } | undefined;
    const t = p?.name ?? p?.uri;
    return typeof t === 'string' ? [t.slice(0, 256)] : [];
  };
  const taskRefused = (method: string) => new ForwardedError({ code: -32602, message: `airlock: ${method} as a task is not supported by this proxy (it does not offer the tasks capability); call it without "task"` });
  /** Refuses a task-augmented request: the proxy declared no `tasks` capability, so nothing may run as one. */
  async function refuseTask(params: unknown, method: string): Promise<void> {
    if (params && typeof params === 'object' && 'task' in params) {
      await recordRefusal({ code: 'task_unsupported', detail: `${method} as a task`, methods: [method], targets: targetOf(params) });
      throw taskRefused(method);
    }
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    await upstream?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    resolveClosed();
  }

  function up(): Client {
    if (!upstream) throw new ForwardedError({ code: -32603, message: 'the upstream MCP server is not connected' });
    return upstream;
  }

  /** Forwards one request; progress from upstream is relayed under the agent's own token. */
  async function forward(method: string, params: Record<string, unknown> | undefined, extra: { signal: AbortSignal; _meta?: Record<string, unknown> | undefined; sendNotification: (n: any) => Promise<void> }): Promise<Record<string, unknown>> {
    const token = extra._meta?.['progressToken'] as string | number | undefined;
    let p = params;
    const options: RequestOptions = { signal: extra.signal, timeout: FORWARD_TIMEOUT_MS };
    // Progress is relayed in order and before the response (the agent drops progress after it).
    let progressSent: Promise<void> = Promise.resolve();
    if (token !== undefined) {
      // The SDK puts its own token on the upstream request; the agent sees progress under its token.
      const { progressToken: _drop, ...restMeta } = (params?.['_meta'] ?? {}) as Record<string, unknown>;
      p = { ...params, _meta: restMeta };
      options.onprogress = (pr) => {
        progressSent = progressSent.then(() => extra.sendNotification({ method: 'notifications/progress', params: { ...pr, progressToken: token } })).catch(() => undefined);
      };
      options.resetTimeoutOnProgress = true;
    }
    try {
      const r = await up().request({ method, ...(p !== undefined ? { params: p } : {}) } as never, Loose, options);
      await progressSent;
      return r;
    } catch (e) {
      await progressSent;
      rethrow(e);
    }
  }

  function remember(list: unknown[]): void {
    for (const t of list) {
      const tool = t as Record<string, unknown>;
      if (typeof tool?.['name'] !== 'string') continue;
      tools.set(tool['name'], { name: tool['name'], annotations: tool['annotations'] as Record<string, unknown> | undefined, definitionHash: toolDefinitionHash(tool) });
      const m = declaredMapping(tool);
      if (m !== undefined) declared.set(tool['name'], m);
      else declared.delete(tool['name']);
    }
  }

  /** Learns every tool's definition (annotations, hash) before deciding on a call. */
  async function refreshTools(signal: AbortSignal): Promise<void> {
    const fresh: unknown[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_LIST_PAGES; i++) {
      const r = await up().request({ method: 'tools/list', params: cursor ? { cursor } : {} } as never, Loose, { signal });
      fresh.push(...((r['tools'] as unknown[]) ?? []));
      cursor = typeof r['nextCursor'] === 'string' ? r['nextCursor'] : undefined;
      if (!cursor) break;
    }
    tools.clear();
    declared.clear();
    remember(fresh);
    toolsFresh = true;
  }

  const gateDeps: GateDeps = {
    client: opts.client,
    server,
    approvalWaitMs: opts.approvalWaitMs ?? 120_000,
    progressIntervalMs: opts.progressIntervalMs ?? 5000,
    log,
  };

  const coaz = opts.coaz;
  /** Tools' declared COAZ mappings (`x-authzen-mapping`), from the latest tools/list. */
  const declared = new Map<string, unknown>();

  /** The COAZ requests of one message; a mapping error is JSON-RPC -32602. */
  function plan(mapping: unknown, params: Record<string, unknown> | undefined): CoazPlan {
    try {
      return planRequests(mapping, params, coaz!);
    } catch (e) {
      if (e instanceof CoazMappingError) throw new RefusalError(-32602, `COAZ mapping error: ${e.message}`, undefined);
      throw e;
    }
  }

  /**
   * COAZ-MCP "PEP Behavior": decide every request of the mapping; run only if each is permitted.
   * One request goes through the usual gate (approvals and confirmations included); several are
   * decided one by one and any that is not an allow refuses the message.
   */
  async function coazGate(method: string, mapping: unknown, params: Record<string, unknown> | undefined, extra: GateExtra, run: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const first = typeof params?.['name'] === 'string' ? params['name'] : typeof params?.['uri'] === 'string' ? params['uri'] : '';
    const label = `${method}${first ? ` ${first}` : ''} on ${opts.server}`;
    if (mapping === undefined) throw new RefusalError(DENIED_ERROR, `Denied by Airlock (COAZ-MCP binding): ${method} has no mapping, so it is not allowed.`, { [DECISION_META_KEY]: { outcome: 'deny', error: 'no_mapping' } });
    const p = plan(mapping, params);
    if (p.requests.length === 1) return gateToolCall(gateDeps, label, p.requests[0]!, extra, run, 'jsonrpc-error');
    for (const r of p.requests) {
      let d;
      try {
        d = await opts.client.authorize(r);
      } catch (e) {
        log(`decision failed for ${label}: ${(e as Error).message}`);
        throw new RefusalError(UNDECIDED_ERROR, unreachableText(label, e), { [DECISION_META_KEY]: { outcome: 'deny', error: (e as { code?: string }).code ?? 'ERR_INTERNAL' } });
      }
      if (d.outcome !== 'allow') throw new RefusalError(DENIED_ERROR, deniedText(label, d), { [DECISION_META_KEY]: refusal('', d)._meta[DECISION_META_KEY] });
    }
    return run();
  }

  server.setRequestHandler(InitializeRequestSchema, async (req, extra) => {
    if (upstream) throw new ForwardedError({ code: -32600, message: 'already initialized' });
    // COAZ-MCP: initialize itself is decided (action initialize on the mcp_server) before any upstream is opened.
    if (coaz) await coazGate('initialize', defaultMapping('initialize'), req.params as Record<string, unknown>, extra as never, async () => ({}));
    const client = new Client(req.params.clientInfo as Implementation, { capabilities: mirroredClientCaps(req.params.capabilities) });
    const caps = req.params.capabilities;
    const relay = (method: string) => async (r: { params?: unknown }, extra: { signal: AbortSignal }) => {
      try {
        return await server.request({ method, params: r.params } as never, Loose, { signal: extra.signal, timeout: FORWARD_TIMEOUT_MS });
      } catch (e) {
        rethrow(e);
      }
    };
    // Server-initiated requests pass through to the agent, only where the agent declared them.
    if (caps.elicitation) client.setRequestHandler(ElicitRequestSchema, relay('elicitation/create') as never);
    if (caps.sampling) client.setRequestHandler(CreateMessageRequestSchema, relay('sampling/createMessage') as never);
    if (caps.roots) client.setRequestHandler(ListRootsRequestSchema, relay('roots/list') as never);
    client.fallbackNotificationHandler = async (n) => {
      if (n.method === 'notifications/tools/list_changed') {
        toolsFresh = false;
        tools.clear();
        declared.clear();
      }
      await server.notification(n as never).catch((e: unknown) => log(`could not relay ${n.method}: ${(e as Error).message}`));
    };
    client.onclose = () => {
      log('upstream MCP server closed the connection');
      void close();
    };
    try {
      const transport = await opts.upstream();
      await client.connect(transport);
      deferResponses(transport);
    } catch (e) {
      throw new ForwardedError({ code: -32603, message: `airlock: the upstream MCP server could not be started or reached: ${(e as Error).message}` });
    }
    upstream = client;
    // The SDK's own initialize bookkeeping (client capabilities, version negotiation)…
    const base = await (server as unknown as { _oninitialize(r: unknown): Promise<Record<string, unknown>> })._oninitialize(req);
    // …answered with the upstream's capabilities, identity and instructions (passed through honestly).
    const instructions = client.getInstructions();
    return { ...base, capabilities: passThroughServerCaps(client.getServerCapabilities()), serverInfo: client.getServerVersion() ?? base['serverInfo'], ...(instructions ? { instructions } : {}) } as never;
  });

  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    await upstream?.notification({ method: 'notifications/roots/list_changed' });
  });

  async function listTools(req: { params?: { cursor?: string | undefined } | undefined }, extra: unknown): Promise<Record<string, unknown>> {
    const r = await forward('tools/list', req.params as Record<string, unknown> | undefined, extra as never);
    const all = Array.isArray(r['tools']) ? (r['tools'] as Record<string, unknown>[]) : [];
    remember(all);
    if (!req.params?.cursor && !r['nextCursor']) toolsFresh = true;
    const list = all.filter((t) => !needsTask(t));
    if (!opts.hideDeniedTools) return (list.length === all.length ? r : { ...r, tools: list }) as never;
    const keep = await Promise.all(
      list.map(async (t) => {
        const name = String(t['name']);
        try {
          if (coaz) {
            // The tool's own mapping with empty arguments; one it cannot resolve keeps the tool listed.
            const p = planRequests(declared.get(name) ?? defaultMapping('tools/call'), { name, arguments: {} }, coaz);
            const ds = await Promise.all(p.requests.map((r) => opts.client.authorize(r)));
            return ds.every((d) => d.outcome !== 'deny');
          }
          const d = await opts.client.authorize(buildToolRequest({ subject: opts.subject, server: opts.server, ...(opts.commandArgs ? { commandArgs: opts.commandArgs } : {}) }, name, {}, tools.get(name)));
          return d.outcome !== 'deny';
        } catch {
          return true; // listing is not the security boundary; the call itself is still gated
        }
      }),
    );
    return { ...r, tools: list.filter((_, i) => keep[i]) } as never;
  }
  server.setRequestHandler(ListToolsRequestSchema, async (req, extra) => {
    // COAZ-MCP: tools/list is decided (on the mcp_server); declared mappings reach the client as sent.
    if (coaz) return coazGate('tools/list', defaultMapping('tools/list'), req.params as Record<string, unknown> | undefined, extra as never, () => listTools(req, extra)) as never;
    return listTools(req, extra) as never;
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    await refuseTask(req.params, 'tools/call');
    const name = req.params.name;
    const size = argumentsTooLarge(req.params.arguments);
    if (size !== undefined) {
      await recordRefusal({ code: 'arguments_too_large', detail: `arguments of ${size} bytes (at most ${MAX_ARGUMENTS_BYTES})`, methods: ['tools/call'], targets: [name] });
      return refusal(`Airlock: the arguments of the call to ${opts.server}/${name} are too large (${size} bytes; at most ${MAX_ARGUMENTS_BYTES}); it was not run.`, undefined, { outcome: 'deny', error: 'ERR_BODY_TOO_LARGE' }) as never;
    }
    if (!toolsFresh || !tools.has(name)) {
      if (!toolsFresh) await refreshTools(extra.signal).catch((e: unknown) => log(`tools/list for ${name} failed: ${(e as Error).message}`));
    }
    if (coaz) {
      // The tool's declared mapping replaces the default for this tool only (COAZ-MCP "Declared Mappings").
      const params = req.params as Record<string, unknown>;
      return coazGate('tools/call', declared.get(name) ?? defaultMapping('tools/call'), params, extra as never, () => forward('tools/call', params, extra as never)) as never;
    }
    const request = buildToolRequest(
      { subject: opts.subject, server: opts.server, ...(opts.commandArgs ? { commandArgs: opts.commandArgs } : {}) },
      name,
      req.params.arguments as Record<string, unknown> | undefined,
      tools.get(name),
    );
    return gateToolCall(gateDeps, `${opts.server}/${name}`, request, extra, () => forward('tools/call', req.params as Record<string, unknown>, extra as never)) as never;
  });

  // Reads and runs something on the upstream: decided like a tool call, refused as a JSON-RPC error.
  const gated: Record<GatedMethod, unknown> = {
    'resources/read': ReadResourceRequestSchema,
    'resources/subscribe': SubscribeRequestSchema,
    'prompts/get': GetPromptRequestSchema,
    'completion/complete': CompleteRequestSchema,
  };
  for (const method of GATED_METHODS) {
    server.setRequestHandler(gated[method] as typeof ReadResourceRequestSchema, (async (req: { params?: Record<string, unknown> }, extra: never) => {
      await refuseTask(req.params, method);
      const size = argumentsTooLarge(req.params?.['arguments']);
      if (size !== undefined) {
        await recordRefusal({ code: 'arguments_too_large', detail: `arguments of ${size} bytes (at most ${MAX_ARGUMENTS_BYTES})`, methods: [method], targets: targetOf(req.params) });
        throw new ForwardedError({ code: -32602, message: `airlock: the arguments of ${method} are too large (${size} bytes; at most ${MAX_ARGUMENTS_BYTES}); not run` });
      }
      if (coaz) return coazGate(method, defaultMapping(method), req.params, extra, () => forward(method, req.params, extra));
      let request;
      try {
        request = buildMethodRequest({ subject: opts.subject, server: opts.server }, method, req.params);
      } catch (e) {
        if (e instanceof UndecidableParams) {
          await recordRefusal({ code: 'params_undecidable', detail: e.message, methods: [method], targets: targetOf(req.params) });
          throw new ForwardedError({ code: -32602, message: `airlock: ${method}: ${e.message}` });
        }
        throw e;
      }
      return gateToolCall(gateDeps, methodLabel(opts.server, method, request), request, extra, () => forward(method, req.params, extra), 'jsonrpc-error');
    }) as never);
  }

  // Lists, the logging level and unsubscribing read nothing from the upstream's data and run nothing.
  const passThrough: [unknown, string][] = [
    [ListResourcesRequestSchema, 'resources/list'],
    [ListResourceTemplatesRequestSchema, 'resources/templates/list'],
    [UnsubscribeRequestSchema, 'resources/unsubscribe'],
    [ListPromptsRequestSchema, 'prompts/list'],
    [SetLevelRequestSchema, 'logging/setLevel'],
  ];
  for (const [schema, method] of passThrough) {
    server.setRequestHandler(schema as typeof ListResourcesRequestSchema, (async (req: { params?: unknown }, extra: unknown) => {
      await refuseTask(req.params, method);
      const params = req.params as Record<string, unknown> | undefined;
      // COAZ-MCP decides these too (resources/templates/list has no mapping there, so it is denied).
      if (coaz) return coazGate(method, defaultMapping(method), params, extra as never, () => forward(method, params, extra as never));
      return forward(method, params, extra as never);
    }) as never);
  }

  // A method the proxy does not know (`Tools/Call`, `tasks/*`, …) stops here and is recorded.
  // COAZ-MCP "Unknown Methods": a method without a mapping is an authorization denial, not "not found".
  server.fallbackRequestHandler = async (req) => {
    await recordRefusal({ code: 'method_unknown', detail: `${req.method} is not a method this proxy forwards`, methods: [req.method], targets: targetOf(req.params) });
    if (coaz) throw new RefusalError(DENIED_ERROR, `Denied by Airlock (COAZ-MCP binding): ${req.method} has no mapping, so it is not allowed.`, { [DECISION_META_KEY]: { outcome: 'deny', error: 'no_mapping' } });
    throw new RefusalError(-32601, 'Method not found', undefined);
  };
  // A request method sent as a notification (a tools/call without an id) cannot be answered or
  // decided: dropped, and recorded. Other notifications the proxy does not relay are dropped quietly.
  server.fallbackNotificationHandler = async (n) => {
    if (!n.method.startsWith('notifications/')) await recordRefusal({ code: 'notification_refused', detail: `${n.method} sent as a notification (no id)`, methods: [n.method], targets: targetOf(n.params) });
  };

  // The SDK refuses a well-formed task-augmented request itself, before any handler runs (the
  // proxy declares no `tasks`); that refusal is recorded too, and answered as refuseTask does.
  const sdk = server as unknown as { assertTaskHandlerCapability(method: string): void };
  sdk.assertTaskHandlerCapability = (method: string) => {
    void recordRefusal({ code: 'task_unsupported', detail: `${method} as a task`, methods: [method] });
    throw taskRefused(method);
  };

  server.onclose = () => void close();

  return {
    server,
    closed,
    async connect(downstream: Transport) {
      await server.connect(downstream);
    },
    close,
  };
}
