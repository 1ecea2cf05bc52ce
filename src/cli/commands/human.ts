import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { COMMON_HELP, COMMON_OPTIONS, pairs, printIssuedKey, runCommon, table, usage, withClient } from '../registry-commands.js';

const HELP = `usage: airlock human <command> [options]

Humans: owners of NHIs, admins (manage identities and keys), auditors (read audit and inventory),
approvers (act on approvals).

  create <id> [--display-name TEXT] [--email ADDR] [--group G]... [--role admin|approver|auditor]...
         [--link NAME=ACCOUNT]... [--no-key] [--key-label TEXT]      prints the first key once
  list [--status S] [--group G]
  show <id>
  suspend <id> | resume <id> | retire <id>
  key create|list|revoke <id> …                                      as for airlock identity

${COMMON_HELP}`;

export const command: CliCommand = {
  name: 'human',
  summary: 'manage humans (owners, admins, auditors, approvers) and their keys',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    const common = await runCommon('human', sub ?? '', rest, io);
    if (common !== undefined) return common;
    if (sub === 'create') {
      const { values, positionals } = parseOptions(rest, {
        ...COMMON_OPTIONS,
        'display-name': { type: 'string' },
        email: { type: 'string' },
        group: { type: 'string', multiple: true },
        role: { type: 'string', multiple: true },
        link: { type: 'string', multiple: true },
        'no-key': { type: 'boolean' },
        'key-label': { type: 'string' },
      });
      const id = positionals[0] ?? usage('usage: airlock human create <id> [options]');
      const body: Record<string, unknown> = { id };
      if (values['display-name'] !== undefined) body['displayName'] = values['display-name'];
      if (values.email !== undefined) body['email'] = values.email;
      if (values.group) body['groups'] = values.group;
      if (values.role) body['roles'] = values.role;
      if (values.link) body['links'] = pairs(values.link, '--link', false);
      if (values['no-key']) body['key'] = false;
      if (values['key-label'] !== undefined) body['keyLabel'] = values['key-label'];
      return withClient(values, io, async (c) => {
        const r = await c.create('human', body);
        if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          io.stdout.write(`created human ${r.identity.id}${r.identity.roles.length ? ` (${r.identity.roles.join(', ')})` : ''}\n`);
          printIssuedKey(io, r.key);
        }
        return 0;
      });
    }
    if (sub === 'list') {
      const { values } = parseOptions(rest, { ...COMMON_OPTIONS, status: { type: 'string' }, group: { type: 'string' } }, false);
      const filter: Record<string, string> = {};
      if (values.status !== undefined) filter['status'] = values.status;
      if (values.group !== undefined) filter['group'] = values.group;
      return withClient(values, io, async (c) => {
        const list = await c.list('human', filter);
        if (values.json) io.stdout.write(JSON.stringify(list, null, 2) + '\n');
        else table(io, list, ['id', 'status', 'roles', 'email', 'groups', 'lastUsedAt']);
        return 0;
      });
    }
    io.stderr.write(HELP + '\n');
    return 2;
  },
};
