import { parseArgs } from 'node:util';
import { AirlockError } from '../../core/errors.js';
import type { BundleProblem } from '../../policy/types.js';
import { runPolicyTests } from '../../policy/test-runner.js';
import { loadBundle } from '../../runtime/load-bundle.js';
import type { CliCommand, CliIO } from '../command.js';

const help = `usage: airlock policy validate DIR [--json]
       airlock policy test DIR [--json]

  validate   parse the bundle in DIR and validate it against its schema; lists every problem
             as file:line: message and exits 1 when there is one
  test       run the bundle's tests/*.yaml cases; prints PASS/FAIL per case and exits 1 unless
             every case passes

options:
  --json     print the result as JSON on stdout
  -h, --help show this help
`;

function where(p: BundleProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.column !== undefined ? `:${p.column}` : ''}`;
}

function printProblems(io: CliIO, problems: readonly BundleProblem[], json: boolean): void {
  if (json) io.stdout.write(JSON.stringify({ ok: false, problems }, null, 2) + '\n');
  else for (const p of problems) io.stderr.write(`${where(p)}: ${p.message}\n`);
}

export const command: CliCommand = {
  name: 'policy',
  summary: 'validate a policy bundle or run its tests',
  help,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(help);
      return 0;
    }
    const [sub, dir, ...extra] = positionals;
    if ((sub !== 'validate' && sub !== 'test') || dir === undefined || extra.length > 0) {
      io.stderr.write(help);
      return 2;
    }
    const json = values.json === true;
    const result = await loadBundle(dir);
    if (!result.ok) {
      printProblems(io, result.problems, json);
      if (!json) io.stderr.write(`bundle invalid: ${result.problems.length} problem(s)\n`);
      return 1;
    }
    const bundle = result.bundle;
    try {
      if (sub === 'validate') {
        if (json) {
          io.stdout.write(
            JSON.stringify({ ok: true, version: bundle.version, policies: bundle.policies.size, warnings: bundle.warnings }, null, 2) + '\n',
          );
        } else {
          for (const w of bundle.warnings) io.stderr.write(`${where(w)}: warning: ${w.message}\n`);
          io.stdout.write(`bundle OK: ${bundle.policies.size} policies, version ${bundle.version}\n`);
        }
        return 0;
      }
      const results = runPolicyTests(bundle);
      const failed = results.filter((r) => !r.passed).length;
      if (json) {
        io.stdout.write(JSON.stringify({ version: bundle.version, passed: results.length - failed, failed, results }, null, 2) + '\n');
      } else {
        for (const r of results) {
          const loc = `${r.file}${r.line !== undefined ? `:${r.line}` : ''}`;
          if (r.passed) io.stdout.write(`PASS ${loc} ${r.name}\n`);
          else {
            const why = r.reasons.map((x) => `${x.code}${x.policyId ? `(${x.policyId})` : ''}`).join(', ');
            io.stdout.write(`FAIL ${loc} ${r.name}: expected ${r.expected}, got ${r.actual}${why ? ` [${why}]` : ''}\n`);
          }
        }
        if (results.length === 0) io.stdout.write('no tests found under tests/\n');
        io.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      }
      return failed === 0 ? 0 : 1;
    } catch (e) {
      throw e instanceof AirlockError ? e : new AirlockError('ERR_INTERNAL', (e as Error).message, undefined, { cause: e });
    } finally {
      bundle.dispose();
    }
  },
};
