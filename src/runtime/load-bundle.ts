import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { compileBundle, isBundleFile, type CompileResult } from '../policy/bundle.js';

/**
 * Reads a bundle directory into `{ relativePath: text }`: `*.cedar`, `schema.cedarschema`,
 * `entities.json` and `tests/*.yaml` (paths use `/`). Other files are ignored.
 * @throws AirlockError ERR_BUNDLE_UNREADABLE when the directory or one of its files cannot be read
 */
export async function readBundleDir(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  try {
    const top = await readdir(dir, { withFileTypes: true });
    const paths: string[] = top.filter((e) => e.isFile()).map((e) => e.name);
    if (top.some((e) => e.isDirectory() && e.name === 'tests')) {
      for (const e of await readdir(join(dir, 'tests'), { withFileTypes: true })) if (e.isFile()) paths.push(`tests/${e.name}`);
    }
    for (const path of paths.filter(isBundleFile).sort()) files[path] = await readFile(join(dir, ...path.split('/')), 'utf8');
  } catch (e) {
    throw new AirlockError('ERR_BUNDLE_UNREADABLE', `policy bundle ${dir} could not be read: ${(e as Error).message}`, { dir }, { cause: e });
  }
  return files;
}

/**
 * Reads and compiles a bundle directory, its `tests/*.yaml` included (a malformed test file is a
 * problem): for `airlock policy validate|test`. The gateway compiles without the test files (it
 * never runs them; runtime.ts). An invalid bundle is a result (`ok: false` with every problem),
 * not a throw.
 * @throws AirlockError ERR_BUNDLE_UNREADABLE
 */
export async function loadBundle(dir: string): Promise<CompileResult> {
  const files = await readBundleDir(dir);
  // Loaded here only: the YAML parser is not part of the gateway's start-up.
  const { readTestFile } = await import('../policy/test-file.js');
  return compileBundle(files, { readTests: readTestFile });
}
