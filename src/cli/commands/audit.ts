import { readFileSync } from 'node:fs';
import { signCheckpoint, verifyCheckpoint } from '../../audit/checkpoint.js';
import { verifyAudit } from '../../audit/verify.js';
import { loadConfig } from '../../config/load.js';
import { systemClock } from '../../core/clock.js';
import { AirlockError } from '../../core/errors.js';
import { createKeyRing } from '../../grants/keyring.js';
import { openDataDir } from '../../runtime/open-data-dir.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { STORE_OPTION, storeFlags } from '../store-option.js';

const HELP = `usage: airlock audit <verify|export|head> [options]

  airlock audit verify [--data-dir DIR | --store URL] [--head FILE] [--json]
      Recomputes every writer's hash chain. Exit 0 and a count when intact; exit 1 naming the first
      bad seq when any record was edited, removed, inserted or reordered. With --head FILE (the
      output of \`airlock audit head\`, kept elsewhere), also proves the log still reaches that head,
      which catches records cut off the end.
  airlock audit export [--data-dir DIR | --store URL] [--since SEQ] [--writer ID] [--format jsonl] [--delegation ID]
      Streams records as JSON lines: {writer, seq, at, kind, prevHash, hash, record}.
      --delegation ID keeps the records whose delegation.linkIds contain link ID: its issuance and
      every link issued below it, every decision made under it, every revocation that touched it —
      enough to rebuild the whole path after the fact.
  airlock audit head [--data-dir DIR]
      Signs the current chain head (Ed25519) when it moved and prints the latest signed checkpoint
      as JSON. Keep a copy outside this machine.
  --store sqlite|postgres://…   the deployment's store (default DIR/airlock.db; env AIRLOCK_DATABASE_URL)`;

/** Does the record name link `id` in `delegation.linkIds` (decisions, issuance, revocations)? */
function underDelegation(recordText: string, id: string): boolean {
  if (!recordText.includes(id)) return false;
  const ids = (JSON.parse(recordText) as { delegation?: { linkIds?: unknown } }).delegation?.linkIds;
  return Array.isArray(ids) && ids.includes(id);
}

export const command: CliCommand = {
  name: 'audit',
  summary: 'verify, export or anchor the hash-chained audit log',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values } = parseOptions(rest, {
      'data-dir': { type: 'string' },
      head: { type: 'string' },
      json: { type: 'boolean' },
      since: { type: 'string' },
      writer: { type: 'string' },
      format: { type: 'string' },
      delegation: { type: 'string' },
      ...STORE_OPTION,
    }, false);
    const config = loadConfig({ dataDir: values['data-dir'], ...storeFlags(values.store) }, io.env);
    if (sub !== 'verify' && sub !== 'export' && sub !== 'head') {
      io.stderr.write(`airlock audit: expected verify, export or head\n${HELP}\n`);
      return 2;
    }
    const store = await openDataDir(config);
    try {
      if (sub === 'export') {
        if (values.format !== undefined && values.format !== 'jsonl') throw new AirlockError('ERR_REQUEST_INVALID', `unsupported format ${values.format} (jsonl)`);
        const since = values.since === undefined ? 1 : Number(values.since);
        if (!Number.isSafeInteger(since) || since < 1) throw new AirlockError('ERR_REQUEST_INVALID', '--since must be a positive integer');
        const writers = values.writer ? [values.writer] : await store.audit.writers();
        for (const w of writers) {
          for (let from = since; ; ) {
            const page = await store.audit.read(w, from, 1000);
            if (page.length === 0) break;
            for (const r of page) {
              if (values.delegation !== undefined && !underDelegation(r.recordText, values.delegation)) continue;
              const { recordText, ...rest } = r;
              io.stdout.write(`{"writer":${JSON.stringify(rest.writer)},"seq":${rest.seq},"at":${JSON.stringify(rest.at)},"kind":${JSON.stringify(rest.kind)},"prevHash":${JSON.stringify(rest.prevHash)},"hash":${JSON.stringify(rest.hash)},"record":${recordText}}\n`);
            }
            from = page.at(-1)!.seq + 1;
          }
        }
        return 0;
      }

      const keys = createKeyRing(store.keys, 'audit', systemClock);
      if (sub === 'head') {
        const head = await store.audit.head(config.writerId);
        if (!head) throw new AirlockError('ERR_NOT_FOUND', `the audit log of writer ${config.writerId} is empty`);
        let cp = await store.audit.latestCheckpoint(config.writerId);
        if (!cp || cp.seq !== head.seq) {
          cp = await signCheckpoint(config.writerId, head, new Date().toISOString(), await keys.current());
          await store.audit.saveCheckpoint(cp);
        }
        const publicJwk = (await keys.publicJwks()).find((k) => k.kid === cp.kid);
        io.stdout.write(JSON.stringify({ ...cp, publicJwk }, null, 2) + '\n');
        return 0;
      }

      let anchor: { writer: string; seq: number; hash: string } | undefined;
      if (values.head) {
        let saved: { jws?: unknown };
        try {
          saved = JSON.parse(readFileSync(values.head, 'utf8')) as { jws?: unknown };
        } catch (e) {
          throw new AirlockError('ERR_CHECKPOINT_INVALID', `cannot read ${values.head}: ${(e as Error).message}`);
        }
        if (typeof saved.jws !== 'string') throw new AirlockError('ERR_CHECKPOINT_INVALID', `${values.head} has no "jws" field`);
        try {
          anchor = await verifyCheckpoint(saved.jws, (kid) => keys.publicKey(kid));
        } catch (e) {
          throw new AirlockError('ERR_CHECKPOINT_INVALID', `saved head does not verify: ${(e as Error).message}`);
        }
      }
      const report = await verifyAudit(store.audit, anchor);
      if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        for (const w of report.writers) {
          if (w.problem) io.stdout.write(`writer ${w.writer}: FAILED at seq ${w.problem.seq}: ${w.problem.message} (${w.count} records verified before it)\n`);
          else io.stdout.write(`writer ${w.writer}: ${w.count} records intact${w.head ? `, head seq ${w.head.seq} ${w.head.hash}` : ''}\n`);
        }
        if (report.anchor) io.stdout.write(report.anchor.ok ? `saved head seq ${report.anchor.seq}: present and unchanged\n` : `saved head seq ${report.anchor.seq}: FAILED: ${report.anchor.message}\n`);
        io.stdout.write(report.ok ? `audit log intact: ${report.total} records\n` : 'audit log FAILED verification\n');
      }
      return report.ok ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};
