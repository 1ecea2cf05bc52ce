import { loadConfig } from '../../config/load.js';
import { AirlockError } from '../../core/errors.js';
import { postgresOptions } from '../../runtime/open-store.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { STORE_HELP, STORE_OPTION, storeFlags } from '../store-option.js';

const HELP = `usage: airlock db <migrate|status> [--store postgres://…] [--json]

The PostgreSQL schema (docs/deployment.md). A replica applies pending migrations itself at start
under an advisory lock, so replicas starting together never race. Operators who apply schema
changes by hand set AIRLOCK_DATABASE_MIGRATIONS=verify (replicas then refuse to start on an old
schema) and run:

  airlock db status    the applied and pending migrations; exit 0 when up to date, 1 when not
  airlock db migrate   applies every pending migration in one transaction, under the same lock

${STORE_HELP}
  --json            machine-readable output

The SQLite store (the default) migrates itself when it opens; these commands are for PostgreSQL.`;

export const command: CliCommand = {
  name: 'db',
  summary: 'migrate or show the PostgreSQL schema',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'migrate' && sub !== 'status') {
      io.stderr.write(`airlock db: expected migrate or status${sub === undefined ? '' : `, not "${sub}"`}\n${HELP}\n`);
      return 2;
    }
    const { values } = parseOptions(rest, { ...STORE_OPTION, json: { type: 'boolean' } }, false);
    const config = loadConfig(storeFlags(values.store), io.env);
    if (!config.database) {
      throw new AirlockError('ERR_REQUEST_INVALID', 'no PostgreSQL store configured: pass --store postgres://… or set AIRLOCK_DATABASE_URL (SQLite migrates itself at open)');
    }
    const { openPool, redactDatabaseUrl } = await import('../../store/postgres/postgres-store.js');
    const { migrate, migrationStatus } = await import('../../store/postgres/migrations.js');
    const { poolDb } = await import('../../store/postgres/db.js');
    const where = redactDatabaseUrl(config.database.url);
    const pool = await openPool(postgresOptions(config.database, { poolSize: 1 }));
    try {
      if (sub === 'migrate') {
        const { applied, status } = await migrate(pool);
        if (values.json) io.stdout.write(JSON.stringify({ database: where, applied, current: status.current, latest: status.latest }, null, 2) + '\n');
        else if (applied.length === 0) io.stdout.write(`${where}: schema already at version ${status.current}; nothing to apply\n`);
        else io.stdout.write(`${where}: applied ${applied.map((v) => `#${v}`).join(', ')}; schema now at version ${status.current}\n`);
        return 0;
      }
      const status = await migrationStatus(poolDb(pool));
      if (values.json) io.stdout.write(JSON.stringify({ database: where, ...status }, null, 2) + '\n');
      else {
        io.stdout.write(`${where}: schema version ${status.current} of ${status.latest}\n`);
        for (const a of status.applied) io.stdout.write(`  applied  #${a.version} ${a.name} (${a.appliedAt})\n`);
        for (const p of status.pending) io.stdout.write(`  pending  #${p.version} ${p.name}\n`);
        if (status.pending.length > 0) io.stdout.write('run `airlock db migrate` to apply the pending migrations\n');
      }
      return status.pending.length === 0 ? 0 : 1;
    } finally {
      await pool.end().catch(() => undefined);
    }
  },
};
