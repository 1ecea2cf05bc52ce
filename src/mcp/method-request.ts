/**
 * Maps the MCP methods that read or run something on the upstream, other than `tools/call`, onto
 * Airlock requests (issue 11): each is its own action, so a policy that never names it denies it.
 *
 * | method                  | action                    | resource                              |
 * |-------------------------|---------------------------|---------------------------------------|
 * | resources/read          | mcp.resource.read         | McpResource::"<server>/<uri>"         |
 * | resources/subscribe     | mcp.resource.subscribe    | McpResource::"<server>/<uri>"         |
 * | prompts/get             | mcp.prompt.get            | McpPrompt::"<server>/<name>"          |
 * | completion/complete     | mcp.completion            | McpPrompt / McpResource of the `ref`  |
 *
 * The uri, name and arguments go to context as given; the resource id is built from them and the
 * operator's server name (never the name the server claims).
 */
import type { AuthorizationRequest } from '../core/types.js';

export const GATED_METHODS = ['resources/read', 'resources/subscribe', 'prompts/get', 'completion/complete'] as const;
export type GatedMethod = (typeof GATED_METHODS)[number];

export interface MethodRequestOptions {
  subject: { type: string; id: string };
  server: string;
}

/** Thrown for params a gated method cannot be decided on (the agent gets -32602). */
export class UndecidableParams extends Error {}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new UndecidableParams(`${what} must be a non-empty string`);
  return v;
}

function completionTarget(server: string, ref: unknown): { type: string; id: string; ref: Record<string, unknown> } {
  const r = ref as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) throw new UndecidableParams('params.ref must be an object');
  if (r['type'] === 'ref/prompt') return { type: 'McpPrompt', id: `${server}/${str(r['name'], 'params.ref.name')}`, ref: { type: 'ref/prompt', name: r['name'] } };
  if (r['type'] === 'ref/resource') return { type: 'McpResource', id: `${server}/${str(r['uri'], 'params.ref.uri')}`, ref: { type: 'ref/resource', uri: r['uri'] } };
  throw new UndecidableParams('params.ref.type must be ref/prompt or ref/resource');
}

/** The request that decides one call of a gated method. @throws UndecidableParams */
export function buildMethodRequest(opts: MethodRequestOptions, method: GatedMethod, params: Record<string, unknown> | undefined): AuthorizationRequest {
  const p = params ?? {};
  const subject = { type: opts.subject.type, id: opts.subject.id };
  const server = opts.server;
  switch (method) {
    case 'resources/read':
    case 'resources/subscribe': {
      const uri = str(p['uri'], 'params.uri');
      return { subject, action: { name: method === 'resources/read' ? 'mcp.resource.read' : 'mcp.resource.subscribe' }, resource: { type: 'McpResource', id: `${server}/${uri}` }, context: { server, uri } };
    }
    case 'prompts/get': {
      const name = str(p['name'], 'params.name');
      return { subject, action: { name: 'mcp.prompt.get' }, resource: { type: 'McpPrompt', id: `${server}/${name}` }, context: { server, name, arguments: (p['arguments'] as Record<string, unknown> | undefined) ?? {} } };
    }
    case 'completion/complete': {
      const t = completionTarget(server, p['ref']);
      const arg = p['argument'] as Record<string, unknown> | undefined;
      if (typeof arg !== 'object' || arg === null) throw new UndecidableParams('params.argument must be an object');
      return {
        subject,
        action: { name: 'mcp.completion' },
        resource: { type: t.type, id: t.id },
        context: { server, ref: t.ref, argument: { name: str(arg['name'], 'params.argument.name'), value: typeof arg['value'] === 'string' ? arg['value'] : '' } },
      };
    }
  }
}

/** What the agent and the approver read: `resources/read fixture://readme`. */
export function methodLabel(server: string, method: GatedMethod, request: AuthorizationRequest): string {
  return `${method} ${request.resource.id.slice(server.length + 1)} on ${server}`;
}
