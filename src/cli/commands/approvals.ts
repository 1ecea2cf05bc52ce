import { createInterface } from 'node:readline/promises';
import { actionFields } from '../../core/action-view.js';
import { AirlockError } from '../../core/errors.js';
import type { CliCommand, CliIO } from '../command.js';
import { CONNECTION_OPTIONS, connectionOf } from '../connection.js';
import { openGatewayClient, type GatewayClient } from '../gateway-client.js';
import { parseOptions } from '../options.js';

const CONN = {
  'data-dir': { type: 'string' },
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
} as const;
const CONN_HELP = `connection: --gateway URL (or AIRLOCK_URL; default: the gateway running on --data-dir),
--key-file FILE or --key KEY (or AIRLOCK_KEY; default <data-dir>/admin.key) — approvers use their
own key. --json prints raw JSON.`;

type Conn = { 'data-dir'?: string | undefined; gateway?: string | undefined; url?: string | undefined; key?: string | undefined; 'key-file'?: string | undefined };
const client = (v: Conn, io: CliIO): GatewayClient => openGatewayClient({ dataDir: v['data-dir'], ...connectionOf(v) }, io.env);

const id = (positionals: string[], usage: string): string => {
  const v = positionals[0];
  if (!v) throw new AirlockError('ERR_REQUEST_INVALID', usage);
  return encodeURIComponent(v);
};

/**
 * The approval as a person must see it before deciding: what, who, why, how risky, until when —
 * and the whole action, every field by path and the full command, never cut (issue 11).
 */
function describe(a: any): string {
  const r = a.request ?? {};
  const cmd = r.context?.command;
  const text = typeof cmd === 'string' ? cmd : typeof cmd?.text === 'string' ? cmd.text : undefined;
  const lines = [
    `${a.kind} ${a.id} — ${a.status}`,
    `  action:    ${r.action?.name} on ${r.resource?.type}::${JSON.stringify(r.resource?.id)}`,
    `  requester: ${a.requester}${a.owner ? ` (owner ${a.owner})` : ''}`,
    `  caller:    ${a.caller?.type}::${JSON.stringify(a.caller?.id)} via ${a.caller?.via}`,
  ];
  if (a.initiator) lines.push(`  initiator: ${a.initiator}`);
  if (a.delegationChain?.length) lines.push(`  delegated: ${a.delegationChain.join(' → ')}`);
  if (text !== undefined) {
    // JSON string form: one line, every control character visible, nothing cut.
    lines.push(`  command (${[...text].length} characters, exactly as it will run):`, `    ${JSON.stringify(text)}`);
  }
  if (r.subject && r.action && r.resource) {
    lines.push('  the whole action:');
    for (const f of actionFields(r)) lines.push(`    ${f.path} = ${f.value}`);
  }
  lines.push(`  policy:    ${a.policyIds?.join(', ')}${a.reason ? ` — ${a.reason}` : ''}`);
  if (a.kind === 'approval') lines.push(`  approvers: ${a.approvers ?? 'any approver'}, quorum ${a.quorum} (${a.votes?.filter((v: any) => v.decision === 'approve').length ?? 0} so far)`);
  for (const v of a.votes ?? []) lines.push(`  vote:      ${v.approver} ${v.decision} (${v.channel}, ${v.at})${v.reason ? `: ${v.reason}` : ''}`);
  lines.push(`  action hash ${a.actionHash}`, `  expires   ${a.expiresAt}`);
  return lines.join('\n') + '\n';
}

async function ask(io: CliIO, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const approvals: CliCommand = {
  name: 'approvals',
  summary: 'list and show approval and confirmation requests',
  help: `usage: airlock approvals list [--status pending|approved|denied|expired|consumed|cancelled] [--kind approval|confirmation]
       airlock approvals show ID

${CONN_HELP}`,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseOptions(rest, { ...CONN, status: { type: 'string' }, kind: { type: 'string' } });
    const c = client(values, io);
    if (sub === 'list') {
      const q = new URLSearchParams();
      if (values.status) q.set('status', values.status);
      if (values.kind) q.set('kind', values.kind);
      const { approvals: list } = await c.get(`/v1/approvals${q.size ? `?${q}` : ''}`);
      if (values.json) io.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else if (list.length === 0) io.stdout.write('no requests\n');
      else for (const a of list) io.stdout.write(`${a.id}  ${a.kind.padEnd(12)} ${a.status.padEnd(9)} ${a.request.action.name} on ${a.request.resource.type}::${a.request.resource.id} by ${a.requester}  expires ${a.expiresAt}\n`);
      return 0;
    }
    if (sub === 'show') {
      const a = await c.get(`/v1/approvals/${id(positionals, 'usage: airlock approvals show ID')}`);
      io.stdout.write(values.json ? JSON.stringify(a, null, 2) + '\n' : describe(a));
      return 0;
    }
    io.stderr.write(approvals.help + '\n');
    return 2;
  },
};

function decideCommand(decision: 'approve' | 'deny'): CliCommand {
  return {
    name: decision,
    summary: decision === 'approve' ? 'approve a pending request (shows it first, asks y/N)' : 'deny a pending request',
    help: `usage: airlock ${decision} ID [--reason TEXT]${decision === 'approve' ? ' [--yes]' : ''}

${decision === 'approve' ? 'Shows the action, requester, initiator, risk and what the policy said, then asks "approve? [y/N]"\nunless --yes. Without a terminal, --yes is required.' : 'Denies the request; any deny ends it.'}
The separation-of-duties rules decide whether you may: a refusal names the rule.

${CONN_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseOptions(args, { ...CONN, reason: { type: 'string' }, yes: { type: 'boolean' } });
      const c = client(values, io);
      const apr = id(positionals, `usage: airlock ${decision} ID`);
      if (decision === 'approve' && !values.yes) {
        const a = await c.get(`/v1/approvals/${apr}`);
        io.stderr.write(describe(a));
        if (!io.stdin.isTTY) throw new AirlockError('ERR_REQUEST_INVALID', 'no terminal to ask on: pass --yes to approve non-interactively');
        if (!(await ask(io, 'approve? [y/N] '))) {
          io.stderr.write('not approved\n');
          return 1;
        }
      }
      const r = await c.post(`/v1/approvals/${apr}/${decision}`, values.reason !== undefined ? { reason: values.reason } : {});
      io.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : `${r.id}: ${r.status}\n`);
      return 0;
    },
  };
}

export const approve = decideCommand('approve');
export const deny = decideCommand('deny');

export const confirm: CliCommand = {
  name: 'confirm',
  summary: 'confirm an action you initiated (confirmation_required)',
  help: `usage: airlock confirm ID [--on-behalf-of UID]

Confirms the very action shown to you. Only the person who initiated it — or the enforcement
point that showed it to them (--on-behalf-of that person) — may confirm; never an NHI for itself.

${CONN_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { ...CONN, 'on-behalf-of': { type: 'string' } });
    const r = await client(values, io).post(`/v1/confirmations/${id(positionals, 'usage: airlock confirm ID')}/confirm`, values['on-behalf-of'] ? { onBehalfOf: values['on-behalf-of'] } : {});
    io.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : `${r.id}: ${r.status}\n`);
    return 0;
  },
};

export const evidence: CliCommand = {
  name: 'evidence',
  summary: 'show the evidence record of one action (request → approvals → grant → execution → reversal)',
  help: `usage: airlock evidence show REQUEST_ID [--json]

${CONN_HELP}`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'show') {
      io.stderr.write(evidence.help + '\n');
      return 2;
    }
    const { values, positionals } = parseOptions(rest, CONN);
    const e = await client(values, io).get(`/v1/evidence/${id(positionals, 'usage: airlock evidence show REQUEST_ID')}`);
    if (values.json) {
      io.stdout.write(JSON.stringify(e, null, 2) + '\n');
      return 0;
    }
    const r = e.request ?? {};
    const out = [
      `evidence for request ${e.requestId}`,
      `  action:    ${r.action?.name} on ${r.resource?.type}::${JSON.stringify(r.resource?.id)} by ${r.subject?.type}::${JSON.stringify(r.subject?.id)}`,
      `  caller:    ${e.caller?.type}::${JSON.stringify(e.caller?.id)} via ${e.caller?.via}`,
    ];
    if (e.subject?.owner) out.push(`  owner:     ${e.subject.owner}`);
    if (e.initiator) out.push(`  initiator: ${JSON.stringify(e.initiator)}`);
    if (e.chat) out.push(`  chat:      ${JSON.stringify(e.chat)}`);
    if (e.delegation) out.push(`  delegated: ${JSON.stringify(e.delegation)}`);
    if (e.command) out.push(`  command:   risk ${e.command.risk}, ${e.command.summary?.join(' ')}`);
    if (e.decision) out.push(`  decision:  ${e.decision.outcome} at ${e.decision.decidedAt} (policy ${e.decision.policyVersion.slice(0, 19)}…): ${e.decision.reasons.map((x: any) => x.policyId ?? x.code).join(', ')}`);
    for (const a of e.approvals) {
      out.push(`  ${a.kind}:  ${a.id} ${a.status}`);
      for (const v of a.votes) out.push(`    ${v.approver} ${v.decision} via ${v.channel} at ${v.at}${v.reason ? `: ${v.reason}` : ''}`);
    }
    if (e.grant) out.push(`  grant:     jti ${e.grant.jti}, expires ${new Date(e.grant.exp * 1000).toISOString()}${e.grant.redeemedAt ? `, redeemed ${e.grant.redeemedAt}` : ''}`);
    if (e.execution) {
      const x = e.execution;
      const when = x.startedAt || x.finishedAt ? ` (${x.startedAt ?? '?'} → ${x.finishedAt ?? '?'})` : x.durationMs !== undefined ? ` in ${x.durationMs} ms` : '';
      out.push(`  executed:  ${x.status}${when}${x.executor ? ` by ${x.executor}` : ''}${x.outputDigest ? `, output ${x.outputDigest}` : ''}, reported ${x.at}`);
    }
    if (e.reversal?.reversal) out.push(`  reversal:  ${JSON.stringify(e.reversal.reversal.action)} on ${e.reversal.reversal.resource?.id}${e.reversal.requestedAs ? ` — requested as ${e.reversal.requestedAs}` : ''}`);
    if (e.reversal?.reverses) out.push(`  reverses:  ${e.reversal.reverses}`);
    out.push(`  audit records: ${e.records.map((x: any) => `${x.writer}#${x.seq}`).join(' ')}`);
    io.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'rotate the signing keys of grants (old keys stay in the JWKS)',
  help: `usage: airlock keys rotate [--purpose grant|audit]

Asks the running gateway (admin key) to start signing with a new Ed25519 key. Tokens signed with
the old key keep verifying until they expire: the old public key stays in /.well-known/jwks.json.

${CONN_HELP}`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'rotate') {
      io.stderr.write(keysCommand.help + '\n');
      return 2;
    }
    const { values } = parseOptions(rest, { ...CONN, purpose: { type: 'string' } }, false);
    const r = await client(values, io).post('/v1/keys/rotate', { purpose: values.purpose ?? 'grant' });
    io.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : `${r.purpose}: now signing with ${r.kid} (previous ${r.previous})\n`);
    return 0;
  },
};
