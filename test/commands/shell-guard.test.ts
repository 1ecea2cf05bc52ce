/**
 * The shell guard for real: bash and zsh under tmux (send-keys, capture-pane), calling the built
 * CLI. Every command typed here is harmless even if the guard failed to block it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/run-process.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/main.js');
const has = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
// tmux and bash run every case, zsh only its own; CI installs all three, so there nothing skips.
const CI = process.env['CI'] === 'true';
const available = new Set(['tmux', 'bash', 'zsh'].filter(has));
const runs = (bin: string): boolean => CI || available.has(bin);
const socket = `airlock-guard-test-${process.pid}`;
let dir = '';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

function screen(name: string): string {
  // The whole history: with a bounded window, old prompts scroll out and prompt counts stop growing.
  return tmux('capture-pane', '-t', name, '-p', '-S', '-');
}

// Generous: every checked line starts a Node process, which takes seconds on a loaded 2-core CI box.
async function waitFor(name: string, pred: (s: string) => boolean, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen(name);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

/** Types a line and waits until the shell shows its prompt again (or the y/N question). */
async function type(name: string, prompt: string, line: string, expectQuestion = false): Promise<string> {
  const before = screen(name).split(prompt).length;
  tmux('send-keys', '-t', name, '-l', line);
  tmux('send-keys', '-t', name, 'Enter');
  return waitFor(name, (s) => (expectQuestion ? s.includes('[y/N]') && s.split('[y/N]').length > before - (before - 1) : s.trimEnd().endsWith(prompt.trim()) && s.split(prompt).length > before));
}

beforeAll(async () => {
  if (!runs('tmux') || !runs('bash')) return;
  const missing = ['tmux', 'bash', 'zsh'].filter((b) => !available.has(b));
  if (missing.length > 0) throw new Error(`CI=true but ${missing.join(', ')} not installed (.ci/run installs them)`);
  dir = mkdtempSync(join(tmpdir(), 'airlock-guard-'));
  const bin = join(dir, 'airlock');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(bin, 0o755);
  for (const sh of ['bash', 'zsh'].filter(runs)) {
    const init = await runProcess(process.execPath, [cli, 'shell-init', sh], { timeout: 120_000 });
    if (init.status !== 0) throw new Error(`airlock shell-init ${sh} failed: ${init.stderr}`);
    writeFileSync(join(dir, `guard.${sh}`), init.stdout);
  }
  writeFileSync(join(dir, 'rc.bash'), `PS1='BASH$ '\nexport AIRLOCK_BIN=${bin}\nsource ${dir}/guard.bash\n`);
  mkdirSync(join(dir, 'zdot'));
  writeFileSync(join(dir, 'zdot', '.zshrc'), `PS1='ZSH%% '\nexport AIRLOCK_BIN=${bin}\nsource ${dir}/guard.zsh\n`);
});

afterAll(() => {
  if (available.has('tmux')) spawnSync('tmux', ['-L', socket, 'kill-server']);
  // The shells may still be writing their history files as tmux stops them: retry, never fail on cleanup.
  if (dir) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      /* a temp dir left behind is not a test failure */
    }
  }
});

const shellsUnderTest = [
  { name: 'bash', prompt: 'BASH$ ', start: (d: string) => `env -i HOME=${d} PATH=${process.env['PATH']} TERM=xterm bash --noprofile --rcfile ${d}/rc.bash -i` },
  { name: 'zsh', prompt: 'ZSH% ', start: (d: string) => `env -i HOME=${d} PATH=${process.env['PATH']} TERM=xterm ZDOTDIR=${d}/zdot zsh -i` },
];

const skipped = (bins: string[]) => bins.filter((b) => !runs(b));
describe.skipIf(skipped(['tmux', 'bash']).length > 0)(`shell guard under tmux${skipped(['tmux', 'bash']).length > 0 ? ` (skipped: ${skipped(['tmux', 'bash']).join(', ')} not installed)` : ''}`, { timeout: 120_000 }, () => {
  for (const { name, prompt, start } of shellsUnderTest) describe.skipIf(!runs(name))(`${name}${runs(name) ? '' : ' (skipped: not installed)'}`, () => {
    beforeAll(async () => {
      if (!existsSync(cli)) throw new Error('build first: npm run build');
      tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '60', start(dir));
      await waitFor(name, (s) => s.includes(prompt.trim()));
    });

    it('runs an allowed line quietly', async () => {
      const s = await type(name, prompt, 'echo ALLOWED-$((40+2))');
      expect(s).toContain('ALLOWED-42');
      expect(s).not.toContain('airlock: blocked');
    });

    it('blocks a denied line, including the commands after it', async () => {
      const s = await type(name, prompt, 'echo probe > /dev/tcp/127.0.0.1/9; echo DENIED-RAN-$((1+1))');
      expect(s).toContain('DENY');
      expect(s).toContain('dev_tcp_socket');
      expect(s).toContain('airlock: blocked');
      expect(s).not.toContain('DENIED-RAN-2');
    });

    it('asks on a risky line and does not run it on "n"', async () => {
      await type(name, prompt, 'history -c; echo ASK-NO-RAN-$((2+2))', true);
      tmux('send-keys', '-t', name, 'n', 'Enter');
      const s = await waitFor(name, (x) => x.includes('airlock: not run') && x.trimEnd().endsWith(prompt.trim()));
      expect(s).toContain('history_clear');
      expect(s).not.toContain('ASK-NO-RAN-4');
    });

    it('runs a risky line after "y"', async () => {
      await type(name, prompt, 'history -c; echo ASK-YES-RAN-$((3+3))', true);
      tmux('send-keys', '-t', name, 'y', 'Enter');
      const s = await waitFor(name, (x) => x.includes('ASK-YES-RAN-6'));
      expect(s).toContain('ASK-YES-RAN-6');
    });

    it('announces the #airlock-skip escape hatch', async () => {
      const s = await type(name, prompt, 'echo SKIPPED-$((4+4)) #airlock-skip');
      expect(s).toContain('airlock: check skipped for this line (#airlock-skip)');
      expect(s).toContain('SKIPPED-8');
    });

    it('announces AIRLOCK_SHELL_GUARD=off', async () => {
      await type(name, prompt, 'export AIRLOCK_SHELL_GUARD=off');
      const s = await type(name, prompt, 'echo probe > /dev/tcp/127.0.0.1/9 2>/dev/null; echo OFF-RAN-$((5+5))');
      expect(s).toContain('shell guard is off');
      expect(s).toContain('OFF-RAN-10');
    });
  });
});
