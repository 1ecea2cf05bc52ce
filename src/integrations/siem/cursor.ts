/**
 * Where a shipper stopped: the next seq to send for each audit writer. Kept in a small JSON file
 * (`{"version":1,"next":{"main":1201}}`) replaced durably after each acknowledged batch, so a
 * restarted shipper resends at most the batch that was in flight when it stopped.
 */
import { readFileSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';
import { writeFileDurably } from '../../store/durable-file.js';

export interface ShipCursor {
  /** Next seq to send for `writer` (`fallback` for a writer the cursor has not seen). */
  next(writer: string, fallback: number): number;
  /** Records that every seq of `writer` below `seq` was delivered. */
  advance(writer: string, seq: number): void;
}

/** A cursor that lives only in memory (no `--cursor` file). */
export function memoryCursor(): ShipCursor {
  const next = new Map<string, number>();
  return {
    next: (w, fallback) => next.get(w) ?? fallback,
    advance: (w, seq) => void next.set(w, seq),
  };
}

export function fileCursor(path: string): ShipCursor {
  const next = new Map<string, number>(Object.entries(read(path)));
  return {
    next: (w, fallback) => next.get(w) ?? fallback,
    advance(w, seq) {
      next.set(w, seq);
      writeFileDurably(path, JSON.stringify({ version: 1, next: Object.fromEntries(next) }) + '\n', 0o600);
    },
  };
}

function read(path: string): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AirlockError('ERR_REQUEST_INVALID', `cursor file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AirlockError('ERR_REQUEST_INVALID', `cursor file ${path} is not JSON`);
  }
  const next = (doc as { version?: unknown; next?: unknown } | null)?.next;
  if ((doc as { version?: unknown }).version !== 1 || typeof next !== 'object' || next === null || Array.isArray(next)) {
    throw new AirlockError('ERR_REQUEST_INVALID', `cursor file ${path} is not an Airlock shipping cursor ({"version":1,"next":{writer: seq}})`);
  }
  for (const [w, seq] of Object.entries(next)) {
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw new AirlockError('ERR_REQUEST_INVALID', `cursor file ${path}: next.${w} must be a positive integer`);
  }
  return next as Record<string, number>;
}
