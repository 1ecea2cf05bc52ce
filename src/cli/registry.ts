import type { CliCommand } from './command.js';

/**
 * Every CLI command, in the order `airlock --help` lists them. Commands are loaded lazily so that
 * `airlock check` does not pay for SQLite and `airlock serve` does not pay for tree-sitter.
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
  approvals: async () => (await import('./commands/approvals.js')).approvals,
  approve: async () => (await import('./commands/approvals.js')).approve,
  deny: async () => (await import('./commands/approvals.js')).deny,
  confirm: async () => (await import('./commands/approvals.js')).confirm,
  evidence: async () => (await import('./commands/approvals.js')).evidence,
  keys: async () => (await import('./commands/approvals.js')).keysCommand,
  db: async () => (await import('./commands/db.js')).command,
};
