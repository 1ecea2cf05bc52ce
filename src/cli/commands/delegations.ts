import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { AirlockError } from '../../core/errors.js';
import type { CliCommand, CliIO } from '../command.js';
import { CONNECTION_OPTIONS, connectionOf, keyFor, runningServer } from '../connection.js';
import { gatewayClientAt } from '../gateway-client.js';
import { parseOptions } from '../options.js';
import { usage } from '../registry-commands.js';

/** Options of `airlock delegate` and `airlock delegations`. */
export const GATEWAY_OPTIONS = {
  'data-dir': { type: 'string' },
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
} as const;

export const GATEWAY_HELP = `common options:
  --data-dir DIR   data directory (default .airlock, env AIRLOCK_DATA_DIR); its running gateway
                   (DIR/serve.json) is used unless --gateway is given
  --gateway URL    the gateway (env AIRLOCK_URL)
  --key-file FILE  your own API key, or --key KEY (env AIRLOCK_KEY; default DIR/admin.key):
                   delegations are made, shown and revoked as the identity this key belongs to
  --json           print JSON`;

export interface GatewayCall {
  (method: string, path: string, body?: { json: unknown } | { form: URLSearchParams }): Promise<{ status: number; json: any }>;
}

/**
 * Delegations need an authenticated identity (the delegator is the caller), so these commands only
 * talk to a running gateway: `--gateway`/AIRLOCK_URL, else the one serving `--data-dir`.
 */
export function gatewayCall(values: { 'data-dir'?: string | undefined; gateway?: string | undefined; url?: string | undefined; key?: string | undefined; 'key-file'?: string | undefined }, env: NodeJS.ProcessEnv): GatewayCall {
  const conn = connectionOf(values);
  const config = loadConfig({ dataDir: values['data-dir'], serverUrl: conn.url, apiKey: conn.key, checkpointIntervalMs: 0, usageFlushMs: 0 }, env);
  const url = config.serverUrl ?? runningServer(config.dataDir);
  if (!url) throw new AirlockError('ERR_SERVER_UNREACHABLE', `no gateway: pass --gateway, set AIRLOCK_URL, or run \`airlock serve\` on ${config.dataDir}`);
  const client = gatewayClientAt(url, keyFor(config));
  return (method, path, body) => client.send(method, path, body) as Promise<{ status: number; json: any }>;
}

/** `a` → `Agent::"a"`; `Type::"id"` as given. */
export function entityArg(v: string, defaultType = 'Agent'): string {
  return v.includes('::') ? v : `${defaultType}::${JSON.stringify(v)}`;
}

export function readTokenFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch (e) {
    throw new AirlockError('ERR_REQUEST_INVALID', `cannot read the token file ${file}: ${(e as Error).message}`);
  }
}

const HELP = `usage: airlock delegations <list|show|path|revoke> [options]

  list [--root UID] [--actor UID] [--all] [--limit N]
      Links you are on (as root or actor); admins and auditors see every link. --all includes
      revoked ones. UIDs are written Agent::"a" or Human::"alice".
  show <id>        one link, with its path root → leaf
  path <id>        the path root → leaf: delegator, delegate, scope, ttl, purpose, status
  revoke <id> [--reason TEXT]
      Revokes the link and everything below it. Allowed to an admin, the root principal, any
      delegator on the path down to the link, and the owner of the link's delegate.

${GATEWAY_HELP}`;

function printPath(io: CliIO, path: any[]): void {
  for (const e of path) {
    io.stdout.write(`${'  '.repeat(e.depth - 1)}${e.depth}. ${e.delegator} → ${e.delegate}  [${e.status}]  ${e.id}\n`);
    io.stdout.write(`${'  '.repeat(e.depth - 1)}   scope ${e.scope}; ttl ${e.ttlSeconds}s until ${e.expiresAt}; purpose ${JSON.stringify(e.purpose)}${e.revokedAt ? `; revoked ${e.revokedAt} by ${e.revokedBy} (${e.revokedReason})` : ''}\n`);
  }
}

export const command: CliCommand = {
  name: 'delegations',
  summary: 'list, show and revoke delegation links (revoking one revokes everything below it)',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseOptions(rest, {
      ...GATEWAY_OPTIONS,
      root: { type: 'string' },
      actor: { type: 'string' },
      all: { type: 'boolean' },
      limit: { type: 'string' },
      reason: { type: 'string' },
    });
    const call = gatewayCall(values, io.env);
    const out = (v: unknown) => io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    const enc = encodeURIComponent;
    if (sub === 'list') {
      const q = new URLSearchParams();
      if (values.root) q.set('root', entityArg(values.root, 'Human'));
      if (values.actor) q.set('actor', entityArg(values.actor));
      if (values.all) q.set('status', 'all');
      if (values.limit) q.set('limit', values.limit);
      const { json } = await call('GET', `/v1/delegations${q.size > 0 ? '?' + q.toString() : ''}`);
      if (values.json) out(json.delegations);
      else for (const l of json.delegations) io.stdout.write(`${l.id}  ${l.status.padEnd(7)}  d${l.depth}  ${l.delegator} → ${l.delegate}  ${l.scope}  until ${l.expiresAt}\n`);
      return 0;
    }
    const id = positionals[0] ?? usage(`usage: airlock delegations ${sub ?? '<list|show|path|revoke>'} <id>`);
    if (sub === 'show' || sub === 'path') {
      const { json } = await call('GET', `/v1/delegations/${enc(id)}${sub === 'path' ? '/path' : ''}`);
      if (values.json) out(json);
      else {
        if (sub === 'show') io.stdout.write(`${json.id}  ${json.status}  root ${json.rootPrincipal}\n`);
        printPath(io, json.path);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const { json } = await call('POST', `/v1/delegations/${enc(id)}/revoke`, { json: values.reason !== undefined ? { reason: values.reason } : {} });
      if (values.json) out(json);
      else io.stdout.write(json.revoked.length > 0 ? `revoked ${json.revoked.length} link(s): ${json.revoked.join(' ')}\n` : `${id} was already revoked\n`);
      return 0;
    }
    io.stderr.write(`airlock delegations: expected list, show, path or revoke\n${HELP}\n`);
    return 2;
  },
};
