/**
 * Entity uids in Cedar's text form, `Airlock::Agent::"deploy-bot"`: how principals and actors are
 * named inside delegation tokens and link records. One canonical spelling per entity, so a string
 * comparison is an identity comparison.
 */
import { formatUid, qualifyType } from '../core/entity-uid.js';

export interface Uid {
  type: string;
  id: string;
}

const TYPE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*$/;
const MAX_UID_LENGTH = 512;

/**
 * Parses `Type::"id"` or `Ns::Type::"id"` into a qualified uid. Only the canonical JSON quoting of
 * the id is accepted (no `\u0061` for `a`), so two spellings can never name one entity. Returns
 * undefined for anything else.
 */
export function parseUid(text: string, namespace: string): { uid: Uid; text: string } | undefined {
  if (typeof text !== 'string' || text.length > MAX_UID_LENGTH) return undefined;
  const q = text.indexOf('"');
  if (q < 3 || text.slice(q - 2, q) !== '::' || !text.endsWith('"') || text.length < q + 3) return undefined;
  const type = text.slice(0, q - 2);
  if (!TYPE_PATH.test(type)) return undefined;
  const quoted = text.slice(q);
  let id: unknown;
  try {
    id = JSON.parse(quoted);
  } catch {
    return undefined;
  }
  if (typeof id !== 'string' || id.length === 0 || JSON.stringify(id) !== quoted) return undefined;
  const uid = { type: qualifyType(type, namespace), id };
  return { uid, text: formatUid(uid, namespace) };
}
