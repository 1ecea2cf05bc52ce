import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { AirlockError } from '../core/errors.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

/** Environment variables read, by config key. This module is the only reader of the environment. */
const ENV: Record<string, keyof ConfigInput> = {
  AIRLOCK_DATA_DIR: 'dataDir',
  AIRLOCK_POLICIES: 'policies',
  AIRLOCK_HOST: 'host',
  AIRLOCK_PORT: 'port',
  AIRLOCK_PUBLIC_URL: 'publicUrl',
  AIRLOCK_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  AIRLOCK_AUDIT_TIMEOUT_MS: 'auditTimeoutMs',
  AIRLOCK_CHECKPOINT_INTERVAL_MS: 'checkpointIntervalMs',
  AIRLOCK_WRITER_ID: 'writerId',
  AIRLOCK_LOG_LEVEL: 'logLevel',
  AIRLOCK_USAGE_FLUSH_MS: 'usageFlushMs',
  AIRLOCK_AUTH_FAILURE_BURST: 'authFailureBurst',
  AIRLOCK_AUTH_FAILURE_REFILL_MS: 'authFailureRefillMs',
  AIRLOCK_TRUSTED_PROXIES: 'trustedProxies',
  AIRLOCK_URL: 'serverUrl',
  AIRLOCK_KEY: 'apiKey',
  AIRLOCK_APPROVAL_TTL_MS: 'approvalTtlMs',
  AIRLOCK_CONFIRMATION_TTL_MS: 'confirmationTtlMs',
  AIRLOCK_APPROVAL_MAX_PENDING_PER_REQUESTER: 'approvalMaxPendingPerRequester',
  AIRLOCK_COMMAND_CATALOG: 'commandCatalog',
  AIRLOCK_GRANT_TTL_MS: 'grantTtlMs',
  AIRLOCK_ISSUER: 'issuer',
  AIRLOCK_DELEGATION_MAX_DEPTH: 'delegationMaxDepth',
  AIRLOCK_DELEGATION_MAX_TTL_MS: 'delegationMaxTtlMs',
  AIRLOCK_WEBHOOKS: 'webhooks',
  AIRLOCK_KEY_PROVIDER: 'keyProvider',
  AIRLOCK_KEY_FILE: 'keyFile',
  AIRLOCK_SIGNING_KEYS: 'signingKeys',
  AIRLOCK_ANCHOR_DIR: 'anchorDir',
  AIRLOCK_ANCHOR_INTERVAL_MS: 'anchorIntervalMs',
  AIRLOCK_MAX_IN_FLIGHT_DECISIONS: 'maxInFlightDecisions',
  AIRLOCK_MAX_CONNECTIONS: 'maxConnections',
  AIRLOCK_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  AIRLOCK_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  AIRLOCK_RETRY_AFTER_SECONDS: 'retryAfterSeconds',
  AIRLOCK_SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  AIRLOCK_POLICY_THREADS: 'policyThreads',
  AIRLOCK_ELEVATION_MAX_TTL_MS: 'elevationMaxTtlMs',
};
/** Nested `slack` settings, by environment variable (docs/chat.md). */
const SLACK_ENV: Record<string, string> = {
  AIRLOCK_SLACK_SIGNING_SECRET: 'signingSecret',
  AIRLOCK_SLACK_BOT_TOKEN: 'botToken',
  AIRLOCK_SLACK_APPROVALS_CHANNEL: 'approvalsChannel',
  AIRLOCK_SLACK_API_URL: 'apiUrl',
  AIRLOCK_SLACK_TEAM_ID: 'teamId',
  AIRLOCK_SLACK_WORKSPACE_URL: 'workspaceUrl',
};
/** Nested `database` settings, by environment variable (docs/deployment.md). */
const DATABASE_ENV: Record<string, string> = {
  AIRLOCK_DATABASE_URL: 'url',
  AIRLOCK_DATABASE_POOL_SIZE: 'poolSize',
  AIRLOCK_DATABASE_STATEMENT_TIMEOUT_MS: 'statementTimeoutMs',
  AIRLOCK_DATABASE_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  AIRLOCK_DATABASE_MIGRATIONS: 'migrations',
  AIRLOCK_DATABASE_TLS: 'tls',
  AIRLOCK_DATABASE_CA_FILE: 'caFile',
};
/** Console settings, by environment variable (docs/console.md); `oidc.*` nested. */
const CONSOLE_ENV: Record<string, string> = {
  AIRLOCK_CONSOLE: 'enabled',
  AIRLOCK_CONSOLE_PUBLIC_URL: 'publicUrl',
  AIRLOCK_CONSOLE_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
  AIRLOCK_CONSOLE_OIDC_ISSUER: 'oidc.issuer',
  AIRLOCK_CONSOLE_OIDC_CLIENT_ID: 'oidc.clientId',
  AIRLOCK_CONSOLE_OIDC_CLIENT_SECRET: 'oidc.clientSecret',
  AIRLOCK_CONSOLE_OIDC_CLAIM: 'oidc.claim',
  AIRLOCK_CONSOLE_OIDC_LINK: 'oidc.link',
  AIRLOCK_CONSOLE_OIDC_GROUP_CLAIM: 'oidc.groupClaim',
  AIRLOCK_CONSOLE_OIDC_GROUP_ROLES: 'oidc.groupRoles',
};
const DATABASE_NUMERIC = new Set(['poolSize', 'statementTimeoutMs', 'connectTimeoutMs']);
const JSON_VALUED = new Set(['webhooks']);
/** Comma-separated lists (`AIRLOCK_TRUSTED_PROXIES=10.0.0.1,10.1.0.0/16`). */
const LIST_VALUED = new Set(['trustedProxies']);
const NUMERIC = new Set(['anchorIntervalMs', 'maxInFlightDecisions', 'maxConnections', 'headersTimeoutMs', 'requestTimeoutMs', 'retryAfterSeconds', 'shutdownTimeoutMs', 'policyThreads', 'port', 'bodyLimitBytes', 'auditTimeoutMs', 'checkpointIntervalMs', 'usageFlushMs', 'authFailureBurst', 'authFailureRefillMs', 'approvalTtlMs', 'confirmationTtlMs', 'approvalMaxPendingPerRequester', 'grantTtlMs', 'delegationMaxDepth', 'delegationMaxTtlMs', 'elevationMaxTtlMs']);

/** Flags as commands pass them; `database: null` means "SQLite, whatever the environment says". */
export type ConfigFlags = { [K in keyof ConfigInput]?: K extends 'database' ? ConfigInput[K] | null : ConfigInput[K] };

/**
 * A validation failure as a person reads it: which setting, where it came from (flag or
 * environment variable, with the value given) and what it must be; never the schema's raw output.
 */
const SECRET_SETTING = /^database|secret|token|password|key|headers/i;

function inWords(error: z.ZodError, flags: ConfigFlags, env: NodeJS.ProcessEnv): string {
  const envName = (key: string) => Object.entries(ENV).find(([, k]) => k === key)?.[0] ?? Object.entries(CONSOLE_ENV).find(([, k]) => `console.${k}` === key)?.[0] ?? Object.entries(SLACK_ENV).find(([, k]) => `slack.${k}` === key)?.[0] ?? Object.entries(DATABASE_ENV).find(([, k]) => `database.${k}` === key)?.[0];
  return error.issues
    .map((issue) => {
      const key = issue.path.map(String).join('.');
      const fromFlag = issue.path.length > 0 && (flags as Record<string, unknown>)[String(issue.path[0])] !== undefined;
      const name = envName(key);
      // Values of settings that can hold credentials (database URLs, tokens, secrets) are never echoed.
      const shown = (v: unknown) =>
        SECRET_SETTING.test(key) ? '(value not shown)' : JSON.stringify(v)?.replace(/\/\/[^/@\s"]*@/g, '//***@');
      const source = fromFlag ? `(flag, value ${shown((flags as Record<string, unknown>)[String(issue.path[0])])})` : name && env[name] !== undefined ? `(${name}=${shown(env[name])})` : '';
      const what =
        issue.code === 'invalid_type' ? `must be ${issue.expected === 'number' ? 'a number' : issue.expected === 'string' ? 'text' : `of type ${issue.expected}`}`
        : issue.code === 'unrecognized_keys' ? `has unknown settings ${(issue as { keys: string[] }).keys.join(', ')}`
        : issue.code === 'invalid_value' ? `must be one of ${((issue as { values?: unknown[] }).values ?? []).map(String).join(', ')}`
        : issue.code === 'too_big' ? `must be at most ${String((issue as { maximum: unknown }).maximum)}`
        : issue.code === 'too_small' ? `must be at least ${String((issue as { minimum: unknown }).minimum)}`
        : issue.code === 'invalid_format' && (issue as { format?: string }).format === 'url' ? 'must be a URL such as http://127.0.0.1:8787'
        : issue.message.replace(/^Invalid input: /, '').replace(/^Too (small|big): expected number to be /, 'must be ');
      return `${key || 'the configuration'} ${source ? `${source} ` : ''}${what}`;
    })
    .join('; ');
}

/** `k1=v1,k2=v2` (values percent-encoded), the OTLP exporter header list format. */
function otlpHeaders(name: string, v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new AirlockError('ERR_CONFIG_INVALID', `${name} must be a list of key=value pairs`);
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      throw new AirlockError('ERR_CONFIG_INVALID', `${name} has a value that is not percent-encoded`);
    }
  }
  return out;
}

/**
 * Trace export from the standard OpenTelemetry variables (OpenTelemetry SDK environment variable
 * and OTLP exporter specifications): the traces endpoint is used as given, the generic endpoint
 * gets `/v1/traces` appended. Only OTLP over HTTP with JSON or protobuf bodies is spoken; a gRPC
 * endpoint is a configuration error rather than spans silently lost.
 */
function tracingFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const off = (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true' || (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase() === 'none';
  const specific = env['AIRLOCK_TRACING_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  const generic = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const endpoint = specific ? specific : generic ? `${generic.replace(/\/+$/, '')}/v1/traces` : undefined;
  if (off || !endpoint) return undefined;
  const protocol = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] || env['OTEL_EXPORTER_OTLP_PROTOCOL'] || 'http/json').trim();
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') throw new AirlockError('ERR_CONFIG_INVALID', `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: Airlock exports traces over OTLP/HTTP (http/json)`);
  const out: Record<string, unknown> = { endpoint };
  if (env['OTEL_SERVICE_NAME']) out['serviceName'] = env['OTEL_SERVICE_NAME'];
  const headerVar = env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] ? 'OTEL_EXPORTER_OTLP_TRACES_HEADERS' : env['OTEL_EXPORTER_OTLP_HEADERS'] ? 'OTEL_EXPORTER_OTLP_HEADERS' : undefined;
  if (headerVar) out['headers'] = otlpHeaders(headerVar, env[headerVar]!);
  if (env['AIRLOCK_TRACING_SAMPLE_RATIO']) out['sampleRatio'] = Number(env['AIRLOCK_TRACING_SAMPLE_RATIO']);
  return out;
}

/** Only the `tracing` settings, from the environment (edges that load no other configuration: `airlock mcp`, `airlock hook`). */
export function loadTracingConfig(env: NodeJS.ProcessEnv): Config['tracing'] {
  const t = tracingFromEnv(env);
  if (!t) return undefined;
  const parsed = configSchema.shape.tracing.safeParse(t);
  if (!parsed.success) throw new AirlockError('ERR_CONFIG_INVALID', `invalid configuration: ${inWords(new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: ['tracing', ...i.path] }))), {}, env)}`);
  return parsed.data;
}

/** Environment variables by config key (docs/operations.md lists them; a test checks the list). */
export const ENV_VARS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(Object.entries(ENV).map(([name, key]) => [key, name])),
  ...Object.fromEntries(Object.entries(SLACK_ENV).map(([name, key]) => [`slack.${key}`, name])),
  ...Object.fromEntries(Object.entries(DATABASE_ENV).map(([name, key]) => [`database.${key}`, name])),
  ...Object.fromEntries(Object.entries(CONSOLE_ENV).map(([name, key]) => [`console.${key}`, name])),
  // Airlock's own names; the standard OTEL_* variables work too (tracingFromEnv).
  'tracing.endpoint': 'AIRLOCK_TRACING_ENDPOINT',
  'tracing.sampleRatio': 'AIRLOCK_TRACING_SAMPLE_RATIO',
});

/** The YAML parser, loaded with the first config file read: a start without one does not load it. */
let yaml: typeof import('yaml') | undefined;

/**
 * Reads a YAML or JSON config file (YAML is a superset of JSON): an object whose keys are the
 * config keys (docs/operations.md). Validation happens once, after merging.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AirlockError('ERR_CONFIG_INVALID', `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  try {
    value = yaml.parse(text, { strict: true, uniqueKeys: true, maxAliasCount: 0 });
  } catch (e) {
    throw new AirlockError('ERR_CONFIG_INVALID', `config file ${path} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new AirlockError('ERR_CONFIG_INVALID', `config file ${path} must hold an object of settings`);
  return value as Record<string, unknown>;
}

/**
 * Merges defaults < config file < environment < flags and validates once. The file is `file`, else
 * `AIRLOCK_CONFIG`, else none. Throws ERR_CONFIG_INVALID.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, file?: string): Config {
  const path = file ?? (env['AIRLOCK_CONFIG'] || undefined);
  const fromFile = path ? readConfigFile(path) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (JSON_VALUED.has(key)) {
      try {
        merged[key] = JSON.parse(v);
      } catch {
        throw new AirlockError('ERR_CONFIG_INVALID', `${name} is not valid JSON`);
      }
    } else if (LIST_VALUED.has(key)) merged[key] = v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    else merged[key] = NUMERIC.has(key) ? Number(v) : v;
  }
  const slack: Record<string, string> = {};
  for (const [name, key] of Object.entries(SLACK_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') slack[key] = v;
  }
  if (Object.keys(slack).length > 0) {
    // Environment values refine the file's slack settings field by field.
    const base = fromFile['slack'];
    merged['slack'] = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as object), ...slack } : slack;
  }
  const database: Record<string, string | number> = {};
  for (const [name, key] of Object.entries(DATABASE_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') database[key] = DATABASE_NUMERIC.has(key) ? Number(v) : v;
  }
  const consoleCfg: Record<string, unknown> = {};
  const oidc: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(CONSOLE_ENV)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (key === 'enabled') {
      if (!['on', 'off', 'true', 'false', '1', '0'].includes(v)) throw new AirlockError('ERR_CONFIG_INVALID', `invalid configuration: console.enabled (${name}=${JSON.stringify(v)}) must be on or off`);
      consoleCfg[key] = v === 'on' || v === 'true' || v === '1';
    } else if (key === 'idleTimeoutMs') consoleCfg[key] = Number(v);
    else if (key === 'oidc.groupRoles') {
      try {
        oidc['groupRoles'] = JSON.parse(v);
      } catch {
        throw new AirlockError('ERR_CONFIG_INVALID', `${name} is not valid JSON`);
      }
    } else if (key.startsWith('oidc.')) oidc[key.slice(5)] = v;
    else consoleCfg[key] = v;
  }
  if (Object.keys(consoleCfg).length > 0 || Object.keys(oidc).length > 0) {
    // Environment values refine the file's console settings (and its oidc block) field by field.
    const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    const base = isObj(fromFile['console']) ? fromFile['console'] : {};
    const baseOidc = isObj(base['oidc']) ? base['oidc'] : {};
    merged['console'] = { ...base, ...consoleCfg, ...(Object.keys(oidc).length > 0 ? { oidc: { ...baseOidc, ...oidc } } : {}) };
  }
  const tracing = tracingFromEnv(env);
  if (tracing) merged['tracing'] = tracing;
  // Tuning without a URL selects nothing: the store stays SQLite.
  if (database['url'] !== undefined) merged['database'] = database;
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    // `database: null` (from `--store sqlite`) drops a database the environment selected.
    if (k === 'database' && v === null) {
      delete merged['database'];
      continue;
    }
    if (k === 'database' && typeof v === 'object') {
      merged[k] = { ...database, ...(v as object) };
      continue;
    }
    // A flag object for slack refines the environment's settings field by field.
    merged[k] = (k === 'slack' || k === 'console') && typeof v === 'object' && v !== null ? { ...((merged[k] as object | undefined) ?? {}), ...(v as object) } : v;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new AirlockError('ERR_CONFIG_INVALID', `invalid configuration${path ? ` (file ${path}, environment, flags)` : ''}: ${inWords(parsed.error, flags, env)}`);
  // Settings that are each valid but contradict each other (Node refuses them at listen).
  if (parsed.data.headersTimeoutMs > parsed.data.requestTimeoutMs) {
    throw new AirlockError(
      'ERR_CONFIG_INVALID',
      `invalid configuration${path ? ` (file ${path}, environment, flags)` : ''}: headersTimeoutMs (${parsed.data.headersTimeoutMs}) must be at most requestTimeoutMs (${parsed.data.requestTimeoutMs}): the headers are part of the request`,
    );
  }
  return Object.freeze(parsed.data);
}
