import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { JWK } from 'jose';
import { AirlockError } from '../core/errors.js';
import type { SignedCheckpoint } from '../store/port.js';
import { writeFileDurably } from '../store/durable-file.js';

/** A signed head as `audit head` prints it and `audit anchor` stores it: the checkpoint plus its public key. */
export type SignedHeadFile = SignedCheckpoint & { publicJwk?: JWK };

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/** True when `dir` is `dataDir` or inside it (after resolving symlinks). */
export function isInside(dir: string, dataDir: string): boolean {
  const rel = relative(real(dataDir), real(dir));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Writes a signed head to the anchor directory: `<writer>.head.json` (the latest, replaced
 * atomically) and one line appended to `<writer>.heads.jsonl` (the history). The directory must be
 * outside the data directory — a copy that sits beside the log can be cut together with it.
 */
export function writeAnchor(dir: string, dataDir: string, head: SignedHeadFile): string {
  if (isInside(dir, dataDir)) throw new AirlockError('ERR_CONFIG_INVALID', `the anchor directory ${dir} is inside the data directory ${dataDir}; choose a place the log's writer cannot also rewrite`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(head.writer)) throw new AirlockError('ERR_REQUEST_INVALID', `writer id ${head.writer} cannot name a file`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${head.writer}.head.json`);
  writeFileDurably(file, JSON.stringify(head, null, 2) + '\n', 0o644);
  appendFileSync(join(dir, `${head.writer}.heads.jsonl`), JSON.stringify(head) + '\n', { mode: 0o644 });
  return file;
}

/** The latest anchored head of every writer in `dir` (none when the directory does not exist). */
export function readAnchors(dir: string): SignedHeadFile[] {
  if (!existsSync(dir)) return [];
  const out: SignedHeadFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.head.json')) continue;
    out.push(readHeadFile(join(dir, name)));
  }
  return out;
}

/** Reads one signed head file (`audit head` output or an anchor). */
export function readHeadFile(path: string): SignedHeadFile {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AirlockError('ERR_CHECKPOINT_INVALID', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const h = v as Partial<SignedHeadFile>;
  if (typeof h !== 'object' || h === null || typeof h.jws !== 'string') throw new AirlockError('ERR_CHECKPOINT_INVALID', `${path} has no "jws" field`);
  return h as SignedHeadFile;
}
