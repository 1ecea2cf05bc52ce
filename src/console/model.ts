/**
 * What the console shows, computed without I/O from the records the runtime hands over: who the
 * signed-in person is to the console (roles), whether they may act on a request and which rule
 * says no, the command cut into spans for highlighting. Fastify wiring lives in routes.ts.
 */
import { checkApprover, checkConfirmer, refusalCodes } from '../approval/rules.js';
import type { ApprovalRequest, ApproverFacts } from '../approval/types.js';
import type { CommandAnalysis, Shell } from '../commands/types.js';
import { shells } from '../commands/types.js';
import type { Human, HumanRole } from '../identity/types.js';

/** The roles a console session acts with: the registry's, narrowed to what the IdP's groups grant when that mapping is configured. */
export function sessionRoles(person: Human, idpRoles: readonly string[] | undefined): HumanRole[] {
  return idpRoles === undefined ? [...person.roles] : person.roles.filter((r) => idpRoles.includes(r));
}

/** IdP groups → roles by `groupRoles`; undefined when no mapping is configured. */
export function rolesFromGroups(groups: unknown, mapping: Record<string, readonly string[]> | undefined): string[] | undefined {
  if (mapping === undefined) return undefined;
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : typeof groups === 'string' ? [groups] : [];
  const out = new Set<string>();
  for (const g of list) if (Object.prototype.hasOwnProperty.call(mapping, g)) for (const r of mapping[g]!) out.add(r);
  return [...out].sort();
}

/** Which Human an ID token names: the claim's value matched against the Human's id, email or `links[link]`. Exactly one, else none. */
export function humanForClaim(humans: readonly Human[], claimValue: unknown, link: string): Human | undefined {
  if (typeof claimValue !== 'string' || claimValue.length === 0) return undefined;
  const matches = humans.filter((h) =>
    link === 'id' ? h.id === claimValue : link === 'email' ? h.email !== undefined && h.email.toLowerCase() === claimValue.toLowerCase() : Object.prototype.hasOwnProperty.call(h.links, link) && h.links[link] === claimValue,
  );
  return matches.length === 1 ? matches[0] : undefined;
}

export type ActVerdict = { may: true; as: 'approver' | 'confirmer' } | { may: false; code: string; message: string };

/**
 * May this person act on this request now, and if not the rule that forbids it: the same functions
 * the approval desk runs when the vote is cast (approval/rules.ts), so the page never says yes where
 * the vote would be refused.
 */
export function mayAct(a: ApprovalRequest, facts: ApproverFacts, caller: { type: string; id: string }, nowMs: number): ActVerdict {
  if (a.kind === 'approval') {
    const e = checkApprover(a, facts, nowMs);
    return e.ok ? { may: true, as: 'approver' } : { may: false, code: e.code, message: e.message };
  }
  const e = checkConfirmer(a, { uid: facts.uid, isHuman: true, isPep: false, caller, listsSubject: false }, nowMs);
  if (e.ok) return { may: true, as: 'confirmer' };
  // A person who is not the initiator is told who confirms.
  return { may: false, code: e.code, message: e.code === 'sod_initiator' ? 'only the person who initiated this action confirms it' : e.message };
}

export const ruleText = (code: string): string => (refusalCodes as Record<string, string>)[code] ?? code;

/** The command of a request: its text and shell, when `context.command` holds one. */
export function commandOf(context: Record<string, unknown> | undefined): { text: string; shell: Shell } | undefined {
  const raw = context?.['command'];
  let text: unknown = raw;
  let shell: unknown = context?.['shell'] ?? 'bash';
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    text = (raw as Record<string, unknown>)['text'];
    shell = (raw as Record<string, unknown>)['shell'] ?? shell;
  }
  if (typeof text !== 'string' || typeof shell !== 'string' || !(shells as readonly string[]).includes(shell)) return undefined;
  return { text, shell: shell as Shell };
}

export interface Segment {
  text: string;
  /** Index into the analysis findings, when this span is a finding's. */
  finding?: number;
}

/**
 * The command cut at the findings' spans (UTF-16 offsets, as the analyzer reports them). Where
 * spans overlap the earlier finding keeps the characters; spans outside the text are clipped.
 */
export function segments(text: string, findings: readonly { span: { start: number; end: number } }[]): Segment[] {
  const owner: (number | undefined)[] = new Array(text.length).fill(undefined);
  findings.forEach((f, i) => {
    const start = Math.max(0, Math.min(text.length, f.span.start));
    const end = Math.max(start, Math.min(text.length, f.span.end));
    for (let k = start; k < end; k++) owner[k] ??= i;
  });
  const out: Segment[] = [];
  let from = 0;
  for (let k = 1; k <= text.length; k++) {
    if (k === text.length || owner[k] !== owner[from]) {
      const seg: Segment = { text: text.slice(from, k) };
      if (owner[from] !== undefined) seg.finding = owner[from];
      out.push(seg);
      from = k;
    }
  }
  return out;
}

export function analysisSafe(analyze: () => CommandAnalysis): CommandAnalysis | undefined {
  try {
    return analyze();
  } catch {
    return undefined;
  }
}

/** "3 min", "2 h", "4 d": how long ago or how long until, for people. */
export function ago(fromMs: number, toMs: number): string {
  const s = Math.max(0, Math.round((toMs - fromMs) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** uid text `Airlock::Agent::"release-bot"` as `Agent release-bot`. */
export function shortUid(uid: string | undefined): string {
  if (!uid) return '';
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)::"((?:[^"\\]|\\.)*)"$/.exec(uid);
  return m ? `${m[1]} ${JSON.parse(`"${m[2]}"`) as string}` : uid;
}
