/**
 * Cedar reports source locations as UTF-8 byte offsets; diagnostics must say file + line, so these
 * helpers turn offsets into 1-based lines.
 */
export function lineAtByte(text: string, byteOffset: number): number {
  const prefix = Buffer.from(text, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8');
  return countNewlines(prefix) + 1;
}

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** 1-based line of the character offset `index` in `text`. */
export function lineAtIndex(text: string, index: number): number {
  return countNewlines(text.slice(0, Math.max(0, index))) + 1;
}
