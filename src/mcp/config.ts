/**
 * `airlock mcp --config FILE`: several upstream servers in one file (JSON or YAML). Strict: an
 * unknown key is an error (STYLE §4).
 *
 * ```yaml
 * subject: { type: Agent, id: coding-agent }
 * approvalWait: 120s
 * binding: coaz                      # optional: the COAZ-MCP binding instead of Airlock's mapping
 * coaz: { claims: { sub: alice@example.com, client_id: coding-agent }, audience: "https://mcp.example.com" }
 * servers:
 *   files: { command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /workspace] }
 *   tickets: { url: "http://127.0.0.1:9000/mcp", headers: { authorization: "Bearer …" } }
 * ```
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../core/duration.js';
import { AirlockError } from '../core/errors.js';
import type { CommandArgRule } from './tool-request.js';
import type { UpstreamSpec } from './upstream.js';

const name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'server names are 1–64 of A-Z a-z 0-9 . _ -');
const commandArgs = z.array(z.strictObject({ tool: z.string().min(1), args: z.array(z.string().min(1)).min(1), shellArg: z.string().min(1).optional() }));
const duration = z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const stdioServer = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  commandArgs: commandArgs.optional(),
  hideDeniedTools: z.boolean().optional(),
});
const httpServer = z.strictObject({
  url: z.url(),
  headers: z.record(z.string(), z.string()).optional(),
  commandArgs: commandArgs.optional(),
  hideDeniedTools: z.boolean().optional(),
});

/** `coaz:` — the COAZ-MCP binding's view of the caller (docs/agents.md "COAZ-MCP binding"). */
const coazSettings = z.strictObject({
  /** The claims of the binding's `token` variable; `sub` and `client_id` default to the subject id. */
  claims: z.record(z.string(), z.unknown()).optional(),
  /** The claim that carries the subject identity. */
  subjectClaim: z.string().min(1).optional(),
  /** This server's resource identifier (`aud`); default `mcp://<server name>`. */
  audience: z.string().min(1).optional(),
});

export const proxyConfigSchema = z.strictObject({
  subject: z.strictObject({ type: z.string().min(1).default('Agent'), id: z.string().min(1) }).optional(),
  /** How MCP messages become decisions: Airlock's own mapping (default) or the COAZ-MCP binding. */
  binding: z.enum(['airlock', 'coaz']).default('airlock'),
  coaz: coazSettings.optional(),
  approvalWait: duration.optional(),
  hideDeniedTools: z.boolean().default(false),
  servers: z.record(name, z.union([stdioServer, httpServer])).refine((s) => Object.keys(s).length > 0, 'at least one server'),
});

export interface ProxyServerConfig {
  name: string;
  upstream: UpstreamSpec;
  commandArgs?: CommandArgRule[];
  hideDeniedTools: boolean;
}

export interface CoazSettings {
  claims?: Record<string, unknown>;
  subjectClaim?: string;
  audience?: string;
}

export interface ProxyConfig {
  subject?: { type: string; id: string };
  binding: 'airlock' | 'coaz';
  coaz?: CoazSettings;
  approvalWaitMs?: number;
  servers: ProxyServerConfig[];
}

/** Parses and validates a config file's text. @throws AirlockError ERR_CONFIG_INVALID */
export function parseProxyConfig(text: string, file = 'config'): ProxyConfig {
  let raw: unknown;
  try {
    raw = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new AirlockError('ERR_CONFIG_INVALID', `${file}: not valid JSON or YAML: ${(e as Error).message}`);
  }
  const r = proxyConfigSchema.safeParse(raw);
  if (!r.success) throw new AirlockError('ERR_CONFIG_INVALID', `${file} is invalid:\n${z.prettifyError(r.error)}`);
  const c = r.data;
  if (c.coaz && c.binding !== 'coaz') throw new AirlockError('ERR_CONFIG_INVALID', `${file} is invalid: "coaz" settings need "binding: coaz"`);
  return {
    ...(c.subject ? { subject: c.subject } : {}),
    binding: c.binding,
    ...(c.coaz ? { coaz: c.coaz as CoazSettings } : {}),
    ...(c.approvalWait !== undefined ? { approvalWaitMs: c.approvalWait } : {}),
    servers: Object.entries(c.servers).map(([n, s]) => ({
      name: n,
      upstream: 'url' in s ? { kind: 'http' as const, url: s.url, ...(s.headers ? { headers: s.headers } : {}) } : { kind: 'stdio' as const, command: s.command, args: s.args, ...(s.env ? { env: s.env } : {}), ...(s.cwd ? { cwd: s.cwd } : {}) },
      ...(s.commandArgs ? { commandArgs: s.commandArgs } : {}),
      hideDeniedTools: s.hideDeniedTools ?? c.hideDeniedTools,
    })),
  };
}
