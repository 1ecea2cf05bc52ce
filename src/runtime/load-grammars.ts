/** Reads the tree-sitter grammars from node_modules and builds the command analyzer once. */
import { readFile } from 'node:fs/promises';
import { buildCatalog, CatalogInvalid, parseCatalogFile } from '../commands/catalog/catalog.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { createAnalyzer } from '../commands/analyzer.js';
import type { Analyzer, AnalyzerLimits } from '../commands/types.js';
import type { Catalog } from '../commands/catalog/catalog.js';
import { AirlockError } from '../core/errors.js';

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

let cached: Promise<Analyzer> | undefined;
/** Grammar builds in progress (see build): wasm tier-up is off while any is. */
let baselineWindows = 0;

/**
 * Whether the operator turned wasm tier-up off for the whole process (`--liftoff-only`,
 * `--no-wasm-tier-up` or `--no-wasm-dynamic-tiering`, on the command line or in NODE_OPTIONS): the
 * grammar window then never turns it back on. V8 takes `_` and `-` alike in flag names.
 */
export function tierUpOffByOperator(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const flags = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((f) => f.replace(/_/g, '-'));
  return flags.some((f) => f === '--liftoff-only' || f === '--no-wasm-tier-up' || f === '--no-wasm-dynamic-tiering');
}
const operatorKeepsBaseline = tierUpOffByOperator(process.execArgv, process.env['NODE_OPTIONS']);

/** The process-wide analyzer (grammars loaded once). @throws AirlockError ERR_INTERNAL when a grammar cannot be loaded. */
export function loadAnalyzer(limits?: Partial<AnalyzerLimits>, catalog?: Catalog): Promise<Analyzer> {
  if (limits || catalog) return build(limits, catalog);
  cached ??= build(undefined, undefined).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function build(limits: Partial<AnalyzerLimits> | undefined, catalog: Catalog | undefined): Promise<Analyzer> {
  try {
    const [bashWasm, powershellWasm, runtimeWasm] = await Promise.all([
      readFile(packageFile('tree-sitter-bash', 'tree-sitter-bash.wasm')),
      readFile(packageFile('tree-sitter-powershell', 'tree-sitter-powershell.wasm')),
      readFile(require.resolve('web-tree-sitter/tree-sitter.wasm')),
    ]);
    // The grammars run on V8's baseline compiler (Liftoff) only. Optimising tree-sitter-powershell's
    // giant lexer with TurboFan costs ~6 CPU-seconds (tens of seconds on a loaded box) for parses
    // ~1.6x faster: Node 20 did it on the main thread (the event loop stalled ~10 s), Node 24 does
    // it on a background thread that the process then waits for before it can exit — a one-shot
    // `airlock check`, or a `serve` stopped soon after its start (docs/benchmarks.md). Liftoff
    // code gets its tier-up checks when it is compiled (lazily, at a function's first call), so
    // the grammars' functions compiled during this window, the warm-up included, never tier up;
    // the defaults come back afterwards for every other wasm module (Cedar), unless the operator
    // turned tier-up off for the process. `--liftoff-only` would say the same from the command
    // line, but set at run time V8 13 does not apply what it implies, so set those two flags
    // directly. Nested builds restore only when the last ends.
    if (baselineWindows++ === 0) {
      setFlagsFromString('--no-wasm-dynamic-tiering');
      setFlagsFromString('--no-wasm-tier-up');
    }
    try {
      // The time budget counts CPU time, so a busy machine (preemption) cannot turn an ordinary
      // command into an analysis_limit deny; analysis is pure computation.
      const now = (): number => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      return await createAnalyzer({ bashWasm, powershellWasm, runtimeWasm, now, ...(limits ? { limits } : {}), ...(catalog ? { catalog } : {}) });
    } finally {
      if (--baselineWindows === 0 && !operatorKeepsBaseline) {
        setFlagsFromString('--wasm-dynamic-tiering');
        setFlagsFromString('--wasm-tier-up');
      }
    }
  } catch (err) {
    throw new AirlockError('ERR_INTERNAL', 'could not load the shell grammars for the command analyzer', undefined, { cause: err });
  }
}

/**
 * Reads a user catalog file (docs/commands.md "Your own programs and targets") and builds the
 * catalog from it plus the built-in data.
 * @throws AirlockError ERR_CONFIG_INVALID naming the file and every problem in it
 */
export async function loadCatalogFile(path: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AirlockError('ERR_CONFIG_INVALID', `command catalog ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return buildCatalog(parseCatalogFile(text, `command catalog ${path}`));
  } catch (err) {
    if (err instanceof CatalogInvalid) throw new AirlockError('ERR_CONFIG_INVALID', err.message);
    throw err;
  }
}
