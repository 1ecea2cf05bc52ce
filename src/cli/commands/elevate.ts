import type { CliCommand, CliIO } from '../command.js';
import { parseOptions } from '../options.js';
import { usage } from '../registry-commands.js';
import { GATEWAY_HELP, GATEWAY_OPTIONS, gatewayCall } from './delegations.js';

const HELP = `usage: airlock elevate <GROUP> --for DURATION --reason TEXT [--principal ID] [options]
       airlock elevate list [--principal ID] [--active]
       airlock elevate show <id>
       airlock elevate revoke <id> [--reason TEXT]

  Just-in-time elevation (docs/elevation.md): membership in GROUP for a bounded time. The request
  is a decision (action "elevate" on Group::"GROUP" with context.durationSeconds and
  context.reason): policy allows it, requires an approval, or denies it. After an approval, run
  the same command again (same group, duration and reason) to receive the elevation.
  Exit 0 when active, 10 when waiting for an approval, 1 when denied.

  --for DURATION     15m, 1h, PT15M … (policy caps it per group; AIRLOCK_ELEVATION_MAX_TTL_MS caps all)
  --reason TEXT      why (kept in the audit log and shown to approvers)
  --principal ID     the identity to elevate (default: the caller); its owner or an admin may ask for it
  list               elevations you may see (--active: only those in force now)
  revoke <id>        ends an elevation now (the identity, its owner or an admin)

${GATEWAY_HELP}`;

function line(io: CliIO, e: any): void {
  io.stdout.write(`${e.id}  ${String(e.status).padEnd(7)}  ${e.principal} in ${e.group} until ${e.expiresAt}  (${e.reason})${e.revokedAt ? `; revoked by ${e.revokedBy}` : ''}\n`);
}

export const command: CliCommand = {
  name: 'elevate',
  summary: 'ask for time-boxed group membership (just-in-time elevation); list or revoke elevations',
  help: HELP,
  async run(args, io) {
    const [first, ...rest] = args;
    const { values, positionals } = parseOptions(rest, {
      ...GATEWAY_OPTIONS,
      for: { type: 'string' },
      reason: { type: 'string' },
      principal: { type: 'string' },
      active: { type: 'boolean' },
    });
    if (first === undefined || first.startsWith('-')) usage(HELP);
    const call = gatewayCall(values, io.env);
    const out = (v: unknown) => io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    const enc = encodeURIComponent;
    if (first === 'list') {
      const q = new URLSearchParams();
      if (values.principal) q.set('principal', values.principal);
      if (values.active) q.set('active', 'true');
      const { json } = await call('GET', `/v1/elevations${q.size > 0 ? `?${q.toString()}` : ''}`);
      if (values.json) out(json.elevations);
      else for (const e of json.elevations) line(io, e);
      return 0;
    }
    if (first === 'show' || first === 'revoke') {
      const id = positionals[0] ?? usage(`usage: airlock elevate ${first} <id>`);
      const { json } = first === 'show' ? await call('GET', `/v1/elevations/${enc(id)}`) : await call('POST', `/v1/elevations/${enc(id)}/revoke`, { json: values.reason !== undefined ? { reason: values.reason } : {} });
      if (values.json) out(json);
      else line(io, json);
      return 0;
    }
    if (!values.for || values.reason === undefined) usage(`airlock elevate ${first}: --for DURATION and --reason TEXT are required\n${HELP}`);
    const { status, json } = await call('POST', '/v1/elevations', { json: { group: first, duration: values.for, reason: values.reason, ...(values.principal ? { principal: values.principal } : {}) } });
    if (values.json) out(json);
    else if (status === 201) io.stdout.write(`elevated: ${json.elevation.principal} is in ${json.elevation.group} until ${json.elevation.expiresAt} (elevation ${json.elevation.id})\n`);
    else {
      const a = json.decision.approval ?? json.decision.confirmation;
      io.stdout.write(`waiting for ${a ? `${a.kind ?? 'approval'} ${a.id}` : json.decision.outcome}: ${json.decision.reasons.map((r: any) => r.message).join('; ')}\nrun the same command again once it is approved\n`);
    }
    return status === 201 ? 0 : 10;
  },
};
