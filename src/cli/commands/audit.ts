import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { toOcsf } from '../../audit/ocsf.js';
import { signCheckpoint, verifyCheckpoint } from '../../audit/checkpoint.js';
import { verifyAudit } from '../../audit/verify.js';
import { loadConfig } from '../../config/load.js';
import { systemClock } from '../../core/clock.js';
import { AirlockError } from '../../core/errors.js';
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Config } from '../../config/schema.js';
import type { TrustedHead } from '../../audit/verify.js';
import { createKeyRing } from '../../grants/keyring.js';
import { readAnchors, readHeadFile, writeAnchor, type SignedHeadFile } from '../../runtime/anchors.js';
import { openDataDir } from '../../runtime/open-data-dir.js';
import { keyFileOf, openKeyProvider } from '../../runtime/open-keys.js';
import type { AuditRecord, Store } from '../../store/port.js';
import { fileCursor, memoryCursor } from '../../integrations/siem/cursor.js';
import { SinkRefused, httpSink, shipAudit, streamSink } from '../../integrations/siem/shipper.js';
import type { CliCommand } from '../command.js';
import { parseOptions } from '../options.js';
import { STORE_OPTION, storeFlags } from '../store-option.js';

const HELP = `usage: airlock audit <verify|export|head|anchor> [options]

  airlock audit verify [--data-dir DIR | --store URL] [--trust JWKS] [--head FILE]... [--anchors DIR] [--json]
      Recomputes every writer's hash chain, and checks that each writer's latest stored signed
      checkpoint is still in it, unchanged (a cut tail fails here). Exit 0 when intact; exit 1
      naming the first bad seq when any record was edited, removed, inserted or reordered.
      --trust JWKS   checkpoint and head signatures must verify with these pinned public keys (a
                     JWKS {"keys":[…]}, one JWK, or a head file) kept apart from this machine.
      --head FILE    a head printed earlier by \`audit head\` (kept elsewhere): the log must
                     still reach it; without --trust its own public key is the trusted one.
      --anchors DIR  every anchored head in DIR (default: anchorDir) must still be in the log.
      Without --trust or --head the signatures are checked with this installation's key file:
      that proves internal consistency, not independence (docs/operations.md).
  airlock audit export [--data-dir DIR | --store URL] [--since SEQ] [--writer ID] [--format jsonl|ocsf] [--delegation ID]
                       [--follow [--interval MS]] [--cursor FILE] [--post URL [--header 'Name: value']...]
      Streams records as JSON lines: {writer, seq, at, kind, prevHash, hash, record}.
      --format ocsf writes OCSF 1.8.0 events instead, one JSON object a line, for SIEMs: decisions
      and approval events as API Activity (6003), elevation grants as Authorize Session (3003);
      raw_data is the exact text the chain hashed and raw_data_hash the chain hash. Records of
      other kinds are skipped (docs/observability.md).
      --delegation ID keeps the records whose delegation.linkIds contain link ID: its issuance and
      every link issued below it, every decision made under it, every revocation that touched it —
      enough to rebuild the whole path after the fact.
      --follow       keep running and send new records as they are written (every --interval ms,
                     default 1000) until SIGINT/SIGTERM, which finish the batch in flight.
      --cursor FILE  remember per writer where the export stopped (replaced durably after each
                     delivered batch) and start there next time; --since applies to writers the
                     file does not know. A restart resends at most the batch that was in flight.
      --post URL     deliver each batch (up to 500 records) as one NDJSON POST to a SIEM or
                     collector HTTP intake instead of stdout; any 2xx acknowledges it, anything else
                     is retried with backoff (forever with --follow, 5 attempts without). --header
                     adds a request header, e.g. --header "Authorization: Splunk <token>".
  airlock audit head [--data-dir DIR]
      Signs the current chain head (Ed25519) when it moved and prints the latest signed checkpoint
      with its public key as JSON. Keep a copy outside this machine.
  airlock audit anchor [--data-dir DIR] [--to DIR]
      Signs the head and writes it to DIR (default anchorDir / AIRLOCK_ANCHOR_DIR), which must be
      outside the data directory: DIR/<writer>.head.json (latest) and DIR/<writer>.heads.jsonl
      (history). \`serve\` does the same every anchorIntervalMs when anchorDir is set.
  --store sqlite|postgres://…   the deployment's store (default DIR/airlock.db; env AIRLOCK_DATABASE_URL)`;

/** The --post URL: http(s) only, so a typo cannot turn into a file or another scheme. */
function postUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AirlockError('ERR_REQUEST_INVALID', '--post must be an http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AirlockError('ERR_REQUEST_INVALID', '--post must be an http:// or https:// URL');
  return u.toString();
}

/** --header "Name: value" pairs. */
function headersOf(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of raw) {
    const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/.exec(h);
    if (!m || /[\r\n]/.test(m[2]!)) throw new AirlockError('ERR_REQUEST_INVALID', '--header must look like "Name: value"');
    out[m[1]!] = m[2]!;
  }
  return out;
}

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
      head: { type: 'string', multiple: true },
      trust: { type: 'string' },
      anchors: { type: 'string' },
      to: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      since: { type: 'string' },
      writer: { type: 'string' },
      format: { type: 'string' },
      delegation: { type: 'string' },
      follow: { type: 'boolean' },
      interval: { type: 'string' },
      cursor: { type: 'string' },
      post: { type: 'string' },
      header: { type: 'string', multiple: true },
      ...STORE_OPTION,
    }, false);
    const config = loadConfig({ dataDir: values['data-dir'], ...storeFlags(values.store) }, io.env, values.config);
    if (sub !== 'verify' && sub !== 'export' && sub !== 'head' && sub !== 'anchor') {
      io.stderr.write(`airlock audit: expected verify, export, head or anchor\n${HELP}\n`);
      return 2;
    }
    const store = await openDataDir(config);
    try {
      if (sub === 'export') {
        if (values.format !== undefined && values.format !== 'jsonl' && values.format !== 'ocsf') throw new AirlockError('ERR_REQUEST_INVALID', `unsupported format ${values.format} (jsonl, ocsf)`);
        const ocsf = values.format === 'ocsf' ? { productVersion: (createRequire(import.meta.url)('../../../package.json') as { version: string }).version } : undefined;
        const since = values.since === undefined ? 1 : Number(values.since);
        if (!Number.isSafeInteger(since) || since < 1) throw new AirlockError('ERR_REQUEST_INVALID', '--since must be a positive integer');
        const lineOf = (r: AuditRecord): string | undefined => {
          if (values.delegation !== undefined && !underDelegation(r.recordText, values.delegation)) return undefined;
          if (ocsf) {
            const event = toOcsf(r, ocsf);
            return event ? JSON.stringify(event) : undefined;
          }
          const { recordText, ...rest } = r;
          return `{"writer":${JSON.stringify(rest.writer)},"seq":${rest.seq},"at":${JSON.stringify(rest.at)},"kind":${JSON.stringify(rest.kind)},"prevHash":${JSON.stringify(rest.prevHash)},"hash":${JSON.stringify(rest.hash)},"record":${recordText}}`;
        };
        const intervalMs = values.interval === undefined ? 1000 : Number(values.interval);
        if (!Number.isSafeInteger(intervalMs) || intervalMs < 10 || intervalMs > 3_600_000) throw new AirlockError('ERR_REQUEST_INVALID', '--interval must be a whole number of milliseconds from 10 to 3600000');
        if (values.interval !== undefined && !values.follow) throw new AirlockError('ERR_REQUEST_INVALID', '--interval needs --follow');
        if (values.header && !values.post) throw new AirlockError('ERR_REQUEST_INVALID', '--header needs --post URL');
        const sink = values.post ? httpSink(postUrl(values.post), headersOf(values.header ?? [])) : streamSink(io.stdout);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        if (values.follow) {
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        }
        try {
          await shipAudit({
            audit: store.audit,
            lineOf,
            sink,
            cursor: values.cursor ? fileCursor(values.cursor) : memoryCursor(),
            since,
            ...(values.writer ? { writers: [values.writer] } : {}),
            follow: values.follow === true,
            intervalMs,
            signal: stop.signal,
            onRetry: (err, attempt, waitMs) => io.stderr.write(`airlock audit export: ${(err as Error).message}; retry ${attempt} in ${waitMs} ms\n`),
          });
        } catch (e) {
          if (e instanceof SinkRefused) throw new AirlockError('ERR_EXPORT_UNDELIVERED', `${e.message}; the cursor stays at the last delivered batch`);
          throw e;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        return 0;
      }

      const keys = createKeyRing(await openKeyProvider(config, store.keys), 'audit', systemClock);
      if (sub === 'head' || sub === 'anchor') {
        const head = await store.audit.head(config.writerId);
        if (!head) throw new AirlockError('ERR_NOT_FOUND', `the audit log of writer ${config.writerId} is empty`);
        let cp = await store.audit.latestCheckpoint(config.writerId);
        if (!cp || cp.seq !== head.seq) {
          cp = await signCheckpoint(config.writerId, head, new Date().toISOString(), await keys.current());
          await store.audit.saveCheckpoint(cp);
        }
        const publicJwk = (await keys.publicJwks()).find((k) => k.kid === cp.kid);
        const signed = { ...cp, ...(publicJwk ? { publicJwk } : {}) };
        if (sub === 'head') {
          io.stdout.write(JSON.stringify(signed, null, 2) + '\n');
          return 0;
        }
        const dir = values.to ?? config.anchorDir;
        if (!dir) throw new AirlockError('ERR_REQUEST_INVALID', 'audit anchor needs --to DIR (or anchorDir / AIRLOCK_ANCHOR_DIR): a directory outside the data directory');
        const file = writeAnchor(dir, config.dataDir, signed);
        io.stdout.write(`anchored writer ${cp.writer} head seq ${cp.seq} ${cp.hash} in ${file}\n`);
        return 0;
      }

      const trust = await trustFrom(values.trust, values.head ?? [], config, store);
      const heads: TrustedHead[] = [];
      for (const file of values.head ?? []) heads.push(await trustedHead(readHeadFile(file), file, trust));
      const anchorDir = values.anchors ?? config.anchorDir;
      if (anchorDir) for (const a of readAnchors(anchorDir)) heads.push(await trustedHead(a, `${anchorDir}/${a.writer}.head.json`, trust));
      const report = await verifyAudit(store.audit, undefined, { heads, ...(trust.key ? { trustedKey: trust.key } : {}) });
      if (values.json) io.stdout.write(JSON.stringify({ ...report, trust: { source: trust.label, independent: trust.independent } }, null, 2) + '\n');
      else {
        for (const w of report.writers) {
          if (w.problem) io.stdout.write(`writer ${w.writer}: FAILED at seq ${w.problem.seq}: ${w.problem.message} (${w.count} records verified before it)\n`);
          else io.stdout.write(`writer ${w.writer}: ${w.count} records intact${w.head ? `, head seq ${w.head.seq} ${w.head.hash}` : ''}\n`);
          const c = w.checkpoint;
          if (c) {
            const sig = c.signature === 'verified' ? 'signature verified' : c.signature === 'invalid' ? 'signature INVALID' : 'signature not checked (no trusted key)';
            io.stdout.write(c.ok ? `writer ${w.writer}: signed checkpoint seq ${c.seq}: present and unchanged, ${sig}\n` : `writer ${w.writer}: signed checkpoint seq ${c.seq}: FAILED: ${c.message}\n`);
          }
        }
        for (const h of report.heads) io.stdout.write(h.ok ? `saved head seq ${h.seq} (${h.source}): present and unchanged\n` : `saved head seq ${h.seq} (${h.source}): FAILED: ${h.message}\n`);
        io.stdout.write(`trust: ${trust.label}\n`);
        if (!trust.independent) io.stdout.write('note: this proves the log is internally consistent; it does not prove that someone with write access to this machine did not rewrite and re-sign it. Pass --trust JWKS or --head FILE kept elsewhere (docs/operations.md).\n');
        io.stdout.write(report.ok ? `audit log intact: ${report.total} records\n` : 'audit log FAILED verification\n');
      }
      return report.ok ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};

interface Trust {
  key?: (kid: string) => Promise<CryptoKey | undefined>;
  label: string;
  /** True when the key came from outside this installation (pinned, or a head exported earlier). */
  independent: boolean;
}

async function keysByKid(jwks: JWK[]): Promise<Map<string, CryptoKey>> {
  const out = new Map<string, CryptoKey>();
  for (const j of jwks) {
    if (j.kty !== 'OKP' || j.crv !== 'Ed25519' || typeof j.x !== 'string' || j.d !== undefined) throw new AirlockError('ERR_CHECKPOINT_INVALID', 'a trusted key must be a public Ed25519 JWK');
    const kid = j.kid ?? (await calculateJwkThumbprint(j));
    out.set(kid, (await importJWK({ kty: j.kty, crv: j.crv, x: j.x }, 'EdDSA')) as CryptoKey);
  }
  return out;
}

/** Which public keys verify signatures, and whether they are independent of this machine. */
async function trustFrom(trustFile: string | undefined, headFiles: string[], config: Config, store: Store): Promise<Trust> {
  if (trustFile) {
    let v: { keys?: JWK[]; publicJwk?: JWK } & JWK;
    try {
      v = JSON.parse(readFileSync(trustFile, 'utf8')) as typeof v;
    } catch (e) {
      throw new AirlockError('ERR_CHECKPOINT_INVALID', `cannot read ${trustFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const list = Array.isArray(v.keys) ? v.keys : v.publicJwk ? [v.publicJwk] : [v];
    const keys = await keysByKid(list);
    return { key: async (kid) => keys.get(kid), label: `pinned key(s) from ${trustFile}`, independent: true };
  }
  if (headFiles.length > 0) {
    const jwks = headFiles.map((f) => readHeadFile(f).publicJwk).filter((j): j is JWK => j !== undefined);
    if (jwks.length === 0) throw new AirlockError('ERR_CHECKPOINT_INVALID', `${headFiles.join(', ')} carries no publicJwk; pass --trust with the public key`);
    const keys = await keysByKid(jwks);
    return { key: async (kid) => keys.get(kid), label: `the public key in ${headFiles.join(', ')} (exported earlier)`, independent: true };
  }
  try {
    const ring = createKeyRing(await openKeyProvider(config, store.keys), 'audit', systemClock);
    if ((await ring.publicJwks()).length === 0) return { label: 'no audit key found: internal consistency only (signatures not checked)', independent: false };
    const where = config.keyProvider === 'file' ? `the key file ${keyFileOf(config)}` : 'AIRLOCK_SIGNING_KEYS';
    return { key: (kid) => ring.publicKey(kid), label: `this installation's audit keys (${where}); not independent of this machine`, independent: false };
  } catch (e) {
    return { label: `no usable audit key (${(e as Error).message}): internal consistency only (signatures not checked)`, independent: false };
  }
}

async function trustedHead(h: SignedHeadFile, source: string, trust: Trust): Promise<TrustedHead> {
  const own = h.publicJwk ? await keysByKid([h.publicJwk]) : new Map<string, CryptoKey>();
  const keyFor = trust.independent && trust.key ? trust.key : trust.key ? async (kid: string) => (await trust.key!(kid)) ?? own.get(kid) : async (kid: string) => own.get(kid);
  try {
    const p = await verifyCheckpoint(h.jws, keyFor);
    return { writer: p.writer, seq: p.seq, hash: p.hash, source };
  } catch (e) {
    throw new AirlockError('ERR_CHECKPOINT_INVALID', `${source} does not verify: ${(e as Error).message}`);
  }
}
