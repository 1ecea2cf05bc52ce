import type { SearchRequest } from '../core/request-shape.js';
import type { AuthorizationRequest, AuthorizeOptions, Decision, EntityRef } from '../core/types.js';
import { matchesUid, registryTypeOf } from '../identity/entity.js';
import type { CompiledBundle } from '../policy/bundle.js';
import type { IdentityRepo } from '../store/port.js';
import { qualifyType } from '../core/entity-uid.js';

/** One search result: an entity `{type, id}` (subject and resource search) or an action `{name}`. */
export type SearchResult = { type: string; id: string } | { name: string };

export interface SearchOutcome {
  results: SearchResult[];
  /** Key (id or action name) of the last result when more results follow; absent on the last page. */
  next?: string;
  /** How many candidates were decided for this page. */
  evaluated: number;
}

export interface SearchDeps {
  bundle: CompiledBundle;
  registry?: IdentityRepo;
  /** Decides one candidate request exactly as an evaluation would (steps 2–5), without recording it. */
  decide(req: AuthorizationRequest, options: AuthorizeOptions): Promise<Decision>;
  /**
   * The authorize options for a candidate's subject, or undefined when the caller may not ask about
   * that subject (the candidate is then left out, as an evaluation would have been refused).
   */
  optionsFor(subject: EntityRef, req: AuthorizationRequest): Promise<AuthorizeOptions | undefined>;
}

/** Candidates decided together; a page stops at the first batch that completes it. */
const BATCH = 8;


/**
 * Every entity of a type that the gateway knows: the bundle's static entities of that type and, for
 * a type the identity registry manages (Agent, Human, …), the registry's identities. Sorted by id
 * (UTF-16 code units) so a page cursor is a position in a stable order.
 */
async function entityCandidates(type: string, deps: SearchDeps): Promise<string[]> {
  const ns = deps.bundle.namespace;
  const qualified = qualifyType(type, ns);
  const ids = new Set<string>();
  for (const e of deps.bundle.staticEntities.values()) if (e.uid.type === qualified) ids.add(e.uid.id);
  const reg = registryTypeOf(qualified, ns);
  if (reg && deps.registry) {
    const found = await deps.registry.list(reg.class === 'human' ? { class: 'human' } : { class: 'nhi', kind: reg.kind });
    for (const i of found) if (matchesUid(i, { type: qualified, id: i.id }, ns)) ids.add(i.id);
  }
  return [...ids].sort();
}

/** The evaluation request a candidate stands for: the search request with the searched part filled in. */
function candidateRequest(q: SearchRequest, key: string): AuthorizationRequest {
  const fixed = (e: SearchRequest['subject']): EntityRef => ({ type: e.type, id: e.id!, ...(e.properties ? { properties: e.properties } : {}) });
  const req: AuthorizationRequest = {
    subject: q.kind === 'subject' ? { type: q.subject.type, id: key } : fixed(q.subject),
    action: q.kind === 'action' ? { name: key } : q.action!,
    resource: q.kind === 'resource' ? { type: q.resource.type, id: key } : fixed(q.resource),
  };
  if (q.context !== undefined) req.context = q.context;
  return req;
}

/**
 * AuthZEN search (AuthZEN 1.0 §8) as a filter over known candidates: each candidate becomes the
 * evaluation request it stands for and is decided by the gateway's own pipeline (registry status,
 * delegation, command analysis, policy), so a result is exactly an entity (or action) for which an
 * evaluation would answer `decision: true` now. Group membership counts transitively because each
 * candidate's entity carries its groups and the bundle their ancestors, as in an evaluation. An
 * outcome that needs an approval or confirmation is not a result (an evaluation would say false).
 *
 * Candidates: subject and resource search — the static entities of the type and, for a registry
 * type, the registry's identities; action search — the actions the bundle's schema declares.
 * Paging: results in candidate order, `after` the key of the last result of the previous page;
 * the page ends after `limit` results, and `next` is set only when a further result exists.
 */
export async function searchCandidates(q: SearchRequest, page: { after?: string; limit: number }, deps: SearchDeps): Promise<SearchOutcome> {
  let keys: string[];
  if (q.kind === 'action') keys = [...deps.bundle.actions].sort();
  else keys = await entityCandidates(q.kind === 'subject' ? q.subject.type : q.resource.type, deps);
  if (page.after !== undefined) {
    const after = page.after;
    keys = keys.filter((k) => k > after);
  }
  const allowed: string[] = [];
  let evaluated = 0;
  for (let i = 0; i < keys.length && allowed.length <= page.limit; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    const verdicts = await Promise.all(
      batch.map(async (key) => {
        const req = candidateRequest(q, key);
        const options = await deps.optionsFor(req.subject, req);
        if (!options) return false;
        evaluated++;
        return (await deps.decide(req, options)).outcome === 'allow';
      }),
    );
    batch.forEach((k, j) => {
      if (verdicts[j]) allowed.push(k);
    });
  }
  const pageKeys = allowed.slice(0, page.limit);
  const results: SearchResult[] = pageKeys.map((k) =>
    q.kind === 'action' ? { name: k } : { type: q.kind === 'subject' ? q.subject.type : q.resource.type, id: k },
  );
  const out: SearchOutcome = { results, evaluated };
  if (allowed.length > page.limit) out.next = pageKeys[pageKeys.length - 1]!;
  return out;
}
