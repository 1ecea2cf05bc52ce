/**
 * `airlock hook install claude-code`: merges Airlock's PreToolUse/PostToolUse hooks into a Claude
 * Code settings file. Existing settings are kept; a previous Airlock entry is replaced (idempotent);
 * the file is backed up before it changes and written atomically. Every handler gets an explicit
 * `timeout` and `onFailure: "block"`, so a hook that fails blocks the call instead of letting it
 * through (standards §4.1).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError } from '../../core/errors.js';

export interface InstallOptions {
  settingsFile: string;
  /** Command hook: the full command line to run. */
  command?: string;
  /** HTTP hook: the gateway URL; the key is read from the env var named by `keyEnv`. */
  http?: { url: string; keyEnv: string };
  /** Seconds. @defaultValue 30 */
  timeoutS?: number;
  /** Tool-name regex. @defaultValue '*' (every tool) */
  matcher?: string;
  /** Clock for the backup name (tests). */
  now?: () => Date;
}

export interface InstallResult {
  file: string;
  changed: boolean;
  backup?: string;
  settings: Record<string, unknown>;
}

type Handler = Record<string, unknown>;
type Entry = { matcher?: string; hooks?: Handler[] };

const isOurs = (h: Handler): boolean =>
  (typeof h['command'] === 'string' && /(^|[\s/'])(airlock|main\.js)(\.js)?'?\s+hook\s+claude-code\b/.test(h['command'])) ||
  (typeof h['url'] === 'string' && /\/v1\/hooks\/claude-code$/.test(h['url']));

function handler(opts: InstallOptions): Handler {
  const timeout = opts.timeoutS ?? 30;
  if (opts.http) {
    return {
      type: 'http',
      url: `${opts.http.url.replace(/\/+$/, '')}/v1/hooks/claude-code`,
      headers: { Authorization: `Bearer $${opts.http.keyEnv}` },
      allowedEnvVars: [opts.http.keyEnv],
      timeout,
      onFailure: 'block',
    };
  }
  if (!opts.command) throw new TypeError('command or http is required');
  return { type: 'command', command: opts.command, timeout, onFailure: 'block' };
}

function merge(entries: unknown, h: Handler, matcher: string): Entry[] {
  const list: Entry[] = Array.isArray(entries) ? (entries as Entry[]).map((e) => ({ ...e, hooks: Array.isArray(e?.hooks) ? e.hooks.filter((x) => !isOurs(x)) : e?.hooks })) : [];
  const kept = list.filter((e) => !Array.isArray(e.hooks) || e.hooks.length > 0);
  // Airlock goes first: all matching hooks run, deny wins (standards §4.1), order is for readers.
  return [{ matcher, hooks: [h] }, ...kept];
}

export function installClaudeCodeHook(opts: InstallOptions): InstallResult {
  const file = opts.settingsFile;
  let settings: Record<string, unknown> = {};
  let before = '';
  if (existsSync(file)) {
    before = readFileSync(file, 'utf8');
    if (before.trim() !== '') {
      try {
        const v: unknown = JSON.parse(before);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
        settings = v as Record<string, unknown>;
      } catch (e) {
        throw new AirlockError('ERR_CONFIG_INVALID', `${file} is not a JSON settings object (${(e as Error).message}); left unchanged`);
      }
    }
  }
  const hooks = typeof settings['hooks'] === 'object' && settings['hooks'] !== null && !Array.isArray(settings['hooks']) ? { ...(settings['hooks'] as Record<string, unknown>) } : {};
  const h = handler(opts);
  const matcher = opts.matcher ?? '*';
  hooks['PreToolUse'] = merge(hooks['PreToolUse'], h, matcher);
  hooks['PostToolUse'] = merge(hooks['PostToolUse'], h, matcher);
  const next = { ...settings, hooks };
  const text = JSON.stringify(next, null, 2) + '\n';
  if (text === before) return { file, changed: false, settings: next };
  let backup: string | undefined;
  mkdirSync(dirname(file), { recursive: true });
  if (before !== '') {
    backup = `${file}.airlock-backup-${(opts.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(file, backup);
  }
  const tmp = `${file}.airlock-tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  return { file, changed: true, settings: next, ...(backup ? { backup } : {}) };
}
