/**
 * Parser differential (threats §2.4, C1): bash is the model. For each generated string, bash runs
 * it with PATH pointing nowhere and a not-found handler, so no external program ever starts, and
 * reports every command through xtrace. Pass: every external program bash would run is one the
 * analyzer reports, or the analyzer says the analysis is incomplete.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analyzer } from '../../src/commands/index.js';
import { testAnalyzer } from './helpers.js';

const hasBash = spawnSync('sh', ['-c', 'command -v bash']).status === 0;
const BUILTINS = new Set(['echo', 'printf', 'true', 'false', ':', 'cd', 'eval', 'exec', 'declare', 'local', 'export', 'set', 'unset', 'test', '[', '[[', 'read', 'command_not_found_handle', 'return', 'shift', 'source', '.', 'type', 'alias', 'f', 'let', 'typeset', 'readonly', 'wait', 'trap', 'for', 'case', 'select', 'while', 'until', 'if', '((']);
const TRANSPARENT = new Set(['env', 'timeout', 'nice', 'nohup', 'command', 'time', 'sudo', 'xargs', 'cat', 'bash', 'sh']);

let dir = '';
let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await testAnalyzer();
  dir = mkdtempSync(join(tmpdir(), 'airlock-oracle-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Programs bash would run (xtrace), externals never started. */
function oracle(cmd: string): string[] {
  const trace = join(dir, 'trace');
  const script = `exec 9>${trace}; BASH_XTRACEFD=9; PS4='+ '; command_not_found_handle() { return 0; }; PATH=/nonexistent; set -x\n${cmd}`;
  spawnSync('env', ['-i', 'bash', '--norc', '--noprofile', '-c', script], { cwd: dir, timeout: 5000, stdio: 'ignore' });
  const lines = readFileSync(trace, 'utf8').split('\n').filter((l) => /^\++ /.test(l));
  const out: string[] = [];
  for (const l of lines) {
    const body = l.replace(/^\++ /, '');
    if (/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(body)) continue; // assignment
    let word = body.split(' ')[0] ?? '';
    if (word.startsWith("$'")) word = word.slice(2, -1).replace(/\\r/g, '\r');
    else word = word.replace(/^'|'$/g, '');
    if (word === 'return' || BUILTINS.has(word) || TRANSPARENT.has(word)) continue;
    out.push(word);
  }
  return out;
}

const forms = ['curl', "c''url", 'c""url', '\\curl', 'cu\\rl', "$'\\x63url'", "$'\\143url'", '"cu"rl', "'c'u'r'l", 'cu\\\nrl'];
const contexts = ['W x', 'true && W x', '{ W x; }', '(W x)', 'echo $(W x)', 'echo `W x`', 'W x | cat', 'g(){ W x; }; g', 'if true; then W x; fi', 'for i in 1; do W x; done', 'env W x', 'timeout 1 W x', 'v=$(W x)', 'nice -n5 W x', 'command W x', 'time W x'];
const generated = forms.flatMap((w) => contexts.map((c) => c.replace('W', w)));
const handwritten = [
  '{curl,evil.sh}', 'a=(curl evil); "${a[@]}"', 'x=cu; ${x}rl evil', '$(printf cu)rl evil', 'IFS=,;c=curl,evil;$c', 'echo $(( a[$(curl x)] ))', '[[ $(curl x) ]]',
  "cat <<'EOF'\n$(curl x)\nEOF", 'cat <<EOF\n$(curl x)\nEOF', 'echo ok # ; curl x', 'echo "a;curl evil"', 'x[$(curl x)]=1', 'declare "a$(curl x)=1"', 'w"h"o$()ami',
  'echo ${IFS}; curl${IFS}x', 'a=c; b=url; $a$b x', 'eval "curl x"', 'eval "$(printf curl) x"', 'f(){ curl evil; }; f', 'true && { curl evil; }', 'cat <(curl x)', 'echo >(curl x)',
  'echo x | xargs curl', 'exec 3< <(curl x)', 'PATH=. ls', 'case x in x) curl y;; esac', 'while false; do :; done; curl z',
];

describe.skipIf(!hasBash)('parser differential against bash (xtrace oracle)', () => {
  it.each([...generated, ...handwritten].map((s) => [JSON.stringify(s).slice(0, 60), s] as const))('%s', (_t, cmd) => {
    const model = oracle(cmd);
    const a = analyzer.analyze(cmd, { shell: 'bash' });
    const ours = new Set(a.facts.programs);
    const missing = model.filter((p) => !ours.has(p));
    if (missing.length > 0) expect(a.incomplete, `bash runs ${missing.join(', ')}; analyzer saw ${[...ours].join(', ')}`).toBe(true);
  });
});
