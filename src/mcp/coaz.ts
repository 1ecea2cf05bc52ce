/**
 * The OpenID AuthZEN working group's COAZ-MCP binding (draft 1, `profiles/authzen-coaz-mcp-binding-1_0.md`,
 * built on the COAZ framework `profiles/authzen-coaz-framework-1_0.md`): how an MCP request becomes
 * AuthZEN requests. A mapping is `{evaluation: template}` or `{evaluations: {subject?, action?,
 * resource?, context?, evaluations: [template…]}}`; inside a template a string that starts with `$`
 * is a CEL expression over `params` (the request's params) and `token` (the claims of the caller),
 * `$$…` is the literal `$…`, anything else is a literal.
 *
 * Each MCP method has a default mapping (below); a tool may declare its own in its inputSchema as
 * `x-authzen-mapping`, which replaces the default for `tools/call` of that tool only. `ping` and
 * notifications pass without a decision; any other method is denied. `subject.id` is anchored to
 * the subject-identity claim: a mapping that omits it gets the claim, one that names the claim is
 * verified against it, and one that derives it from anything else is refused (a mapping error:
 * stricter than the draft's "SHOULD warn", because the mapping's author is the server being authorized).
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import { parseAuthorizationRequest } from '../core/request-shape.js';
import type { AuthorizationRequest } from '../core/types.js';

/** `x-authzen-mapping` in a tool's inputSchema (COAZ-MCP §"Declaring a Mapping"). */
export const MAPPING_KEY = 'x-authzen-mapping';

/** What a PEP using the binding knows about its caller and itself. */
export interface CoazContext {
  /** The caller's claims: the binding's `token` input variable. */
  token: Record<string, unknown>;
  /** The claim that carries the subject identity (COAZ-MCP "subject-identity claim"). @defaultValue 'sub' */
  subjectClaim?: string;
  /** This MCP server's resource identifier: `resource.id` of the server-wide methods when `aud` is a list. */
  serverId: string;
}

/** A mapping could not produce a valid AuthZEN request: JSON-RPC -32602 (COAZ-MCP "Mapping Errors"). */
export class CoazMappingError extends Error {}

export type CoazMapping = { evaluation: Record<string, unknown> } | { evaluations: Record<string, unknown> };

/** The AuthZEN requests one MCP message needs; it proceeds only if every one is permitted. */
export interface CoazPlan {
  envelope: 'evaluation' | 'evaluations';
  requests: AuthorizationRequest[];
}

const SUBJECT = { type: 'identity', id: '$token.sub' };
const AGENT = { agent: '$token.?client_id' };
const server = { type: 'mcp_server', id: '$token.aud' };

function evaluation(action: string, resource: Record<string, unknown>, context: Record<string, unknown> = {}): CoazMapping {
  return { evaluation: { subject: SUBJECT, context: { ...AGENT, ...context }, action: { name: action }, resource } };
}

/**
 * The binding's default mapping of each method, or `pass` (no decision: `ping`, notifications).
 * Undefined means the method has no mapping: it is denied.
 */
export function defaultMapping(method: string): CoazMapping | 'pass' | undefined {
  if (method === 'ping' || method.startsWith('notifications/')) return 'pass';
  switch (method) {
    case 'initialize':
      return evaluation('initialize', server, { protocol_version: '$params.protocolVersion' });
    case 'tools/list':
    case 'resources/list':
    case 'prompts/list':
    case 'tasks/list':
      return evaluation(method, server);
    case 'tools/call':
      return evaluation('tools/call', { type: 'tool', id: '$params.name' });
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return evaluation(method, { type: 'resource', id: '$params.uri' });
    case 'prompts/get':
      return evaluation('prompts/get', { type: 'prompt', id: '$params.name' });
    case 'completion/complete':
      return evaluation('completion/complete', {
        type: "$params.ref.type == 'ref/prompt' ? 'prompt' : 'resource'",
        id: "$params.ref.type == 'ref/prompt' ? params.ref.name : params.ref.uri",
      });
    case 'logging/setLevel':
      return evaluation('logging/setLevel', server, { level: '$params.level' });
    case 'tasks/get':
    case 'tasks/result':
    case 'tasks/cancel':
      return evaluation(method, { type: 'task', id: '$params.taskId' });
    default:
      return undefined;
  }
}

/** The declared mapping of a tool definition, if it has one (not yet checked). */
export function declaredMapping(tool: Record<string, unknown>): unknown {
  const schema = tool['inputSchema'] as Record<string, unknown> | undefined;
  return schema && typeof schema === 'object' ? schema[MAPPING_KEY] : undefined;
}

// One environment for every expression: `params` and `token` are maps, `.?` is enabled.
let env: Environment | undefined;
function celEnv(): Environment {
  env ??= new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false }).registerVariable('params', 'map').registerVariable('token', 'map');
  return env;
}

const ABSENT = Symbol('absent');

/** CEL values back to JSON: optionals unwrapped (none = absent), ints to numbers. */
function toJson(v: unknown, expr: string): unknown {
  if (v instanceof Optional) return v.hasValue() ? toJson(v.value(), expr) : ABSENT;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new CoazMappingError(`expression '${expr}' gave an integer outside ±2^53`);
    return Number(v);
  }
  if (v === null || v === undefined) return ABSENT;
  if (Array.isArray(v)) return v.map((x) => toJson(x, expr)).filter((x) => x !== ABSENT);
  if (v instanceof Map) return toJson(Object.fromEntries(v), expr);
  if (typeof v === 'object') {
    if (v.constructor !== Object) throw new CoazMappingError(`expression '${expr}' gave a ${v.constructor?.name ?? 'value'}, not a JSON value`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const j = toJson(x, expr);
      if (j !== ABSENT) out[k] = j;
    }
    return out;
  }
  return v;
}

/** Resolves one template value: expressions evaluated, literals kept, absent members dropped. */
function resolve(t: unknown, vars: { params: Record<string, unknown>; token: Record<string, unknown> }, path: string): unknown {
  if (typeof t === 'string') {
    if (t.startsWith('$$')) return t.slice(1);
    if (!t.startsWith('$')) return t;
    const expr = t.slice(1);
    let v: unknown;
    try {
      v = celEnv().evaluate(expr, vars);
    } catch (e) {
      throw new CoazMappingError(`expression '${t}' at ${path} failed: ${(e as Error).message.split('\n')[0]}`);
    }
    return toJson(v, t);
  }
  if (Array.isArray(t)) return t.map((x, i) => resolve(x, vars, `${path}/${i}`)).filter((x) => x !== ABSENT);
  if (t !== null && typeof t === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(t)) {
      const v = resolve(x, vars, `${path}/${k}`);
      if (v !== ABSENT) out[k] = v;
    }
    return out;
  }
  return t;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Does this template value name exactly the subject-identity claim (`$token.sub`, `$token.?sub`, `$token["sub"]`)? */
function namesClaim(t: unknown, claim: string): boolean {
  if (typeof t !== 'string') return false;
  const e = t.replace(/\s+/g, '');
  return e === `$token.${claim}` || e === `$token.?${claim}` || e === `$token["${claim}"]` || e === `$token['${claim}']`;
}

/** `resource.id` from a list-valued `aud`: the one member that names this server (COAZ-MCP "Default Mappings"). */
function singleServerId(resource: unknown, ctx: CoazContext): unknown {
  if (!isObj(resource) || !Array.isArray(resource['id'])) return resource;
  const ids = resource['id'] as unknown[];
  if (!ids.includes(ctx.serverId)) throw new CoazMappingError(`resource.id resolved to a list (${JSON.stringify(ids)}) that does not name this server (${ctx.serverId})`);
  return { ...resource, id: ctx.serverId };
}

function checked(raw: Record<string, unknown>, where: string): AuthorizationRequest {
  try {
    return parseAuthorizationRequest(raw);
  } catch (e) {
    throw new CoazMappingError(`${where}: ${(e as Error).message}`);
  }
}

/**
 * Builds the AuthZEN requests of one MCP message from a mapping (COAZ-MCP "PEP Behavior" steps 3–5).
 * @throws CoazMappingError for a malformed mapping, a failed expression, a missing required field,
 *   a `subject` inside an `evaluations` entry, or a subject id that does not match the token
 */
export function planRequests(mapping: unknown, params: Record<string, unknown> | undefined, ctx: CoazContext): CoazPlan {
  if (!isObj(mapping) || Object.keys(mapping).length !== 1 || !('evaluation' in mapping || 'evaluations' in mapping)) {
    throw new CoazMappingError('a mapping is an object with exactly one key, "evaluation" or "evaluations"');
  }
  const claim = ctx.subjectClaim ?? 'sub';
  const anchor = ctx.token[claim];
  if (typeof anchor !== 'string' || anchor.length === 0) throw new CoazMappingError(`the token has no "${claim}" claim to anchor subject.id to`);
  const vars = { params: params ?? {}, token: ctx.token };
  const envelope = 'evaluation' in mapping ? 'evaluation' : 'evaluations';
  const body = mapping[envelope];
  if (!isObj(body)) throw new CoazMappingError(`"${envelope}" must be an object`);

  // The subject: the claim when the mapping leaves it out; verified when it names the claim.
  const subjectT = body['subject'];
  if (subjectT !== undefined && !isObj(subjectT)) throw new CoazMappingError('subject must be an object');
  const subjectIdT = isObj(subjectT) ? subjectT['id'] : undefined;
  const { id: _id, ...subjectRestT } = isObj(subjectT) ? subjectT : {};
  const subject = (resolve(subjectRestT, vars, '/subject') ?? {}) as Record<string, unknown>;
  if (subjectIdT === undefined || namesClaim(subjectIdT, claim) || namesClaim(subjectIdT, 'sub')) {
    // Omitted, or the subject-identity claim: the claim itself. With an on-behalf-of claim C
    // designated, every `$token.sub` used as subject.id reads as `$token.C` (COAZ-MCP §"The
    // Subject-Identity Claim"), so the verification holds by construction.
    subject['id'] = anchor;
  } else {
    // The draft lets a mapping take subject.id from elsewhere with a warning. The mapping is written
    // by the MCP server being authorized; Airlock, as the gateway, refuses an identity it cannot verify.
    throw new CoazMappingError(`subject.id of this mapping (${JSON.stringify(subjectIdT)}) is not the token's ${claim} claim, so it cannot be verified; Airlock does not accept it`);
  }
  if (subject['type'] === undefined) subject['type'] = 'identity';

  const resolveEntry = (t: Record<string, unknown>, path: string) => {
    const out = resolve(t, vars, path) as Record<string, unknown>;
    if ('resource' in out) out['resource'] = singleServerId(out['resource'], ctx);
    return out;
  };

  if (envelope === 'evaluation') {
    const { subject: _s, ...rest } = body;
    const r = resolveEntry(rest, '');
    return { envelope, requests: [checked({ ...r, subject }, 'evaluation')] };
  }
  const items = body['evaluations'];
  if (!Array.isArray(items) || items.length === 0) throw new CoazMappingError('"evaluations" needs a non-empty "evaluations" array');
  const { subject: _s, evaluations: _e, ...defaultsT } = body;
  const defaults = resolveEntry(defaultsT, '');
  const requests = items.map((item, i) => {
    if (!isObj(item)) throw new CoazMappingError(`evaluations[${i}] must be an object`);
    // COAZ-MCP: one top-level subject for every entry; an entry's own subject would smuggle an identity.
    if ('subject' in item) throw new CoazMappingError(`evaluations[${i}] sets a subject; only the top-level subject is allowed`);
    const r = resolveEntry(item, `/evaluations/${i}`);
    const merged: Record<string, unknown> = { subject };
    for (const k of ['action', 'resource', 'context'] as const) {
      const v = r[k] ?? defaults[k];
      if (v !== undefined) merged[k] = v;
    }
    return checked(merged, `evaluations[${i}]`);
  });
  return { envelope, requests };
}
