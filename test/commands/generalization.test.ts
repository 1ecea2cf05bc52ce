/**
 * Rules generalize over the built-in catalog (issue 17): programs the catalog describes but that
 * no corpus entry (v1, v2 both halves, the v1 holdout) ever names are caught for the capability the
 * catalog gives them — read a credential store, write an autostart location, start a root shell.
 * The test first proves the corpus really has no example of each program.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Analyzer } from '../../src/commands/index.js';
import { builtinCatalog } from '../../src/commands/index.js';
import { testAnalyzer } from './helpers.js';

const corpusDir = join(import.meta.dirname, 'corpus');
const corpusText = ['malicious.jsonl', 'benign.jsonl', 'holdout.mjs', 'v2/corpus.jsonl'].map((f) => readFileSync(join(corpusDir, f), 'utf8')).join('\n');

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await testAnalyzer();
});

/** [program, capability the catalog gives it, command written here, rule, technique or undefined, verdict]. */
const unseen: [string, string, string, string, string | undefined, 'ask' | 'deny'][] = [
  ['ptx', 'read-file', 'ptx ~/.aws/credentials', 'sensitive_read', 'T1552.001', 'deny'],
  ['sdiff', 'read-file', 'sdiff /etc/shadow /dev/null', 'sensitive_read', 'T1003.008', 'deny'],
  ['cupsfilter', 'read-file', 'cupsfilter ~/.ssh/id_ed25519', 'sensitive_read', 'T1552.004', 'deny'],
  ['msgcat', 'write-file', 'msgcat -o /etc/cron.d/refresh strings.po', 'persistence_write', 'T1053.003', 'ask'],
  ['enscript', 'write-file', 'enscript -o /etc/ld.so.preload notes.txt', 'persistence_write', 'T1574.006', 'deny'],
  ['choom', 'exec-or-shell', 'sudo choom -n 0 -- /bin/sh', 'shell_breakout', 'T1548.003', 'deny'],
  ['logsave', 'exec-or-shell', 'sudo logsave /dev/null /bin/bash', 'shell_breakout', 'T1548.003', 'deny'],
  ['cpulimit', 'exec-or-shell', 'doas cpulimit -l 50 -- /bin/sh', 'shell_breakout', 'T1548.003', 'deny'],
];

describe('a catalog program with no corpus example is judged by its capability', () => {
  it.each(unseen)('%s (%s)', (program, capability, command, rule, technique, verdict) => {
    expect(new RegExp(`(^|[^a-z0-9-])${program}([^a-z0-9-]|$)`, 'm').test(corpusText), `${program} appears in the corpus`).toBe(false);
    const caps = builtinCatalog().lookup(program);
    expect(caps?.has(capability as never), `${program} has ${capability} in the catalog`).toBe(true);
    const a = analyzer.analyze(command, { shell: 'bash' });
    expect(a.verdict, command).toBe(verdict);
    const f = a.findings.find((x) => x.rule === rule);
    expect(f, `${command}: ${a.findings.map((x) => x.rule).join(',')}`).toBeDefined();
    if (technique) expect(f!.technique).toBe(technique);
  });
  it('the same programs doing everyday things stay allowed', () => {
    for (const c of ['ptx notes.txt', 'sdiff a.txt b.txt', 'msgcat -o merged.po a.po b.po', 'choom -p 1234', 'logsave build.log make', 'cpulimit -l 50 -- make -j2']) {
      expect(analyzer.analyze(c, { shell: 'bash' }).verdict, c).toBe('allow');
    }
  });
});
