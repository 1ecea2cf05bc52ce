import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { lineAtByte } from './source-lines.js';
import type { BundleProblem } from './types.js';

/**
 * Turns Cedar's detailed errors (and their `related` errors) into located problems. `base` maps a
 * byte offset in the text Cedar saw to a line in the file (policies are evaluated one by one, so
 * their offsets are relative to the policy, not the file).
 */
export function detailedProblems(
  file: string,
  text: string,
  errors: DetailedError[],
  extra?: { policyId?: string; lineOf?: (byteOffset: number) => number; line?: number },
): BundleProblem[] {
  const out: BundleProblem[] = [];
  const visit = (e: DetailedError): void => {
    const loc = e.sourceLocations?.[0];
    const line = loc ? (extra?.lineOf ? extra.lineOf(loc.start) : lineAtByte(text, loc.start)) : extra?.line;
    const detail = [e.message, loc?.label, e.help].filter((s): s is string => typeof s === 'string' && s.length > 0).join('; ');
    out.push({
      file,
      ...(line !== undefined ? { line } : {}),
      ...(extra?.policyId !== undefined ? { policyId: extra.policyId } : {}),
      message: detail,
    });
    for (const r of e.related ?? []) visit(r);
  };
  for (const e of errors) visit(e);
  return out;
}
