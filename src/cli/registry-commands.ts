import { AirlockError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { parseStrictJson } from '../core/strict-json.js';
import type { CliIO } from './command.js';
import { CONNECTION_OPTIONS, connectionOf } from './connection.js';
import { parseOptions } from './options.js';
import { openRegistryClient, type Cls, type RegistryClient } from './registry-client.js';

/** Options every registry subcommand takes. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  policies: { type: 'string' },
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
} as const;

export const COMMON_HELP = `common options:
  --data-dir DIR   data directory (default .airlock, env AIRLOCK_DATA_DIR)
  --gateway URL    talk to this gateway (env AIRLOCK_URL); otherwise a gateway running on DIR
                   (DIR/serve.json with a live pid) is used, else DIR is changed directly
  --key-file FILE  API key of an admin/auditor, or --key KEY (env AIRLOCK_KEY; default DIR/admin.key)
  --policies DIR   policy bundle, for direct mode (default policies/example)
  --json           print JSON`;

export function usage(msg: string): never {
  throw new AirlockError('ERR_REQUEST_INVALID', msg);
}

/** `--expires` takes an RFC 3339 time or a duration from now (`30d`, `12h`). */
export function expiresAt(v: string | undefined, nowMs = Date.now()): string | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(ms|s|m|h|d)$/.test(v) || v.startsWith('P')) return new Date(nowMs + parseDuration(v)).toISOString();
  return v;
}

/** `k=v` pairs; a value that is valid JSON is taken as JSON (`n=3`, `b=true`, `l=["a"]`), else as a string. */
export function pairs(list: string[] | undefined, flag: string, json: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) usage(`${flag} expects name=value, got "${item}"`);
    const name = item.slice(0, i);
    const raw = item.slice(i + 1);
    let value: unknown = raw;
    if (json) {
      try {
        value = parseStrictJson(raw);
      } catch {
        value = raw;
      }
    }
    out[name] = value;
  }
  return out;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (Array.isArray(v)) return v.length ? v.join(',') : '-';
  return String(v);
}

export function table(io: CliIO, rows: Record<string, unknown>[], cols: string[]): void {
  const data = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i]!.length)));
  const line = (xs: string[]) => xs.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  io.stdout.write(line(cols.map((c) => c.toUpperCase())));
  for (const d of data) io.stdout.write(line(d));
}

export function printIssuedKey(io: CliIO, key: { keyId: string; key: string; expiresAt?: string } | undefined): void {
  if (!key) return;
  io.stdout.write(`key ${key.keyId}${key.expiresAt ? ` (expires ${key.expiresAt})` : ''} — shown once, store it now:\n  ${key.key}\n`);
}

export async function withClient<T>(values: Record<string, unknown>, io: CliIO, fn: (c: RegistryClient) => Promise<T>): Promise<T> {
  const client = await openRegistryClient(
    {
      dataDir: values['data-dir'] as string | undefined,
      policies: values['policies'] as string | undefined,
      ...connectionOf(values as Parameters<typeof connectionOf>[0]),
    },
    io.env,
  );
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** `key create|list|revoke` and `show|list|suspend|resume|retire`, shared by `identity` and `human`. */
export async function runCommon(cls: Cls, sub: string, rest: string[], io: CliIO): Promise<number | undefined> {
  if (sub === 'key') {
    const [op, ...args] = rest;
    const { values, positionals } = parseOptions(args, { ...COMMON_OPTIONS, label: { type: 'string' }, expires: { type: 'string' } });
    const id = positionals[0] ?? usage(`usage: key ${op ?? '<create|list|revoke>'} <id>`);
    return withClient(values, io, async (c) => {
      if (op === 'create') {
        const body: Record<string, unknown> = {};
        if (values.label !== undefined) body['label'] = values.label;
        const exp = expiresAt(values.expires);
        if (exp !== undefined) body['expiresAt'] = exp;
        const r = await c.createKey(cls, id, body);
        if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printIssuedKey(io, r.key);
        return 0;
      }
      if (op === 'list') {
        const keys = await c.listKeys(cls, id);
        if (values.json) io.stdout.write(JSON.stringify(keys, null, 2) + '\n');
        else table(io, keys, ['keyId', 'state', 'label', 'createdAt', 'expiresAt', 'lastUsedAt']);
        return 0;
      }
      if (op === 'revoke') {
        const keyId = positionals[1] ?? usage('usage: key revoke <id> <keyId>');
        const r = await c.revokeKey(cls, id, keyId);
        if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else io.stdout.write(`key ${keyId} of ${id}: ${r.key.state}\n`);
        return 0;
      }
      return usage('usage: key <create|list|revoke> <id> …');
    });
  }
  if (sub === 'show' || sub === 'suspend' || sub === 'resume' || sub === 'retire') {
    const { values, positionals } = parseOptions(rest, COMMON_OPTIONS);
    const id = positionals[0] ?? usage(`usage: ${sub} <id>`);
    return withClient(values, io, async (c) => {
      const r = sub === 'show' ? await c.get(cls, id) : (await c.status(cls, id, sub)).identity;
      if (values.json || sub === 'show') io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else io.stdout.write(`${id}: ${r.status}\n`);
      return 0;
    });
  }
  return undefined;
}
