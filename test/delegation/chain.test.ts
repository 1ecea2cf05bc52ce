import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashLink, revokeDelegation, revokeDelegationsOfActor, describePath } from '../../src/delegation/links.js';
import { createTokenCache, nestActors, signDelegationToken, type DelegationClaims } from '../../src/delegation/token.js';
import { pathIdentities, verifyChain } from '../../src/delegation/verify-chain.js';
import { MIN, NOW, agent, human, signingKey, world } from './fixture.js';

const claimsOf = (t: string) => JSON.parse(new TextDecoder().decode(base64url.decode(t.split('.')[1]!))) as DelegationClaims;

describe('delegation chain: human → a → b → c', () => {
  it('a 3-hop chain verifies and yields context.delegation', async () => {
    const w = await world();
    const { tc, ra, rb, rc } = await w.threeHops();
    const v = await w.verify(tc, agent('c'));
    expect(v.ok).toBe(true);
    if (!v.ok || !ra.ok || !rb.ok || !rc.ok) return;
    expect(v.context).toEqual({
      depth: 3,
      root: human('alice'),
      actors: [agent('a'), agent('b'), agent('c')],
      purpose: 'triage INC-42',
      linkIds: [ra.link.id, rb.link.id, rc.link.id],
    });
    expect(pathIdentities(v.context)).toEqual([human('alice'), agent('a'), agent('b'), agent('c')]);
    // https://www.rfc-editor.org/rfc/rfc8693#section-4.1 - outermost act = current actor
    const c = claimsOf(tc);
    expect(c.sub).toBe(human('alice'));
    expect(c.act).toEqual({ sub: agent('c'), act: { sub: agent('b'), act: { sub: agent('a') } } });
    expect(c).toMatchObject({ dpth: 3, scope: 'tool.call:Tool::gh/list', purp: 'triage INC-42', phash: rb.link.contentHash });
    expect(c.exp - c.iat).toBe(600);
    // the policy callback saw each hop with its depth and root
    expect(w.asked.map((a) => [a.delegator, a.delegate, a.depth, a.root])).toEqual([
      [human('alice'), agent('a'), 1, human('alice')],
      [agent('a'), agent('b'), 2, human('alice')],
      [agent('b'), agent('c'), 3, human('alice')],
    ]);
  });

  it('the leaf scope bounds each request (bare and namespaced types)', async () => {
    const w = await world();
    const { tb, tc } = await w.threeHops();
    expect((await w.verify(tc, agent('c'), w.request('tool.call', 'Airlock::Tool', 'gh/list'))).ok).toBe(true);
    expect(await w.verify(tc, agent('c'), w.request('tool.call', 'Tool', 'gh/delete'))).toMatchObject({ ok: false, code: 'delegation_scope' });
    expect(await w.verify(tc, agent('c'), w.request('secret.read', 'Secret', 'ci/npm'))).toMatchObject({ ok: false, code: 'delegation_scope' });
    expect((await w.verify(tb, agent('b'), w.request('secret.read', 'Secret', 'ci/npm'))).ok).toBe(true);
    expect(await w.verify(tb, agent('b'), w.request('secret.read', 'Secret', 'ci/aws'))).toMatchObject({ ok: false, code: 'delegation_scope' });
  });

  it('each widening attempt is refused: scope, ttl, depth', async () => {
    const w = await world({ maxDepth: 4 });
    const { tb, tc } = await w.threeHops();
    const wider = await w.hop(tc, agent('c'), agent('d'), { scope: 'tool.call:Tool::gh/*' });
    expect(!wider.ok && wider.error).toMatchObject({ error: 'invalid_scope', airlock_code: 'scope_widening' });
    const otherAction = await w.hop(tb, agent('b'), agent('d'), { scope: 'shell.exec' });
    expect(!otherAction.ok && otherAction.error).toMatchObject({ error: 'invalid_scope', airlock_code: 'scope_widening' });
    const longer = await w.hop(tc, agent('c'), agent('d'), { ttlMs: 11 * MIN });
    expect(!longer.ok && longer.error).toMatchObject({ error: 'invalid_request', airlock_code: 'ttl_exceeds_parent' });
    expect((await w.hop(tc, agent('c'), agent('d'), { ttlMs: 10 * MIN })).ok).toBe(true); // equal is fine
    // no ttl: the default (15 min) is clamped to the parent's 10 min
    const clamped = await w.hop(tc, agent('c'), agent('e'));
    expect(clamped.ok && clamped.claims.exp).toBe(claimsOf(tc).exp);
    // depth: c → d is depth 4 (= maxDepth), d → e would be 5
    const d = await w.hop(tc, agent('c'), agent('d'));
    const e = await w.hop(w.token(d), agent('d'), agent('e'));
    expect(!e.ok && e.error).toMatchObject({ error: 'invalid_request', airlock_code: 'depth_exceeded' });
    // a lowered limit also refuses already issued deeper tokens at request time
    expect(await verifyChain(w.token(d), { ...w.base, caller: agent('d'), now: NOW, maxDepth: 3 })).toMatchObject({ ok: false, code: 'delegation_invalid' });
  });

  it("b's token presented by c is refused (actor mismatch); so is c's token presented by b", async () => {
    const w = await world();
    const { tb, tc } = await w.threeHops();
    expect(await w.verify(tb, agent('c'))).toMatchObject({ ok: false, code: 'delegation_actor_mismatch' });
    expect(await w.verify(tc, agent('b'))).toMatchObject({ ok: false, code: 'delegation_actor_mismatch' });
    expect(await w.verify(tc, human('alice'))).toMatchObject({ ok: false, code: 'delegation_actor_mismatch' });
    expect(await w.verify(tc, 'Agent::"c"')).toMatchObject({ ok: true }); // same uid, unqualified spelling
    expect(await w.verify(tc, 'Airlock::Agent::"C"')).toMatchObject({ ok: false, code: 'delegation_actor_mismatch' });
    // and c cannot extend b's token either
    await expect(w.hop(tb, agent('c'), agent('d'))).rejects.toThrow(/delegation_actor_mismatch/);
  });

  it("revoking a's link cascades: c's next verification fails", async () => {
    const w = await world();
    const { ta, tb, tc, ra, rb, rc } = await w.threeHops();
    if (!ra.ok || !rb.ok || !rc.ok) throw new Error('setup');
    expect((await w.verify(tc, agent('c'))).ok).toBe(true);
    const revoked = await revokeDelegation(w.repo, ra.link.id, { now: NOW + 1000, by: human('alice'), reason: 'task done' });
    expect(revoked).toEqual([ra.link.id, rb.link.id, rc.link.id]);
    for (const [t, who] of [[ta, 'a'], [tb, 'b'], [tc, 'c']] as const) {
      expect(await w.verify(t, agent(who), undefined, NOW + 2000)).toMatchObject({ ok: false, code: 'delegation_revoked' });
    }
    // revocation is idempotent and keeps the first record
    expect(await revokeDelegation(w.repo, ra.link.id, { now: NOW + 5000, by: human('bob'), reason: 'again' })).toEqual([]);
    expect((await w.repo.get(rc.link.id))).toMatchObject({ revokedBy: human('alice'), revokedReason: 'task done' });
    const path = await describePath(w.repo, rc.link.id, NOW + 2000);
    expect(path?.map((p) => [p.depth, p.delegate, p.status, p.ttlSeconds])).toEqual([
      [1, agent('a'), 'revoked', 3600],
      [2, agent('b'), 'revoked', 1800],
      [3, agent('c'), 'revoked', 600],
    ]);
  });

  it('with the signature cache, revocation still takes effect on the very next request', async () => {
    const w = await world();
    const { tc, rb } = await w.threeHops();
    if (!rb.ok) throw new Error('setup');
    const tokenCache = createTokenCache();
    const args = { ...w.base, caller: agent('c'), now: NOW, tokenCache, request: w.request('tool.call', 'Tool', 'gh/list') };
    const { verifyDelegation } = await import('../../src/delegation/verify-chain.js');
    expect((await verifyDelegation(tc, args)).ok).toBe(true);
    expect((await verifyDelegation(tc, args)).ok).toBe(true);
    expect(tokenCache.size).toBe(1);
    await revokeDelegation(w.repo, rb.link.id, { now: NOW, by: agent('a'), reason: 'x' });
    expect(await verifyDelegation(tc, args)).toMatchObject({ ok: false, code: 'delegation_revoked' });
    expect(await verifyDelegation(tc, { ...args, caller: agent('b') })).toMatchObject({ ok: false, code: 'delegation_actor_mismatch' });
  });

  it('revoking a middle link leaves the links above it working', async () => {
    const w = await world();
    const { ta, tc, rb } = await w.threeHops();
    if (!rb.ok) throw new Error('setup');
    await revokeDelegation(w.repo, rb.link.id, { now: NOW, by: agent('a'), reason: 'x' });
    expect(await w.verify(tc, agent('c'))).toMatchObject({ ok: false, code: 'delegation_revoked' });
    expect((await w.verify(ta, agent('a'))).ok).toBe(true);
  });

  it('b suspended: c is refused at once; suspension then revokes every link where b acts', async () => {
    const w = await world();
    const { ta, tc, ra, rb, rc } = await w.threeHops();
    if (!ra.ok || !rb.ok || !rc.ok) throw new Error('setup');
    w.registry[agent('b')]!.active = false;
    expect(await w.verify(tc, agent('c'))).toMatchObject({ ok: false, code: 'delegation_actor_inactive' });
    const ids = await revokeDelegationsOfActor(w.repo, agent('b'), { now: NOW, by: 'Airlock::System::"identity"', reason: 'suspended' });
    expect(ids.sort()).toEqual([rb.link.id, rc.link.id].sort());
    w.registry[agent('b')]!.active = true; // reactivation does not bring the links back
    expect(await w.verify(tc, agent('c'))).toMatchObject({ ok: false, code: 'delegation_revoked' });
    expect((await w.verify(ta, agent('a'))).ok).toBe(true);
  });

  it('an unowned actor or a suspended root fails the path too', async () => {
    const w = await world();
    const { tc } = await w.threeHops();
    w.registry[agent('a')]!.owned = false;
    expect(await w.verify(tc, agent('c'))).toMatchObject({ ok: false, code: 'delegation_actor_inactive', detail: 'actor 1' });
    w.registry[agent('a')]!.owned = true;
    w.registry[human('alice')]!.active = false;
    expect(await w.verify(tc, agent('c'))).toMatchObject({ ok: false, code: 'delegation_actor_inactive', detail: 'root' });
  });

  it('expired and not-yet-valid tokens, and an expired middle link', async () => {
    const w = await world();
    const { tb, tc } = await w.threeHops();
    expect(await w.verify(tc, agent('c'), undefined, NOW + 10 * MIN + 31_000)).toMatchObject({ ok: false, code: 'delegation_expired' });
    // inside the token leeway but past the stored link's expiry: the link is judged without leeway
    expect(await w.verify(tc, agent('c'), undefined, NOW + 10 * MIN)).toMatchObject({ ok: false, code: 'delegation_expired' });
    expect((await w.verify(tc, agent('c'), undefined, NOW + 10 * MIN - 1000)).ok).toBe(true);
    expect(await w.verify(tc, agent('c'), undefined, NOW - 31_000)).toMatchObject({ ok: false, code: 'delegation_invalid', detail: 'token_not_yet_valid' });
    expect(await w.verify(tb, agent('b'), w.request('secret.read', 'Secret', 'ci/npm'), NOW + 31 * MIN)).toMatchObject({ ok: false, code: 'delegation_expired' });
  });

  it('tampered payload, wrong key and alg none are refused', async () => {
    const w = await world();
    const { tc } = await w.threeHops();
    const [h, p, s] = tc.split('.') as [string, string, string];
    const widened = base64url.encode(JSON.stringify({ ...claimsOf(tc), scope: 'tool.call:Tool::gh/*' }));
    expect(await w.verify(`${h}.${widened}.${s}`, agent('c'))).toMatchObject({ ok: false, code: 'delegation_invalid', detail: 'token_signature' });
    const other = await signingKey();
    expect(await w.verify(await signDelegationToken(claimsOf(tc), other), agent('c'))).toMatchObject({ ok: false, code: 'delegation_invalid', detail: 'token_unknown_key' });
    const none = base64url.encode(JSON.stringify({ alg: 'none', typ: 'airlock-delegation+jwt' }));
    expect(await w.verify(`${none}.${p}.`, agent('c'))).toMatchObject({ ok: false, code: 'delegation_invalid', detail: 'token_malformed' });
  });

  it('cycles are refused at issuance (a → b → a, and back to the root)', async () => {
    const w = await world();
    const { tb } = await w.threeHops();
    const back = await w.hop(tb, agent('b'), agent('a'));
    expect(!back.ok && back.error).toMatchObject({ error: 'invalid_request', airlock_code: 'delegation_cycle' });
    const self = await w.hop(tb, agent('b'), agent('b'));
    expect(!self.ok && self.error.airlock_code).toBe('delegation_cycle');
    const toRoot = await w.hop(tb, agent('b'), human('alice'));
    expect(!toRoot.ok && toRoot.error.airlock_code).toBe('delegation_cycle');
  });

  it('spliced links are refused: a link from another chain, a re-parented stored link, a widened stored link', async () => {
    const w = await world();
    const { tc, ra, rc } = await w.threeHops();
    const bob = await w.hop(undefined, human('bob'), agent('d'), { scope: 'tool.call:Tool::gh/*' });
    if (!ra.ok || !rc.ok || !bob.ok) throw new Error('setup');
    // 1. A token whose chain names bob's root link above alice's c link (even validly signed).
    const forged: DelegationClaims = { ...claimsOf(tc), chn: [bob.link.id, rc.link.id], dpth: 2, act: nestActors([agent('b'), agent('c')]), phash: bob.link.contentHash };
    expect(await w.verify(await signDelegationToken(forged, w.key), agent('c'))).toMatchObject({ ok: false, code: 'delegation_invalid' });
    // 2. The store edited to hang c's link under bob's chain: content hash no longer matches.
    const stored = (await w.repo.path(rc.link.id)).at(-1)!;
    const w2 = await world();
    await w2.repo.insert({ ...bob.link });
    await w2.repo.insert({ ...stored, parentId: bob.link.id, depth: 2 });
    const spliced: DelegationClaims = { ...claimsOf(tc), chn: [bob.link.id, stored.id], dpth: 2, sub: human('bob'), act: nestActors([agent('d'), agent('c')]), phash: bob.link.contentHash };
    const v2 = await verifyChain(await signDelegationToken(spliced, w.key), { ...w2.base, keyFor: w.keyFor, caller: agent('c'), now: NOW });
    expect(v2).toMatchObject({ ok: false, code: 'delegation_invalid' });
    // 3. A stored scope widened in place (no hash recomputation possible without breaking the chain).
    const w3 = await world();
    const t3 = await w3.threeHops();
    if (!t3.rc.ok) throw new Error('setup');
    const links = await w3.repo.path(t3.rc.link.id);
    const fresh = await world();
    for (const l of links) await fresh.repo.insert(l.id === t3.rc.link.id ? { ...l, scope: 'tool.call:Tool::gh/*' } : l);
    expect(await verifyChain(t3.tc, { ...fresh.base, keyFor: w3.keyFor, caller: agent('c'), now: NOW })).toMatchObject({ ok: false, code: 'delegation_invalid', detail: 'link 3 content hash mismatch' });
    // ... and an attacker who also recomputes that link's hash still breaks phash in the token.
    const fresh2 = await world();
    for (const l of links) {
      if (l.id !== t3.rc.link.id) await fresh2.repo.insert(l);
      else {
        const wide = { ...l, scope: 'tool.call:Tool::gh/*' };
        await fresh2.repo.insert({ ...wide, contentHash: hashLink(wide, links[1]!.contentHash) });
      }
    }
    expect(await verifyChain(t3.tc, { ...fresh2.base, keyFor: w3.keyFor, caller: agent('c'), now: NOW })).toMatchObject({ ok: false, code: 'delegation_invalid' });
  });

  it('an unknown link (token from another deployment sharing nothing) is invalid', async () => {
    const w = await world();
    const { tc } = await w.threeHops();
    const empty = await world();
    expect(await verifyChain(tc, { ...empty.base, keyFor: w.keyFor, caller: agent('c'), now: NOW })).toMatchObject({ ok: false, code: 'delegation_invalid' });
  });
});

describe('issuance checks', () => {
  it('policy refusal → unauthorized_client; ineligible delegate → invalid_request', async () => {
    const w = await world();
    w.setAllow((r) => r.depth < 2);
    const ra = await w.hop(undefined, human('alice'), agent('a'));
    const rb = await w.hop(w.token(ra), agent('a'), agent('b'));
    expect(!rb.ok && rb.error).toMatchObject({ error: 'unauthorized_client', airlock_code: 'delegation_forbidden' });
    w.registry[agent('e')]!.active = false;
    const re = await w.hop(undefined, human('alice'), agent('e'));
    expect(!re.ok && re.error).toMatchObject({ error: 'invalid_request', airlock_code: 'delegate_not_eligible' });
    const rh = await w.hop(undefined, human('alice'), human('bob'));
    expect(!rh.ok && rh.error.airlock_code).toBe('delegate_not_eligible');
    // nothing was stored for refusals
    expect((await w.repo.list({ includeRevoked: true })).length).toBe(1);
  });

  it('purpose is set at the root and inherited; scope and ttl syntax; max ttl', async () => {
    const w = await world();
    const ra = await w.hop(undefined, human('alice'), agent('a'));
    const relabel = await w.hop(w.token(ra), agent('a'), agent('b'), { purpose: 'something else' });
    expect(!relabel.ok && relabel.error.airlock_code).toBe('purpose_mismatch');
    const same = await w.hop(w.token(ra), agent('a'), agent('b'), { purpose: 'triage INC-42' });
    expect(same.ok && same.claims.purp).toBe('triage INC-42');
    const inherit = await w.hop(w.token(ra), agent('a'), agent('c'));
    expect(inherit.ok && [inherit.claims.scope, inherit.claims.purp]).toEqual(['secret.read:Secret::ci/* tool.call:Tool::gh/*', 'triage INC-42']);
    for (const [extra, code] of [
      [{ purpose: '' }, 'purpose_invalid'],
      [{ purpose: 'a\u202eb' }, 'purpose_invalid'],
      [{ scope: 'tool.call:Tool::g*h' }, 'scope_invalid'],
      [{ ttlMs: 0 }, 'ttl_invalid'],
      [{ ttlMs: 25 * 60 * MIN }, 'ttl_exceeds_max'],
    ] as const) {
      const r = await w.hop(undefined, human('alice'), agent('d'), extra);
      expect(!r.ok && r.error.airlock_code).toBe(code);
    }
  });
});
