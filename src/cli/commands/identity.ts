import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { COMMON_HELP, COMMON_OPTIONS, expiresAt, pairs, printIssuedKey, runCommon, table, usage, withClient } from '../registry-commands.js';

const HELP = `usage: airlock identity <command> [options]

Non-human identities (agents, bots, service accounts, CI jobs, workloads) in the registry.

  create <id> --kind KIND --owner HUMAN --purpose TEXT [--display-name TEXT]
         [--group G]... [--env E]... [--expires TIME|30d] [--attr NAME=VALUE]...
         [--pep-subject TYPE:ID]... [--pep-group G]... [--pep-asserts-initiator] [--delegated-only] [--no-key] [--key-label TEXT]
      KIND: agent, bot, service_account, ci_job, workload. Prints the first API key once.
      --delegated-only: it acts only under delegation; requests without a valid delegation
      token are denied (delegation_required).
      --pep-asserts-initiator: the registry trusts this pep to send context.initiator for the
      subjects it relays (anyone else's is refused, ERR_CONTEXT_RESERVED).
      --attr values that are JSON are taken as JSON (n=3, ok=true), others as strings.
  list [--kind K] [--status S] [--owner H] [--group G] [--env E]
  show <id>
  suspend <id> | resume <id> | retire <id>      (retire is final)
  key create <id> [--label TEXT] [--expires TIME|90d]    prints the key once
  key list <id>                                           never shows secrets
  key revoke <id> <keyId>
  report [--unused-days N] [--rotation-days N] [--expiring-days N]
      The inventory: counts, orphaned (no active owner), unused, old or unused keys, expiring,
      and who can reach actions that need approval. Exit 1 when any orphaned identity exists.

${COMMON_HELP}`;

export const command: CliCommand = {
  name: 'identity',
  summary: 'manage NHIs and their API keys; inventory report',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    const common = await runCommon('nhi', sub ?? '', rest, io);
    if (common !== undefined) return common;

    if (sub === 'create') {
      const { values, positionals } = parseOptions(rest, {
        ...COMMON_OPTIONS,
        kind: { type: 'string' },
        owner: { type: 'string' },
        purpose: { type: 'string' },
        'display-name': { type: 'string' },
        group: { type: 'string', multiple: true },
        env: { type: 'string', multiple: true },
        expires: { type: 'string' },
        attr: { type: 'string', multiple: true },
        'pep-subject': { type: 'string', multiple: true },
        'pep-group': { type: 'string', multiple: true },
        'delegated-only': { type: 'boolean' },
        'pep-asserts-initiator': { type: 'boolean' },
        'no-key': { type: 'boolean' },
        'key-label': { type: 'string' },
      });
      const id = positionals[0] ?? usage('usage: airlock identity create <id> --kind KIND --owner HUMAN --purpose TEXT');
      const body: Record<string, unknown> = { id, kind: values.kind, owner: values.owner, purpose: values.purpose };
      if (values['display-name'] !== undefined) body['displayName'] = values['display-name'];
      if (values.group) body['groups'] = values.group;
      if (values.env) body['environments'] = values.env;
      const exp = expiresAt(values.expires);
      if (exp !== undefined) body['expiresAt'] = exp;
      if (values.attr) body['attributes'] = pairs(values.attr, '--attr', true);
      if (values['pep-subject'] || values['pep-group']) {
        const subjects = (values['pep-subject'] ?? []).map((s) => {
          const i = s.lastIndexOf(':');
          if (i <= 0) usage(`--pep-subject expects TYPE:ID (ID may be *), got "${s}"`);
          return { type: s.slice(0, i), id: s.slice(i + 1) };
        });
        body['pep'] = { subjects, groups: values['pep-group'] ?? [], ...(values['pep-asserts-initiator'] ? { assertsInitiator: true } : {}) };
      }
      if (values['delegated-only']) body['delegatedOnly'] = true;
      if (values['no-key']) body['key'] = false;
      if (values['key-label'] !== undefined) body['keyLabel'] = values['key-label'];
      return withClient(values, io, async (c) => {
        const r = await c.create('nhi', body);
        if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          io.stdout.write(`created ${r.identity.kind} ${r.identity.id} (owner ${r.identity.owner}) via ${c.mode === 'http' ? c.target : `data dir ${c.target}`}\n`);
          printIssuedKey(io, r.key);
        }
        return 0;
      });
    }

    if (sub === 'list') {
      const { values } = parseOptions(rest, { ...COMMON_OPTIONS, kind: { type: 'string' }, status: { type: 'string' }, owner: { type: 'string' }, group: { type: 'string' }, env: { type: 'string' } }, false);
      const filter: Record<string, string> = {};
      for (const [flag, key] of [['kind', 'kind'], ['status', 'status'], ['owner', 'owner'], ['group', 'group'], ['env', 'environment']] as const) {
        const v = values[flag];
        if (v !== undefined) filter[key] = v;
      }
      return withClient(values, io, async (c) => {
        const list = await c.list('nhi', filter);
        if (values.json) io.stdout.write(JSON.stringify(list, null, 2) + '\n');
        else table(io, list, ['id', 'kind', 'status', 'owner', 'groups', 'environments', 'expiresAt', 'lastUsedAt']);
        return 0;
      });
    }

    if (sub === 'report') {
      const { values } = parseOptions(rest, { ...COMMON_OPTIONS, 'unused-days': { type: 'string' }, 'rotation-days': { type: 'string' }, 'expiring-days': { type: 'string' } }, false);
      const q: Record<string, string> = {};
      for (const [flag, key] of [['unused-days', 'unusedDays'], ['rotation-days', 'rotationDays'], ['expiring-days', 'expiringDays']] as const) {
        const v = values[flag];
        if (v !== undefined) {
          if (!/^\d{1,5}$/.test(v)) usage(`--${flag} expects a number of days`);
          q[key] = v;
        }
      }
      return withClient(values, io, async (c) => {
        const r = await c.report(q);
        if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printReport(io, r);
        // Exit 1 when any identity is orphaned, so the report can gate a pipeline.
        return r.orphaned.length > 0 ? 1 : 0;
      });
    }

    io.stderr.write(HELP + '\n');
    return 2;
  },
};

function printReport(io: import('../command.js').CliIO, r: any): void {
  const out = (s: string) => io.stdout.write(s + '\n');
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  out(`inventory at ${r.generatedAt} (policy ${r.policyVersion ?? 'none'})`);
  out(`NHIs: ${r.counts.nhis.total} — by kind: ${kv(r.counts.nhis.byKind)}; by status: ${kv(r.counts.nhis.byStatus)}`);
  out(`humans: ${r.counts.humans.total} — ${kv(r.counts.humans.byStatus)}; keys: active ${r.counts.keys.active}, revoked ${r.counts.keys.revoked}, expired ${r.counts.keys.expired}`);
  const section = (title: string, rows: Record<string, unknown>[], cols: string[]) => {
    out(`\n${title}: ${rows.length}`);
    if (rows.length > 0) table(io, rows, cols);
  };
  section('ORPHANED (no active owner)', r.orphaned, ['id', 'kind', 'owner', 'reason']);
  section(`UNUSED for ${r.thresholds.unusedDays}+ days or never used`, r.unused, ['id', 'kind', 'owner', 'lastUsedAt', 'idleDays']);
  section(`KEYS older than ${r.thresholds.rotationDays} days`, r.keys.overRotationAge, ['keyId', 'identityId', 'createdAt', 'ageDays']);
  section('KEYS never used', r.keys.neverUsed, ['keyId', 'identityId', 'createdAt']);
  section(`EXPIRING within ${r.thresholds.expiringDays} days`, r.expiring, ['id', 'kind', 'owner', 'expiresAt', 'inDays']);
  section('EXPIRED (still registered)', r.expired, ['id', 'kind', 'owner', 'expiresAt']);
  section(
    'CAN REACH ACTIONS THAT NEED APPROVAL',
    r.approvalReach.map((x: any) => ({ ...x, actions: x.actions.map((a: any) => `${a.action} (${a.policies.join(' ')})`) })),
    ['id', 'kind', 'owner', 'actions'],
  );
  section('ELEVATED NOW (just-in-time group memberships)', (r.elevations ?? []) as Record<string, unknown>[], ['principal', 'group', 'expiresAt', 'requestedBy', 'id']);
}
