/** Transports to the real MCP server: a spawned stdio process or a Streamable HTTP URL. */
import { basename, extname } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

export type UpstreamSpec = { kind: 'stdio'; command: string; args: string[]; env?: Record<string, string>; cwd?: string } | { kind: 'http'; url: string; headers?: Record<string, string> };

/**
 * The server's environment: the proxy's own minus Airlock's (the gateway key never reaches the
 * server it guards), plus what the spec adds.
 */
export function upstreamEnv(parent: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && !k.startsWith('AIRLOCK_')) out[k] = v;
  return { ...out, ...extra };
}

export function openUpstream(spec: UpstreamSpec, parentEnv: NodeJS.ProcessEnv): Transport {
  if (spec.kind === 'http') {
    return new StreamableHTTPClientTransport(new URL(spec.url), spec.headers ? { requestInit: { headers: spec.headers } } : undefined);
  }
  return new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env: upstreamEnv(parentEnv, spec.env),
    stderr: 'inherit',
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
  });
}

const INTERPRETERS = new Set(['node', 'nodejs', 'python', 'python3', 'npx', 'uvx', 'uv', 'deno', 'bun', 'bunx', 'pnpm', 'yarn', 'docker', 'pipx']);

/**
 * A default server name from the command (`npx -y @modelcontextprotocol/server-filesystem /tmp` →
 * `server-filesystem`). Never the name the server announces: that is the server's claim.
 */
export function defaultServerName(spec: UpstreamSpec): string {
  let raw: string;
  if (spec.kind === 'http') raw = new URL(spec.url).hostname;
  else {
    const parts = [spec.command, ...spec.args];
    let i = 0;
    while (i < parts.length - 1 && (INTERPRETERS.has(basename(parts[i]!).toLowerCase()) || parts[i]!.startsWith('-') || parts[i] === 'run' || parts[i] === 'exec')) i++;
    raw = basename(parts[i]!);
    raw = raw.slice(raw.lastIndexOf('/') + 1);
    raw = raw.replace(/@[^@]*$/, '') || raw;
    const ext = extname(raw);
    if (['.js', '.mjs', '.cjs', '.ts', '.py', '.exe'].includes(ext)) raw = raw.slice(0, -ext.length);
  }
  return raw.replace(/[^A-Za-z0-9._-]/g, '-') || 'server';
}
