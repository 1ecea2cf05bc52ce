import { writeFileSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { usage } from '../registry-commands.js';
import { entityArg, gatewayCall, GATEWAY_HELP, GATEWAY_OPTIONS, readTokenFile } from './delegations.js';

const HELP = `usage: airlock delegate --to AGENT --scope "…" --ttl 30m --purpose "…" [--token FILE] [--out FILE]

Hands part of your rights on to an NHI and prints the delegation token (a JWT). Without --token
this is a root delegation by you (the identity of your API key); with --token FILE (a delegation
token whose current actor is you, "-" for stdin) it is the next hop of that path (RFC 8693 token
exchange): scope and lifetime can only narrow, and the purpose stays the root's.

  --to AGENT        the delegate: an id (taken as Agent::"id") or Type::"id"
  --scope TEXT      space-separated items: action, or action:Type::id-pattern (pattern may end in *);
                    omitted with --token = the parent's whole scope
  --ttl DURATION    30m, 2h, PT30M or seconds; default 15m (clamped to the parent's expiry)
  --purpose TEXT    why (required for a root delegation)
  --out FILE        write the token to FILE (mode 0600) instead of stdout

The delegate presents the token with its own key: header X-Airlock-Delegation, or
context.delegationToken in AuthZEN requests.

${GATEWAY_HELP}`;

/** The link id (`jti`) of a token we were just given (display only; the gateway verifies tokens). */
function linkIdOf(token: string): string | undefined {
  try {
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: unknown }).jti;
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}

export const command: CliCommand = {
  name: 'delegate',
  summary: 'delegate a scope to an agent for a while; prints the delegation token',
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(
      args,
      { ...GATEWAY_OPTIONS, to: { type: 'string' }, scope: { type: 'string' }, ttl: { type: 'string' }, purpose: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } },
      false,
    );
    const to = values.to ?? usage('airlock delegate: --to AGENT is required');
    const call = gatewayCall(values, io.env);
    let token: string;
    let summary: { id?: string | undefined; expiresIn: number; scope: string };
    if (values.token === undefined) {
      if (values.scope === undefined || values.purpose === undefined) usage('airlock delegate: a root delegation needs --scope and --purpose');
      const body: Record<string, unknown> = { delegate: entityArg(to), scope: values.scope, purpose: values.purpose };
      if (values.ttl !== undefined) body['ttl'] = values.ttl;
      const { json } = await call('POST', '/v1/delegations', { json: body });
      token = json.token;
      summary = { id: json.id, expiresIn: json.expiresIn, scope: json.scope };
    } else {
      const form = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: readTokenFile(values.token),
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        actor_token: entityArg(to),
        actor_token_type: 'urn:airlock:token-type:identity',
      });
      if (values.scope !== undefined) form.set('scope', values.scope);
      if (values.ttl !== undefined) form.set('ttl', values.ttl);
      if (values.purpose !== undefined) form.set('purpose', values.purpose);
      const { status, json } = await call('POST', '/oauth/token', { form });
      if (status !== 200) {
        // RFC 6749 §5.2 body: the stable Airlock reason is airlock_code.
        throw new AirlockError('ERR_DELEGATION_REFUSED', json?.error_description ?? `HTTP ${status}`, { reason: json?.airlock_code, error: json?.error, ...(json?.airlock_detail ? { detail: json.airlock_detail } : {}) });
      }
      token = json.access_token;
      summary = { id: linkIdOf(token), expiresIn: json.expires_in, scope: json.scope };
    }
    if (values.out !== undefined) writeFileSync(values.out, token + '\n', { mode: 0o600 });
    if (values.json) io.stdout.write(JSON.stringify({ ...summary, token }, null, 2) + '\n');
    else if (values.out === undefined) io.stdout.write(token + '\n');
    io.stderr.write(`delegated to ${entityArg(to)}: ${summary.scope} for ${summary.expiresIn}s${summary.id ? ` (link ${summary.id})` : ''}\n`);
    return 0;
  },
};
