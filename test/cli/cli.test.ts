/**
 * The CLI a newcomer meets (issue 13) and what each command loads (issue 14): the command list
 * without loading any command, unknown words named, configuration errors in words, one set of
 * connection flags, `airlock` reachable after `npm install -g .`, and a hook path whose static
 * module graph reaches none of SQLite, Cedar, tree-sitter, Fastify or zod.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLoaders, commandSummaries, subcommands } from '../../src/cli/registry.js';
import { startGateway, type StartedGateway } from '../helpers/server.js';

const CLI = resolve('dist/cli/main.js');

function run(file: string, args: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(file, args, { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      done({ code, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}
const airlock = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [CLI, ...args], env);

describe('airlock --help and unknown words', () => {
  it('--help lists every command with the summary the command itself declares (no command is loaded for it)', async () => {
    expect(Object.keys(commandSummaries)).toEqual(Object.keys(commandLoaders));
    for (const [name, load] of Object.entries(commandLoaders)) expect(commandSummaries[name], name).toBe((await load()).summary);
    const r = await airlock(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(commandLoaders)) expect(r.stdout).toContain(`  ${name.padEnd(12)} ${commandSummaries[name]}`);
    expect(r.stdout).toMatch(/--gateway URL .*--key-file FILE/s);
  }, 120_000);

  it('an unknown command is named, with the closest command', async () => {
    const r = await airlock(['idenity', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('airlock: unknown command "idenity" (did you mean "identity"?); `airlock --help` lists the commands\n');
  }, 60_000);

  it('an unknown subcommand is named, with the ones that exist', async () => {
    const r = await airlock(['approvals', 'lst']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('airlock approvals: unknown subcommand "lst" (did you mean "list"?); one of: list, show\n');
    const far = await airlock(['identity', 'frobnicate']);
    expect(far.stderr).toBe(`airlock identity: unknown subcommand "frobnicate"; one of: ${subcommands['identity']!.join(', ')}\n`);
  }, 60_000);

  it('every listed subcommand is one the command really handles (its help names it)', async () => {
    for (const [name, subs] of Object.entries(subcommands)) {
      const help = (await commandLoaders[name]!()).help;
      for (const sub of subs) expect(help, `${name} ${sub}`).toContain(sub);
    }
  }, 120_000);
});

describe('configuration errors in words, never the schema output', () => {
  it('names the setting, the variable and its value, and what it must be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
    const cases: Array<[Record<string, string>, string]> = [
      [{ AIRLOCK_PORT: 'abc' }, 'port (AIRLOCK_PORT="abc") must be a number'],
      [{ AIRLOCK_PORT: '99999999' }, 'port (AIRLOCK_PORT="99999999") must be at most 65535'],
      [{ AIRLOCK_LOG_LEVEL: 'loud' }, 'logLevel (AIRLOCK_LOG_LEVEL="loud") must be one of fatal, error, warn, info, debug, trace, silent'],
      [{ AIRLOCK_URL: 'not a url' }, 'serverUrl (AIRLOCK_URL="not a url") must be a URL such as http://127.0.0.1:8787'],
    ];
    for (const [env, words] of cases) {
      const r = await airlock(['audit', 'head', '--data-dir', dir], env);
      expect(r.code, JSON.stringify(env)).toBe(2);
      expect(r.stderr).toBe(`airlock: ERR_CONFIG_INVALID: invalid configuration: ${words}\n`);
      expect(r.stderr).not.toMatch(/✖|→ at|Invalid input/);
    }
  }, 240_000);
});

describe('one set of connection flags: --gateway and --key-file (or --key), --url kept as an alias', () => {
  let gw: StartedGateway;
  let keyFile = '';
  beforeAll(async () => {
    gw = await startGateway({ policies: resolve('policies/example'), pep: false });
    keyFile = join(mkdtempSync(join(tmpdir(), 'airlock-cli-')), 'admin.key');
    writeFileSync(keyFile, gw.adminKey + '\n', { mode: 0o600 });
  }, 120_000);
  afterAll(async () => gw?.close());

  it('approvals, identity and delegations all answer with --gateway/--key-file, and the same with --url/--key', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
    for (const cmd of [['approvals', 'list', '--json'], ['identity', 'list', '--json'], ['delegations', 'list', '--json']]) {
      const a = await airlock([...cmd, '--data-dir', empty, '--gateway', gw.url, '--key-file', keyFile]);
      expect(a.code, `${cmd.join(' ')}: ${a.stderr}`).toBe(0);
      const b = await airlock([...cmd, '--data-dir', empty, '--url', gw.url, '--key', gw.adminKey]);
      expect(b.code, cmd.join(' ')).toBe(0);
      expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
    }
  }, 300_000);

  it('--gateway and --url that disagree, --key with --key-file, or an unreadable key file are refused in words', async () => {
    const a = await airlock(['approvals', 'list', '--gateway', gw.url, '--url', 'http://127.0.0.1:9', '--key', 'k']);
    expect(a.stderr).toMatch(/--gateway and --url \(its old name\) disagree/);
    const b = await airlock(['approvals', 'list', '--gateway', gw.url, '--key', 'k', '--key-file', keyFile]);
    expect(b.stderr).toMatch(/--key-file and --key exclude each other/);
    const c = await airlock(['identity', 'list', '--gateway', gw.url, '--key-file', '/nonexistent/key']);
    expect(c.stderr).toMatch(/cannot read the key file \/nonexistent\/key \(ENOENT\)/);
  }, 180_000);
});

describe('the airlock command after install', () => {
  it('`npm install -g .` puts a working `airlock` on PATH (offline: a link to this checkout)', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'airlock-prefix-'));
    const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    const npm = existsSync(npmCli) ? [process.execPath, npmCli] : ['npm'];
    const inst = await run(npm[0]!, [...npm.slice(1), 'install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], { npm_config_cache: join(prefix, 'cache') });
    expect(inst.code, inst.stderr).toBe(0);
    const bin = join(prefix, 'bin');
    const v = await run(join(bin, 'airlock'), ['--version']);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    // …and hook install --use-path finds it there.
    const settings = join(prefix, 'settings.json');
    const r = await airlock(['hook', 'install', 'claude-code', '--settings', settings, '--subject', 'a', '--embedded', '--use-path'], { PATH: `${bin}:${process.env['PATH']}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`\`airlock\` is on PATH (${join(bin, 'airlock')})`);
  }, 180_000);
});

describe('each command loads only what it uses (issue 14)', () => {
  /** Every module reachable from `entry` through static imports (dynamic import() not followed). */
  function staticGraph(entry: string): Set<string> {
    const seen = new Set<string>();
    const todo = [entry];
    while (todo.length > 0) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      if (!file.startsWith('/')) continue; // a package: not walked further, its name is enough
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
        const spec = (m[1] ?? m[2])!;
        if (/^(import|export)\s+type\s/.test(m[0].trim())) continue;
        if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec));
        else if (!spec.startsWith('node:')) todo.push(spec);
      }
    }
    return seen;
  }
  const HEAVY = [/better-sqlite3/, /@cedar-policy/, /tree-sitter/, /^fastify/, /^zod/, /^pg$/, /@modelcontextprotocol/, /^pino/, /^jose/];

  it('main.js, the command registry and `airlock hook` (gateway path) statically reach no heavy package', () => {
    for (const entry of ['dist/cli/main.js', 'dist/cli/commands/hook.js']) {
      const graph = [...staticGraph(resolve(entry))];
      const heavy = graph.filter((m) => HEAVY.some((h) => h.test(m)));
      expect(heavy, entry).toEqual([]);
      expect(graph.filter((m) => /\/(runtime|store|policy|commands\/analy|gateway)\//.test(m)), entry).toEqual([]);
    }
  });
});
