import type { CliCommand } from './command.js';

/**
 * Every CLI command, in the order `airlock --help` lists them. Commands are loaded lazily, one per
 * process, so that `airlock hook` does not pay for SQLite, Cedar or tree-sitter and `airlock serve`
 * does not pay for the hooks (issue 14). Nothing here may import a command module statically.
 */
export const commandLoaders: Record<string, () => Promise<CliCommand>> = {
  serve: async () => (await import('./commands/serve.js')).command,
  authorize: async () => (await import('./commands/authorize.js')).command,
  policy: async () => (await import('./commands/policy.js')).command,
  audit: async () => (await import('./commands/audit.js')).command,
  identity: async () => (await import('./commands/identity.js')).command,
  human: async () => (await import('./commands/human.js')).command,
  check: async () => (await import('./commands/check.js')).command,
  exec: async () => (await import('./commands/exec.js')).command,
  'shell-init': async () => (await import('./commands/shell-init.js')).command,
  mcp: async () => (await import('./commands/mcp.js')).command,
  hook: async () => (await import('./commands/hook.js')).command,
  delegate: async () => (await import('./commands/delegate.js')).command,
  delegations: async () => (await import('./commands/delegations.js')).command,
  elevate: async () => (await import('./commands/elevate.js')).command,
  approvals: async () => (await import('./commands/approvals.js')).approvals,
  approve: async () => (await import('./commands/approvals.js')).approve,
  deny: async () => (await import('./commands/approvals.js')).deny,
  confirm: async () => (await import('./commands/approvals.js')).confirm,
  evidence: async () => (await import('./commands/approvals.js')).evidence,
  keys: async () => (await import('./commands/approvals.js')).keysCommand,
  db: async () => (await import('./commands/db.js')).command,
};

/**
 * The one-line summaries `airlock --help` prints, so that it loads no command at all. Pinned equal
 * to each command's own `summary` by test/cli/cli.test.ts.
 */
export const commandSummaries: Record<string, string> = {
  serve: 'run the HTTP gateway (AuthZEN + Airlock API)',
  authorize: 'decide one request in process (same pipeline, audited)',
  policy: 'validate a policy bundle or run its tests',
  audit: 'verify, export or anchor the hash-chained audit log',
  identity: 'manage NHIs and their API keys; inventory report',
  human: 'manage humans (owners, admins, auditors, approvers) and their keys',
  check: 'Explain a shell command and flag what makes it risky',
  exec: 'analyze, authorize and then run a shell command (exactly the analyzed bytes)',
  'shell-init': 'Print a bash/zsh snippet that checks every command line with airlock check',
  mcp: 'MCP proxy that authorizes every tools/call (stdio or Streamable HTTP)',
  hook: 'Coding-agent hooks (Claude Code, Codex, Gemini, Cursor) and their installation',
  delegate: 'delegate a scope to an agent for a while; prints the delegation token',
  delegations: 'list, show and revoke delegation links (revoking one revokes everything below it)',
  elevate: 'ask for time-boxed group membership (just-in-time elevation); list or revoke elevations',
  approvals: 'list and show approval and confirmation requests',
  approve: 'approve a pending request (shows it first, asks y/N)',
  deny: 'deny a pending request',
  confirm: 'confirm an action you initiated (confirmation_required)',
  evidence: 'show the evidence record of one action (request → approvals → grant → execution → reversal)',
  keys: 'rotate the signing keys of grants (old keys stay in the JWKS)',
  db: 'migrate or show the PostgreSQL schema',
};

/**
 * The first word each command with subcommands accepts, so that `airlock identity frobnicate`
 * names the unknown word instead of printing usage (or, worse, trying it as an id).
 */
export const subcommands: Record<string, readonly string[]> = {
  policy: ['validate', 'test'],
  audit: ['verify', 'export', 'head', 'anchor'],
  identity: ['create', 'list', 'report', 'show', 'suspend', 'resume', 'retire', 'key'],
  human: ['create', 'list', 'show', 'suspend', 'resume', 'retire', 'key'],
  'shell-init': ['bash', 'zsh'],
  hook: ['claude-code', 'codex', 'gemini', 'cursor', 'generic', 'install'],
  delegations: ['list', 'show', 'path', 'revoke'],
  approvals: ['list', 'show'],
  evidence: ['show'],
  keys: ['rotate'],
  db: ['migrate', 'status'],
};
