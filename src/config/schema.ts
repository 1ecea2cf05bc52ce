import { z } from 'zod';

/** Airlock's configuration. Unknown keys are errors; every field has a default. */
export const configSchema = z.strictObject({
  /** Directory for the SQLite database, keys and the bootstrap admin key. Default `.airlock`. */
  dataDir: z.string().min(1).default('.airlock'),
  /** Policy bundle directory. Default `policies/example`. */
  policies: z.string().min(1).default('policies/example'),
  /** Address to listen on. Default `127.0.0.1`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port. Default 8787. */
  port: z.number().int().min(0).max(65535).default(8787),
  /** Base URL advertised in discovery documents. Default `http://<host>:<port>`. */
  publicUrl: z.url().optional(),
  /** Largest accepted request body, bytes. Default 1 MiB. */
  bodyLimitBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1_048_576),
  /** Longest a decision waits for its audit record to commit before it is denied, ms. Default 2000. */
  auditTimeoutMs: z.number().int().positive().default(2000),
  /** How often the audit head is signed (only when it moved), ms; 0 = only at shutdown. Default 60000. */
  checkpointIntervalMs: z.number().int().nonnegative().default(60_000),
  /** Audit chain writer id of this process. Default `main`. */
  writerId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('main'),
  /** How often batched `lastUsedAt` updates are written, ms (no write per decision). Default 5000. */
  usageFlushMs: z.number().int().nonnegative().default(5000),
  /** Failed authentications one (source address, key id) may make in a burst before 429. Default 20. */
  authFailureBurst: z.number().int().positive().default(20),
  /** One failed-attempt token comes back every this many ms (per address and key id). Default 3000. */
  authFailureRefillMs: z.number().int().positive().default(3000),
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (IPs or CIDRs, env
   * AIRLOCK_TRUSTED_PROXIES comma-separated). Default none: the client is the socket's peer and the
   * header is ignored, so no client can pick its own rate-limit bucket.
   */
  trustedProxies: z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])).default([]),
  /** CLI: URL of a running gateway to talk to (env AIRLOCK_URL). */
  serverUrl: z.url().optional(),
  /** CLI: API key for the gateway (env AIRLOCK_KEY); default `<dataDir>/admin.key`. */
  apiKey: z.string().min(1).optional(),
  /** JSON file adding programs and sensitive targets to the command analyzer's catalog (env AIRLOCK_COMMAND_CATALOG; format in docs/commands.md). */
  commandCatalog: z.string().min(1).optional(),
  /** How long an approval request stays open when the policy sets no `@approval_ttl`, ms. Default 15 min. */
  approvalTtlMs: z.number().int().positive().default(15 * 60_000),
  /** Most pending approvals and confirmations one requester may have open; beyond it, deny `approval_limit`. Default 50. */
  approvalMaxPendingPerRequester: z.number().int().min(1).max(999).default(50),
  /** How long a confirmation stays open, ms. Default 5 min. */
  confirmationTtlMs: z.number().int().positive().default(5 * 60_000),
  /** Lifetime of an execution grant, ms (never longer than the approval it used). Default 60 s. */
  grantTtlMs: z.number().int().positive().max(3_600_000).default(60_000),
  /** Longest delegation path (root link = 1); lowering it also refuses deeper tokens already issued. Default 4, at most 16. */
  delegationMaxDepth: z.number().int().min(1).max(16).default(4),
  /** Longest lifetime of one delegation link, ms. Default 24 h. */
  delegationMaxTtlMs: z.number().int().min(1000).max(7 * 24 * 3_600_000).default(24 * 3_600_000),
  /** Longest just-in-time elevation anyone may ask for, ms, whatever a policy permits (docs/elevation.md). Default 8 h, at most 7 days. */
  elevationMaxTtlMs: z.number().int().min(60_000).max(7 * 24 * 3_600_000).default(8 * 3_600_000),
  /** `iss` of grants and tokens. Default `airlock`. */
  issuer: z.string().min(1).max(200).default('airlock'),
  /**
   * Outbound webhooks (env AIRLOCK_WEBHOOKS as JSON): `[{url, secret, events?}]`, events from
   * `approval.created`, `approval.decided`. Signed with HMAC-SHA256 (`X-Airlock-Signature`).
   */
  webhooks: z
    .array(z.strictObject({ url: z.url({ protocol: /^https?$/ }), secret: z.string().min(16), events: z.array(z.enum(['approval.created', 'approval.decided'])).optional() }))
    .max(20)
    .default([]),
  /**
   * Slack approvals (docs/chat.md). Unset: no Slack routes, nothing posted. Env
   * `AIRLOCK_SLACK_SIGNING_SECRET`, `AIRLOCK_SLACK_BOT_TOKEN`, `AIRLOCK_SLACK_APPROVALS_CHANNEL`,
   * `AIRLOCK_SLACK_API_URL`, `AIRLOCK_SLACK_TEAM_ID`, `AIRLOCK_SLACK_WORKSPACE_URL`.
   */
  slack: z
    .strictObject({
      /** The app's signing secret (Basic Information → App Credentials); verifies every callback. */
      signingSecret: z.string().min(16).max(256),
      /** Bot token `xoxb-…` (scopes `chat:write`, `commands`). */
      botToken: z.string().regex(/^xoxb-[A-Za-z0-9-]{1,250}$/, 'a bot token xoxb-…'),
      /** Channel id (`C…`) approval messages are posted to; the app must be a member. */
      approvalsChannel: z.string().regex(/^[A-Z0-9]{2,32}$/, 'a Slack channel id like C0123ABCD'),
      /** Slack Web API base URL. Default `https://slack.com/api/` (tests point it at a stand-in). */
      apiUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** The one workspace (team id `T…`) allowed to call in; unset: the signing secret's app decides. */
      teamId: z.string().regex(/^[A-Z0-9]{2,32}$/, 'a Slack team id like T0123ABCD').optional(),
      /** `https://acme.slack.com`: approval messages link to the original message. */
      workspaceUrl: z.url({ protocol: /^https$/ }).optional(),
    })
    .optional(),
  /**
   * PostgreSQL store (docs/deployment.md). Unset: SQLite in `dataDir` (the embedded default).
   * Env `AIRLOCK_DATABASE_URL` (or `--store postgres://…`), `AIRLOCK_DATABASE_POOL_SIZE`,
   * `AIRLOCK_DATABASE_STATEMENT_TIMEOUT_MS`, `AIRLOCK_DATABASE_CONNECT_TIMEOUT_MS`,
   * `AIRLOCK_DATABASE_MIGRATIONS`, `AIRLOCK_DATABASE_TLS`, `AIRLOCK_DATABASE_CA_FILE`.
   */
  database: z
    .strictObject({
      /** `postgres://user:password@host:port/db`; the password is never logged. */
      url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// URL'),
      /** Most connections one process opens. Default 10. */
      poolSize: z.number().int().min(1).max(500).default(10),
      /** A statement running longer fails (a decision waiting on it is a deny), ms. Default 5000. */
      statementTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
      /** Longest wait for a new connection, ms. Default 5000. */
      connectTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
      /** `auto`: apply pending migrations at start (under an advisory lock); `verify`: refuse to start until `airlock db migrate` ran. Default `auto`. */
      migrations: z.enum(['auto', 'verify']).default('auto'),
      /**
       * TLS to the database. `disable`; `require` (encrypted, server certificate not checked);
       * `verify-full` (encrypted, certificate and host name checked against `caFile` or the system
       * CAs). Unset: as the URL's `sslmode` says.
       */
      tls: z.enum(['disable', 'require', 'verify-full']).optional(),
      /** PEM file of the CA that signed the server's certificate (with `verify-full`). */
      caFile: z.string().min(1).optional(),
    })
    .optional(),
  /**
   * Where signing keys (grants, delegation tokens, audit checkpoints) come from: `file` (a JSON key
   * file, mode 0600, never the database) or `env` (`AIRLOCK_SIGNING_KEYS`, read-only). Default `file`.
   */
  keyProvider: z.enum(['file', 'env']).default('file'),
  /** The key file of the `file` provider. Default `<dataDir>/keys.json`. */
  keyFile: z.string().min(1).optional(),
  /** The key document of the `env` provider (the key file's JSON), from `AIRLOCK_SIGNING_KEYS`. */
  signingKeys: z.string().min(2).optional(),
  /**
   * A directory outside the data directory where signed audit heads are written (`audit anchor`),
   * so a cut tail is detectable even if the database and its checkpoints are rewritten. Unset: none.
   */
  anchorDir: z.string().min(1).optional(),
  /** How often `serve` writes an anchor when `anchorDir` is set, ms; 0 = only at shutdown. Default 60000. */
  anchorIntervalMs: z.number().int().nonnegative().default(60_000),
  /** Most decision requests processed at once; more are answered 503 + Retry-After. Default 256. */
  maxInFlightDecisions: z.number().int().positive().max(100_000).default(256),
  /** Most open client connections; more are answered 503 + Retry-After and closed. Default 1024. */
  maxConnections: z.number().int().positive().max(1_000_000).default(1024),
  /** A client must send its complete request headers within this many ms. Default 10000. */
  headersTimeoutMs: z.number().int().min(500).max(300_000).default(10_000),
  /** A whole request (headers and body) must arrive within this many ms. Default 30000. */
  requestTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  /** Seconds named in `Retry-After` when load is shed. Default 1. */
  retryAfterSeconds: z.number().int().min(1).max(3600).default(1),
  /**
   * Worker threads that run Cedar evaluation for the decision path (runtime/policy-threads.ts);
   * 0 = on the event loop. Unset: `serve` runs one on a machine with two or more cores; other
   * commands (and the embedded MCP proxy) evaluate on the event loop.
   */
  policyThreads: z.number().int().min(0).max(16).optional(),
  /** On SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway, ms. Default 10000. */
  shutdownTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /**
   * The approver console at `/console` (docs/console.md). Env `AIRLOCK_CONSOLE` (`on`/`off`),
   * `AIRLOCK_CONSOLE_PUBLIC_URL`, `AIRLOCK_CONSOLE_IDLE_TIMEOUT_MS`, `AIRLOCK_CONSOLE_OIDC_ISSUER`,
   * `AIRLOCK_CONSOLE_OIDC_CLIENT_ID`, `AIRLOCK_CONSOLE_OIDC_CLIENT_SECRET`, `AIRLOCK_CONSOLE_OIDC_CLAIM`,
   * `AIRLOCK_CONSOLE_OIDC_LINK`, `AIRLOCK_CONSOLE_OIDC_GROUP_CLAIM`, `AIRLOCK_CONSOLE_OIDC_GROUP_ROLES` (JSON).
   */
  console: z
    .strictObject({
      /** Serve `/console`. Unset: on when the gateway listens on loopback, off elsewhere. */
      enabled: z.boolean().optional(),
      /** Base URL people reach the console at (behind a reverse proxy); default `publicUrl`, then the listen address. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** A session unused this long ends, ms. Default 15 min. */
      idleTimeoutMs: z.number().int().min(10_000).max(24 * 3_600_000).default(15 * 60_000),
      /** Sign-in with the company's OpenID Connect provider (authorization code + PKCE). */
      oidc: z
        .strictObject({
          /** Issuer URL (its `/.well-known/openid-configuration` is read at start). https, or http on loopback only. */
          issuer: z.url({ protocol: /^https?$/ }),
          clientId: z.string().min(1).max(500),
          /** Confidential client secret; unset: a public client (PKCE only). */
          clientSecret: z.string().min(1).max(2000).optional(),
          /** ID token claim that names the person. Default `email`. */
          claim: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).default('email'),
          /** Which registered Human it names: `id`, `email`, or a key of the Human's `links`. Default `oidc`. */
          link: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).default('oidc'),
          /** ID token claim listing the person's groups at the IdP (e.g. `groups`). */
          groupClaim: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).optional(),
          /** IdP group → console roles. Set: the person's roles are those of the registry that an IdP group also grants. */
          groupRoles: z.record(z.string().min(1).max(200), z.array(z.enum(['admin', 'approver', 'auditor']))).optional(),
        })
        .optional(),
    })
    .default({ idleTimeoutMs: 15 * 60_000 }),
  /**
   * OpenTelemetry trace export over OTLP/HTTP (JSON), docs/observability.md. Unset: no spans are
   * recorded and the SDK is never loaded. Env: the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   * (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended), `OTEL_SERVICE_NAME`,
   * `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER=none`,
   * and `AIRLOCK_TRACING_SAMPLE_RATIO`.
   */
  tracing: z
    .strictObject({
      /** The OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
      endpoint: z.url({ protocol: /^https?$/ }),
      /** `service.name` of the spans. Default `airlock`. */
      serviceName: z.string().min(1).max(200).default('airlock'),
      /** Extra HTTP headers sent to the receiver (e.g. an API key of the tracing backend); never logged. */
      headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/), z.string().max(4096)).default({}),
      /** Share of new traces recorded, 0..1; a caller's `traceparent` sampled flag is followed. Default 1. */
      sampleRatio: z.number().min(0).max(1).default(1),
    })
    .optional(),
  /** pino log level. Default `info`. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;
