import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { createMemoryDelegationRepo } from '../../src/delegation/memory-repo.js';
import { issueDelegation, type DelegationChecks, type IssueResult, type MayDelegateRequest } from '../../src/delegation/issue.js';
import { verifyChain, verifyDelegation } from '../../src/delegation/verify-chain.js';
import type { ScopeRequest } from '../../src/delegation/scope.js';

export const NS = 'Airlock';
export const ISS = 'https://airlock.test';
export const AUD = 'https://airlock.test';
/** A fixed "now", ms. */
export const NOW = 1_790_000_000_000;
export const MIN = 60_000;

export const human = (id: string) => `Airlock::Human::${JSON.stringify(id)}`;
export const agent = (id: string) => `Airlock::Agent::${JSON.stringify(id)}`;

export async function signingKey(): Promise<{ kid: string; privateKey: CryptoKey; publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  return { kid, privateKey, publicKey };
}

export interface Registry {
  [uid: string]: { nhi: boolean; active: boolean; owned: boolean };
}

/**
 * A small world: alice and bob (humans), agents a..e (active, owned), one key, one memory repo.
 * `hop()` does what the token endpoint does: verify the subject token as the delegator, then issue.
 */
export async function world(opts: { maxDepth?: number } = {}) {
  const key = await signingKey();
  const keys = new Map([[key.kid, key.publicKey]]);
  const keyFor = async (kid: string) => keys.get(kid);
  const repo = createMemoryDelegationRepo();
  const registry: Registry = {
    [human('alice')]: { nhi: false, active: true, owned: true },
    [human('bob')]: { nhi: false, active: true, owned: true },
  };
  for (const a of ['a', 'b', 'c', 'd', 'e']) registry[agent(a)] = { nhi: true, active: true, owned: true };
  const asked: MayDelegateRequest[] = [];
  let allow = (_r: MayDelegateRequest) => true;
  const checks: DelegationChecks = {
    delegateIsActiveOwnedNhi: (u) => !!registry[u]?.nhi && registry[u]!.active && registry[u]!.owned,
    mayDelegate: (r) => (asked.push(r), allow(r)),
  };
  const isActiveOwned = (u: string) => !!registry[u]?.active && (!registry[u]!.nhi || registry[u]!.owned);
  const base = { namespace: NS, issuer: ISS, audience: AUD, keyFor, repo, isActiveOwned, ...(opts.maxDepth ? { maxDepth: opts.maxDepth } : {}) };

  async function hop(
    parentToken: string | undefined,
    delegator: string,
    delegate: string,
    extra: { scope?: string; ttlMs?: number; purpose?: string; now?: number } = {},
  ): Promise<IssueResult> {
    const now = extra.now ?? NOW;
    let parent;
    if (parentToken) {
      const v = await verifyChain(parentToken, { ...base, caller: delegator, now });
      if (!v.ok) throw new Error(`parent does not verify: ${v.code}`);
      parent = v.chain;
    }
    return issueDelegation({
      ...base,
      ...(parent ? { parent } : {}),
      delegator,
      delegate,
      ...(extra.scope !== undefined || !parentToken ? { scope: extra.scope ?? 'tool.call:Tool::gh/* secret.read:Secret::ci/*' } : {}),
      ...(extra.ttlMs !== undefined || !parentToken ? { ttlMs: extra.ttlMs ?? 60 * MIN } : {}),
      ...(extra.purpose !== undefined || !parentToken ? { purpose: extra.purpose ?? 'triage INC-42' } : {}),
      now,
      key,
      checks,
    });
  }

  const token = (r: IssueResult): string => {
    if (!r.ok) throw new Error(`not issued: ${r.error.airlock_code} ${r.error.error_description}`);
    return r.token;
  };

  const request = (action: string, type: string, id: string): ScopeRequest => ({ action: { name: action }, resource: { type, id } });
  const verify = (t: string, caller: string, req: ScopeRequest = request('tool.call', 'Tool', 'gh/list'), now = NOW) =>
    verifyDelegation(t, { ...base, caller, request: req, now });

  /** human alice → a → b → c, each narrowing. */
  async function threeHops() {
    const ra = await hop(undefined, human('alice'), agent('a'));
    const rb = await hop(token(ra), agent('a'), agent('b'), { scope: 'tool.call:Tool::gh/* secret.read:Secret::ci/npm', ttlMs: 30 * MIN });
    const rc = await hop(token(rb), agent('b'), agent('c'), { scope: 'tool.call:Tool::gh/list', ttlMs: 10 * MIN });
    return { ra, rb, rc, ta: token(ra), tb: token(rb), tc: token(rc) };
  }

  return {
    key,
    keys,
    keyFor,
    repo,
    registry,
    checks,
    asked,
    setAllow: (f: (r: MayDelegateRequest) => boolean) => (allow = f),
    isActiveOwned,
    base,
    hop,
    token,
    request,
    verify,
    threeHops,
  };
}
