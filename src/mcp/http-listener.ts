/**
 * The agent-facing Streamable HTTP endpoint (MCP 2025-11-25 transports): one proxy session per
 * `Mcp-Session-Id`, bound to 127.0.0.1 by default, Host/Origin checked against DNS rebinding
 * (the spec's MUST; checked here, so the refusal is recorded, and again by the SDK's transport),
 * batches refused with HTTP 400 / -32600 before the SDK sees them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ProxySession } from './proxy.js';
import { namesOf, refused, screenMessage, type Refused } from './screen.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HttpListenOptions {
  host: string;
  port: number;
  /** Path → a new proxy session for each MCP session on that path. */
  routes: Map<string, () => ProxySession>;
  log?: (line: string) => void;
  /** Every message refused here, before any session saw it (the CLI logs it and records it in the audit log). */
  onRefused?: (path: string, r: Refused) => Promise<void> | void;
}

export interface HttpListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function listenHttp(opts: HttpListenOptions): Promise<HttpListener> {
  const log = opts.log ?? (() => undefined);
  // The record is written before the answer leaves (as for every refusal); a failed record is the
  // recorder's to log, and the refusal stands.
  const refuse = async (res: ServerResponse, path: string, status: number, r: Refused): Promise<void> => {
    if (opts.onRefused) await opts.onRefused(path, r);
    else log(`refused: ${r.why}`);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(r.reply));
  };
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; session: ProxySession; path: string }>();
  let allowedHosts: string[] = [];
  let allowedOrigins: string[] = [];

  const http = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log(`http handler failed: ${(e as Error).message}`);
      if (!res.headersSent) jsonError(res, 500, -32603, 'internal error');
    });
  });

  /** The Host or Origin that is not this listener's (DNS rebinding: MCP transports MUST check), if any. */
  function foreignOrigin(req: IncomingMessage): string | undefined {
    const host = req.headers.host;
    if (host === undefined || !allowedHosts.includes(host)) return `Host ${host ?? '(none)'}`;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.includes(origin)) return `Origin ${origin}`;
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const factory = opts.routes.get(path);
    let text: string | undefined;
    if (req.method === 'POST') {
      text = await readBody(req);
      if (text === undefined) return refuse(res, path, 413, refused('message_too_large', `body over ${MAX_BODY_BYTES} bytes`, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }));
    }
    let body: unknown;
    let parsed = true;
    try {
      body = text === undefined ? undefined : JSON.parse(text);
    } catch {
      parsed = false;
    }
    // Refusals before any session: each one that names a method is an action stopped here, and
    // recorded like every other refusal (a foreign page or a wrong endpoint is no exception).
    const named = namesOf(body).methods.length > 0;
    const foreign = foreignOrigin(req);
    if (foreign !== undefined) {
      return refuse(res, path, 403, refused('origin_refused', `${foreign} is not this listener's (DNS rebinding protection)`, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'forbidden: Host or Origin not allowed' } }, body));
    }
    if (!factory) {
      const reply = { jsonrpc: '2.0' as const, id: null, error: { code: -32601, message: `no MCP endpoint at ${path}` } };
      if (named) return refuse(res, path, 404, refused('endpoint_unknown', `no MCP endpoint at ${path}`, reply, body));
      return jsonError(res, 404, reply.error.code, reply.error.message);
    }
    if (req.method === 'POST') {
      if (!parsed) return refuse(res, path, 400, refused('parse_error', 'unparseable body', { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }));
      const s = screenMessage(body);
      if (!s.ok) return refuse(res, path, 400, s);
    }
    // A request outside a live session is refused; one that names a method is an action stopped here.
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const known = sessions.get(sid);
      if (!known || known.path !== path) {
        const reply = { jsonrpc: '2.0' as const, id: null, error: { code: -32001, message: 'unknown or terminated session; initialize again' } };
        if (named) return refuse(res, path, 404, refused('session_unknown', 'unknown or terminated session', reply, body));
        return jsonError(res, 404, reply.error.code, reply.error.message);
      }
      await known.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      const reply = { jsonrpc: '2.0' as const, id: null, error: { code: -32000, message: 'missing Mcp-Session-Id (initialize first)' } };
      if (named) return refuse(res, path, 400, refused('session_missing', 'no Mcp-Session-Id', reply, body));
      return jsonError(res, 400, reply.error.code, reply.error.message);
    }
    const session = factory();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts,
      allowedOrigins,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, session, path });
        void session.closed.then(() => sessions.delete(id));
      },
    });
    await session.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  // MCP transports: servers MUST validate Origin; bind locally; Host checked against DNS rebinding.
  allowedHosts = [`${opts.host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  allowedOrigins = [`http://${opts.host}:${port}`, `http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.session.close()));
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections?.();
    },
  };
}
