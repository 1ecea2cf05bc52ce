/**
 * The audit record of a message an enforcement point refused before asking for a decision
 * (`POST /v1/refusals`, the embedded client): bounded, strings only, so a refusal cannot carry
 * the payload it refused into the log.
 */
import { AirlockError } from './errors.js';

const CODE = /^[a-z][a-z0-9_]{0,63}$/;
/** Most methods or targets one record lists; a longer batch is counted, not copied. */
export const MAX_REFUSAL_NAMES = 50;
const MAX_NAME = 256;
const MAX_DETAIL = 500;

function invalid(path: string, message: string): never {
  throw new AirlockError('ERR_REQUEST_INVALID', `${path}: ${message}`, { path });
}

function str(v: unknown, path: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) invalid(path, `a string of 1 to ${max} characters`);
  return v;
}

function names(v: unknown, path: string): { list: string[]; count: number } {
  if (!Array.isArray(v)) invalid(path, 'an array of strings');
  const list = v.slice(0, MAX_REFUSAL_NAMES).map((x, i) => str(x, `${path}/${i}`, MAX_NAME));
  return { list, count: v.length };
}

/** Checks a refusal report and returns the record to append (kind `refusal`). */
export function refusalRecord(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { executor: str(body['executor'], '/executor', 64) };
  const code = body['code'];
  if (typeof code !== 'string' || !CODE.test(code)) invalid('/code', 'a stable code: lower-case letters, digits and _');
  out['code'] = code;
  for (const k of ['methods', 'targets'] as const) {
    if (body[k] === undefined) continue;
    const { list, count } = names(body[k], `/${k}`);
    out[k] = list;
    if (count > list.length) out[`${k}Count`] = count;
  }
  const subject = body['subject'];
  if (subject !== undefined) {
    const s = subject as { type?: unknown; id?: unknown } | null;
    if (typeof s !== 'object' || s === null) invalid('/subject', 'an object {type, id}');
    out['subject'] = { type: str(s.type, '/subject/type', MAX_NAME), id: str(s.id, '/subject/id', 1024) };
  }
  if (body['server'] !== undefined) out['server'] = str(body['server'], '/server', MAX_NAME);
  if (body['detail'] !== undefined) out['detail'] = str(body['detail'], '/detail', MAX_DETAIL);
  return out;
}
