import { parseDuration } from '../core/duration.js';
import type { Requirement } from '../core/types.js';

/**
 * The annotation language of DESIGN §3. Every key Airlock reads is listed here; a key that is not
 * listed (and does not start with `x_`) is a bundle problem, so a typo such as `@require("approval")`
 * fails closed at load instead of silently dropping the approval.
 */
export const knownAnnotations = [
  'id',
  'reason',
  'requires',
  'approvers',
  'quorum',
  'approval_ttl',
  'sod',
  'notify',
  'description',
] as const;

/** Separation-of-duties rules `@sod` may name. `owner`: the subject's owner may not approve. */
export const knownSod = ['owner'] as const;

/** Upper bound for `@quorum`: a quorum nobody can reach is a misconfiguration, not a policy. */
export const maxQuorum = 100;

const REQUIREMENT_KEYS = ['requires', 'approvers', 'quorum', 'approval_ttl', 'sod'] as const;
const APPROVAL_ONLY_KEYS = ['approvers', 'quorum', 'approval_ttl', 'sod'] as const;
/** `Ns::Type::"id"` with one or more namespace segments; the id is a Cedar string literal. */
const ENTITY_UID = /^((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)::"((?:[^"\\]|\\.)*)"$/;

export interface AnnotationProblem {
  /** The annotation the problem is about, so the caller can point at its line. */
  key: string;
  message: string;
}

export interface ReadAnnotations {
  requirement?: Requirement;
  reason?: string;
  notify?: string[];
  problems: AnnotationProblem[];
}

/** Splits a comma-separated annotation value; empty items are dropped. */
function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Reads and checks the annotations of one policy. `entityTypes`, when given, is the set of entity
 * types the schema declares; `@approvers` must name one of them.
 */
export function readAnnotations(
  policyId: string,
  effect: 'permit' | 'forbid',
  annotations: Readonly<Record<string, string>>,
  entityTypes?: ReadonlySet<string>,
): ReadAnnotations {
  const problems: AnnotationProblem[] = [];
  const out: ReadAnnotations = { problems };
  for (const key of Object.keys(annotations)) {
    if (!(knownAnnotations as readonly string[]).includes(key) && !key.startsWith('x_')) {
      problems.push({
        key,
        message: `unknown annotation @${key} (known: ${knownAnnotations.map((k) => '@' + k).join(', ')}; use an x_ prefix for your own)`,
      });
    }
  }
  const reason = annotations['reason'];
  if (reason !== undefined) out.reason = reason;
  const notify = annotations['notify'];
  if (notify !== undefined) out.notify = list(notify);

  if (effect === 'forbid') {
    for (const key of REQUIREMENT_KEYS) {
      if (annotations[key] !== undefined) {
        problems.push({ key, message: `@${key} on a forbid policy has no meaning (requirements apply to permits only)` });
      }
    }
    return out;
  }

  const requires = annotations['requires'];
  if (requires === undefined) {
    for (const key of APPROVAL_ONLY_KEYS) {
      if (annotations[key] !== undefined) problems.push({ key, message: `@${key} needs @requires("approval")` });
    }
    return out;
  }
  if (requires !== 'approval' && requires !== 'confirmation') {
    // fail closed: an unknown requirement must refuse the bundle, never be ignored (issue text)
    problems.push({ key: 'requires', message: `@requires("${requires}") is not known (use "approval" or "confirmation")` });
    return out;
  }
  if (requires === 'confirmation') {
    for (const key of APPROVAL_ONLY_KEYS) {
      if (annotations[key] !== undefined) problems.push({ key, message: `@${key} needs @requires("approval"), not "confirmation"` });
    }
    out.requirement = { kind: 'confirmation', policyId, ...(reason !== undefined ? { reason } : {}) };
    return out;
  }

  const req: Requirement = { kind: 'approval', policyId, quorum: 1 };
  const approvers = annotations['approvers'];
  if (approvers !== undefined) {
    const m = ENTITY_UID.exec(approvers.trim());
    if (!m) {
      problems.push({ key: 'approvers', message: `@approvers("${approvers}") is not a Cedar entity uid such as Airlock::Group::\\"sre-approvers\\"` });
    } else if (entityTypes && !entityTypes.has(m[1]!)) {
      problems.push({ key: 'approvers', message: `@approvers names entity type ${m[1]} which the schema does not declare` });
    } else {
      req.approvers = approvers.trim();
    }
  }
  const quorum = annotations['quorum'];
  if (quorum !== undefined) {
    const n = /^[1-9][0-9]*$/.test(quorum.trim()) ? Number(quorum.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n > maxQuorum) {
      problems.push({ key: 'quorum', message: `@quorum("${quorum}") must be a whole number from 1 to ${maxQuorum}` });
    } else {
      req.quorum = n;
    }
  }
  const ttl = annotations['approval_ttl'];
  if (ttl !== undefined) {
    try {
      const ms = parseDuration(ttl);
      if (ms <= 0) throw new TypeError('zero');
      req.approvalTtlMs = ms;
    } catch {
      problems.push({ key: 'approval_ttl', message: `@approval_ttl("${ttl}") is not a positive duration (e.g. "PT30M" or "30m")` });
    }
  }
  const sod = annotations['sod'];
  if (sod !== undefined) {
    const rules = list(sod);
    const unknown = rules.filter((r) => !(knownSod as readonly string[]).includes(r));
    if (unknown.length > 0 || rules.length === 0) {
      problems.push({ key: 'sod', message: `@sod("${sod}") names unknown rules (known: ${knownSod.join(', ')})` });
    } else {
      req.sod = rules;
    }
  }
  if (reason !== undefined) req.reason = reason;
  out.requirement = req;
  return out;
}
