import { DELEGATE_ACTION } from '../gateway/steps/caller-claims.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Clock } from '../core/clock.js';
import { AirlockError } from '../core/errors.js';
import type { Authorizer, Caller, Outcome } from '../core/types.js';
import { safeDescription, type OAuthError } from '../delegation/codes.js';
import { exchangeToken, type ExchangeResult } from '../delegation/exchange.js';
import type { MayDelegateRequest } from '../delegation/issue.js';
import { describePath, revokeDelegation, revokeDelegationsOfActor, type PathEntry } from '../delegation/links.js';
import type { DelegationFilter, DelegationLink, DelegationRepo } from '../delegation/repo.js';
import { TOKEN_TYPE_CALLER, type TokenExchangeRequest } from '../delegation/token-exchange.js';
import { parseUid } from '../delegation/uid.js';
import type { PolicyHolder } from '../gateway/policy-holder.js';
import type { KeyRing } from '../grants/keyring.js';
import { matchesUid, registryTypeOf, uidOf } from '../identity/entity.js';
import { checkRegistrySubject, hasRole } from '../identity/subject.js';
import type { Identity } from '../identity/types.js';
import type { IdentityRepo } from '../store/port.js';
import { formatUid } from '../core/entity-uid.js';

/** Who is asking: the authenticated identity and how it reached us (recorded in audit records). */
export interface DeskCaller {
  identity: Identity;
  caller: Caller;
}

/**
 * Issuing, showing and revoking delegation links (issue #5). Issuance asks the real gateway
 * whether the delegator may `delegate` (so the decision is policy's and is itself audited); every
 * issuance, refusal and revocation is an audit record in the same chain as decisions, naming
 * `delegation.linkIds` so `airlock audit export --delegation ID` can rebuild a path.
 */
export interface DelegationDesk {
  /** `POST /oauth/token` after parsing (RFC 8693). */
  exchange(who: DeskCaller, req: TokenExchangeRequest): Promise<ExchangeResult>;
  /** `POST /v1/delegations`: a root delegation by the caller. */
  delegate(who: DeskCaller, input: { delegate: string; scope: string; ttlMs?: number; purpose: string }): Promise<ExchangeResult>;
  get(id: string): Promise<DelegationLink | undefined>;
  path(id: string): Promise<PathEntry[] | undefined>;
  list(filter: DelegationFilter): Promise<DelegationLink[]>;
  /** The links handed on directly from link `id` (one level of its subtree). */
  children(id: string): Promise<DelegationLink[]>;
  /**
   * May `identity` revoke link `id`? An admin; the root principal; any delegator on the path down
   * to and including the link (whoever handed it on may take it back); the owner of the link's
   * delegate. Nobody else — in particular not the delegate itself nor anything below it.
   */
  mayRevoke(identity: Identity, id: string): Promise<boolean>;
  /** Revokes the link and its subtree; returns the revoked ids and the audit seq. */
  revoke(id: string, by: DeskCaller | { system: string }, reason: string): Promise<{ revoked: string[]; auditSeq: number }>;
  /** Suspension or retirement: every link where `identity` is an actor, with their subtrees. */
  revokeActor(identity: Identity, cause: string, by: string): Promise<string[]>;
  /** uid text of a registry identity in the bundle's namespace. */
  uidOf(identity: Identity): string;
}

export interface DelegationDeskDeps {
  repo: DelegationRepo;
  keys: KeyRing;
  audit: AuditWriter;
  clock: Clock;
  policies: PolicyHolder;
  registry: IdentityRepo;
  /** The real gateway: `delegate` is decided by the same pipeline as every other action. */
  gateway: Authorizer;
  issuer: string;
  audience: string;
  maxDepth: number;
  maxTtlMs: number;
}

export function createDelegationDesk(deps: DelegationDeskDeps): DelegationDesk {
  const ns = () => deps.policies.current()?.namespace ?? 'Airlock';
  const uidText = (i: Identity) => formatUid(uidOf(i, ns()), ns());

  async function registryIdentity(uid: string): Promise<Identity | undefined> {
    const parsed = parseUid(uid, ns())?.uid;
    if (!parsed || !registryTypeOf(parsed.type, ns())) return undefined;
    const found = await deps.registry.get(parsed.id);
    return found && matchesUid(found, parsed, ns()) ? found : undefined;
  }
  async function activeOwned(uid: string): Promise<boolean> {
    const found = await registryIdentity(uid);
    if (!found) return false;
    const owner = found.class === 'nhi' ? await deps.registry.get(found.owner) : undefined;
    return checkRegistrySubject(found, owner, deps.clock.now()).ok;
  }

  /** Ancestors of each id plus the ids: what a revocation record names, so an export by any id on the path finds it. */
  async function withAncestors(ids: string[], repo: DelegationRepo = deps.repo): Promise<string[]> {
    const out = new Set<string>();
    for (const id of ids) for (const l of await repo.path(id)) out.add(l.id);
    for (const id of ids) out.add(id);
    return [...out];
  }

  async function exchange(who: DeskCaller, req: TokenExchangeRequest): Promise<ExchangeResult> {
    const caller = uidText(who.identity);
    let policy: { outcome: Outcome; requestId: string; pendingId?: string } | undefined;
    const key = await deps.keys.current();
    const result = await exchangeToken(req, {
      caller,
      now: deps.clock.now(),
      namespace: ns(),
      issuer: deps.issuer,
      audience: deps.audience,
      key: { kid: key.kid, privateKey: key.privateKey },
      keyFor: (kid) => deps.keys.publicKey(kid),
      repo: deps.repo,
      isActiveOwned: activeOwned,
      maxDepth: deps.maxDepth,
      maxTtlMs: deps.maxTtlMs,
      checks: {
        delegateIsActiveOwnedNhi: async (uid) => (await registryIdentity(uid))?.class === 'nhi' && (await activeOwned(uid)),
        async mayDelegate(ask: MayDelegateRequest) {
          const d = parseUid(ask.delegator, ns())!.uid;
          const r = parseUid(ask.delegate, ns())!.uid;
          const context: Record<string, unknown> = { scope: ask.scope, depth: ask.depth, root: ask.root, purpose: ask.purpose };
          if (ask.parentLinkId !== undefined) context['parentLinkId'] = ask.parentLinkId;
          // The link facts are the desk's own: gateway context, which a caller can never send (ERR_CONTEXT_RESERVED).
          const decision = await deps.gateway.authorize({ subject: d, action: { name: DELEGATE_ACTION }, resource: r }, { caller: who.caller, gatewayContext: context });
          policy = { outcome: decision.outcome, requestId: decision.requestId };
          const pending = decision.approval?.id ?? decision.confirmation?.id;
          if (pending !== undefined) policy.pendingId = pending;
          // Only an allow issues: a delegation cannot wait for an approval or a confirmation.
          return decision.outcome === 'allow';
        },
      },
    });
    if (!result.ok) {
      if (result.error.airlock_code === 'delegation_forbidden' && policy && policy.outcome !== 'deny') {
        const what = policy.outcome === 'approval_required' ? 'an approval' : 'a confirmation';
        result.error = {
          ...result.error,
          // Once it is given, the same request again consumes it (same action hash) and is allowed.
          error_description: safeDescription(
            `policy requires ${what} for this delegation; a delegation is issued only on allow: ${policy.pendingId ? `settle ${policy.pendingId} and ask again` : `decision ${policy.requestId}`}`,
          ),
        } satisfies OAuthError;
      }
      await deps.audit.append('delegation.refused', {
        by: { ...who.caller },
        delegator: caller,
        delegate: req.actorToken,
        error: result.error.error,
        code: result.error.airlock_code,
        ...(result.error.airlock_detail ? { detail: result.error.airlock_detail } : {}),
        ...(policy ? { policyRequestId: policy.requestId } : {}),
      });
      return result;
    }
    const { link, claims } = result.issued;
    try {
      await deps.audit.append('delegation.issued', {
        by: { ...who.caller },
        link,
        delegation: { linkIds: [...claims.chn], root: claims.sub, depth: claims.dpth, purpose: claims.purp },
        ...(policy ? { policyRequestId: policy.requestId } : {}),
      });
    } catch (err) {
      // fail closed: an issuance that cannot be recorded is taken back before the token leaves (DESIGN §6)
      await deps.repo.revokeCascade(link.id, new Date(deps.clock.now()).toISOString(), 'system:audit', 'the issuance could not be recorded');
      throw err;
    }
    return result;
  }

  return {
    exchange,
    async delegate(who, input) {
      const req: TokenExchangeRequest = { subjectToken: uidText(who.identity), subjectTokenType: TOKEN_TYPE_CALLER, actorToken: input.delegate, scope: input.scope, audience: [], purpose: input.purpose };
      if (input.ttlMs !== undefined) req.ttlMs = input.ttlMs;
      return exchange(who, req);
    },
    get: (id) => deps.repo.get(id),
    path: (id) => describePath(deps.repo, id, deps.clock.now()),
    list: (filter) => deps.repo.list(filter),
    children: (id) => deps.repo.children(id),
    async mayRevoke(identity, id) {
      if (hasRole(identity, 'admin')) return true;
      const path = await deps.repo.path(id);
      const leaf = path.at(-1);
      if (!leaf) return false;
      const me = uidText(identity);
      if (leaf.rootPrincipal === me || path.some((l) => l.delegator === me)) return true;
      const delegate = await registryIdentity(leaf.delegate);
      return delegate?.class === 'nhi' && identity.class === 'human' && delegate.owner === identity.id;
    },
    async revoke(id, by, reason) {
      if (!(await deps.repo.get(id))) throw new AirlockError('ERR_NOT_FOUND', `no delegation link ${id}`, { id });
      const byText = 'system' in by ? by.system : uidText(by.identity);
      // The cascade and its record commit together (issue 12): never a revocation without its record.
      return deps.audit.transaction(async (tx, log) => {
        const revoked = await revokeDelegation(tx.delegations, id, { now: deps.clock.now(), by: byText, reason });
        const rec = await log('delegation.revoked', {
          by: 'system' in by ? by.system : { ...by.caller },
          linkId: id,
          reason,
          revoked,
          delegation: { linkIds: await withAncestors([id, ...revoked], tx.delegations) },
        });
        return { revoked, auditSeq: rec.seq };
      });
    },
    async revokeActor(identity, cause, by) {
      const uid = uidText(identity);
      return deps.audit.transaction(async (tx, log) => {
        const revoked = await revokeDelegationsOfActor(tx.delegations, uid, { now: deps.clock.now(), by, reason: cause });
        if (revoked.length > 0) {
          await log('delegation.revoked', { by, actor: uid, reason: cause, revoked, delegation: { linkIds: await withAncestors(revoked, tx.delegations) } });
        }
        return revoked;
      });
    },
    uidOf: uidText,
  };
}
