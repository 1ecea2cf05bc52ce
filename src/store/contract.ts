import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { sealRecord, ChainVerifier } from '../audit/chain.js';
import { approvalFixture } from '../approval/repo-contract.js';
import type { ApprovalVote } from '../approval/types.js';
import type { ApiKeyRecord, Human, Identity, Nhi } from '../identity/types.js';
import type { AuditEntry, Store } from './port.js';

/**
 * One contract suite for every storage adapter (memory, SQLite, later PostgreSQL). Each adapter's
 * test file calls this with a factory that opens a fresh, empty store.
 */
export function runStoreContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const entry = (i: number) => ({ at: new Date(1_700_000_000_000 + i).toISOString(), kind: 'decision', record: { i, text: `r${i}` } });

    it('appends records in order, chained, per writer', async () => {
      const a = await store.audit.append('w1', [entry(1), entry(2)], sealRecord);
      const b = await store.audit.append('w1', [entry(3)], sealRecord);
      await store.audit.append('w2', [entry(4)], sealRecord);
      expect(a.map((r) => r.seq)).toEqual([1, 2]);
      expect(b[0]!.seq).toBe(3);
      expect(b[0]!.prevHash).toBe(a[1]!.hash);
      expect(await store.audit.head('w1')).toEqual({ seq: 3, hash: b[0]!.hash });
      expect(await store.audit.writers()).toEqual(['w1', 'w2']);
      const all = await store.audit.read('w1', 1, 100);
      const v = new ChainVerifier('w1');
      for (const r of all) expect(v.push(r)).toBe(true);
      expect(v.count).toBe(3);
    });

    it('reads from a sequence number with a limit', async () => {
      await store.audit.append('w', [1, 2, 3, 4, 5].map(entry), sealRecord);
      expect((await store.audit.read('w', 3, 2)).map((r) => r.seq)).toEqual([3, 4]);
      expect(await store.audit.read('none', 1, 10)).toEqual([]);
      expect(await store.audit.head('none')).toBeUndefined();
    });

    it('writes nothing when sealing fails midway (atomic batch)', async () => {
      await store.audit.append('w', [entry(1)], sealRecord);
      let n = 0;
      const failing: typeof sealRecord = (w, prev, e) => {
        if (++n === 2) throw new Error('boom');
        return sealRecord(w, prev, e);
      };
      await expect(store.audit.append('w', [entry(2), entry(3)], failing)).rejects.toThrow('boom');
      expect((await store.audit.read('w', 1, 10)).length).toBe(1);
    });

    it('stores strings verbatim, SQL metacharacters included', async () => {
      const nasty = `'; DROP TABLE audit;-- \u0000 % _ "`;
      await store.audit.append(nasty, [{ at: 'x', kind: nasty, record: { v: nasty } }], sealRecord);
      const [r] = await store.audit.read(nasty, 1, 1);
      expect(r!.kind).toBe(nasty);
      expect(JSON.parse(r!.recordText).v).toBe(nasty);
    });

    it('keeps checkpoints and returns the latest', async () => {
      await store.audit.saveCheckpoint({ writer: 'w', seq: 1, hash: 'h1', at: 'a', jws: 'j1', kid: 'k' });
      await store.audit.saveCheckpoint({ writer: 'w', seq: 5, hash: 'h5', at: 'b', jws: 'j5', kid: 'k' });
      expect((await store.audit.latestCheckpoint('w'))?.seq).toBe(5);
      expect(await store.audit.latestCheckpoint('other')).toBeUndefined();
    });

    it('finds records by requestId or approvalId across writers, in chain order', async () => {
      await store.audit.append('w1', [{ at: '2026-01-01T00:00:01.000Z', kind: 'decision', record: { requestId: 'r1' } }, { at: '2026-01-01T00:00:02.000Z', kind: 'approval.opened', record: { requestId: 'r1', approvalId: 'a1' } }], sealRecord);
      await store.audit.append('w2', [{ at: '2026-01-01T00:00:03.000Z', kind: 'approval.vote', record: { approvalId: 'a1' } }, { at: '2026-01-01T00:00:04.000Z', kind: 'decision', record: { requestId: 'r2' } }], sealRecord);
      expect((await store.audit.find({ requestId: 'r1' })).map((r) => r.kind)).toEqual(['decision', 'approval.opened']);
      expect((await store.audit.find({ requestId: 'r1', approvalId: 'a1' })).map((r) => r.kind)).toEqual(['decision', 'approval.opened', 'approval.vote']);
      expect(await store.audit.find({ requestId: "x' OR '1'='1" })).toEqual([]);
      expect(await store.audit.find({})).toEqual([]);
    });

    it('redeems a grant jti exactly once', async () => {
      const results = await Promise.all([1, 2, 3].map((i) => store.grants.redeem('jti-1', `r${i}`, '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.grants.redeem('jti-2', 'r', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z')).toBe(true);
    });

    it('stores keys, lists newest first, retires', async () => {
      await store.keys.insert({ kid: 'a', purpose: 'audit', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.keys.insert({ kid: 'b', purpose: 'audit', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-02T00:00:00.000Z' });
      await store.keys.insert({ kid: 'c', purpose: 'grant', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: '2026-01-03T00:00:00.000Z' });
      expect((await store.keys.list('audit')).map((k) => k.kid)).toEqual(['b', 'a']);
      await store.keys.retire('a', '2026-02-01T00:00:00.000Z');
      expect((await store.keys.list('audit')).find((k) => k.kid === 'a')?.retiredAt).toBe('2026-02-01T00:00:00.000Z');
    });
  
    // ---- identity registry -------------------------------------------------------------------
    const T0 = '2026-01-01T00:00:00.000Z';
    const human = (id: string, over: Partial<Human> = {}): Human => ({ class: 'human', id, displayName: id, groups: [], roles: [], links: {}, status: 'active', createdAt: T0, updatedAt: T0, ...over });
    const nhi = (id: string, over: Partial<Nhi> = {}): Nhi => ({
      class: 'nhi', id, kind: 'agent', displayName: id, owner: 'erin', groups: [], environments: [], purpose: 'p', status: 'active', attributes: {}, createdAt: T0, updatedAt: T0, ...over,
    });
    const apiKey = (keyId: string, identityId: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({ keyId, identityId, hash: 'a'.repeat(64), createdAt: T0, createdBy: 'test', ...over });
    const intent = (op: string): { writer: string; seal: typeof sealRecord; entry: AuditEntry } => ({ writer: 'main', seal: sealRecord, entry: { at: T0, kind: 'identity', record: { op } } });

    it('registry: create writes identity, keys and audit record together; get returns a copy', async () => {
      const rec = await store.identities.create(human('erin'), [apiKey('k1', 'erin')], intent('human.create'));
      expect(rec.seq).toBe(1);
      expect(JSON.parse(rec.recordText)).toEqual({ op: 'human.create' });
      const got = await store.identities.get('erin');
      expect(got).toEqual(human('erin'));
      got!.groups.push('mutated');
      expect((await store.identities.get('erin'))!.groups).toEqual([]);
      expect(await store.credentials.get('k1')).toEqual(apiKey('k1', 'erin'));
      expect(await store.identities.count()).toBe(1);
      expect(await store.identities.get('nobody')).toBeUndefined();
    });

    it('registry: a duplicate id is ERR_IDENTITY_EXISTS and writes nothing (no key, no audit record)', async () => {
      await store.identities.create(human('erin'), [], intent('a'));
      await expect(store.identities.create(nhi('erin'), [apiKey('k2', 'erin')], intent('b'))).rejects.toMatchObject({ code: 'ERR_IDENTITY_EXISTS' });
      expect(await store.credentials.get('k2')).toBeUndefined();
      expect((await store.audit.head('main'))!.seq).toBe(1);
      expect((await store.identities.get('erin'))!.class).toBe('human');
    });

    it('registry: a failing audit seal inside create writes nothing', async () => {
      const failing = { ...intent('x'), seal: () => { throw new Error('seal failed'); } };
      await expect(store.identities.create(human('erin'), [apiKey('k1', 'erin')], failing)).rejects.toThrow('seal failed');
      expect(await store.identities.get('erin')).toBeUndefined();
      expect(await store.credentials.get('k1')).toBeUndefined();
      expect(await store.audit.head('main')).toBeUndefined();
    });

    it('registry: list filters by class, kind, status, owner, group, environment, with limit, ordered by id', async () => {
      await store.identities.create(human('erin'), [], intent('1'));
      await store.identities.create(nhi('b-agent', { groups: ['deployers'], environments: ['production'] }), [], intent('2'));
      await store.identities.create(nhi('a-bot', { kind: 'bot', owner: 'zed', status: 'suspended', groups: ['ops'] }), [], intent('3'));
      const ids = async (f: Parameters<Store['identities']['list']>[0]) => (await store.identities.list(f)).map((i) => i.id);
      expect(await ids({})).toEqual(['a-bot', 'b-agent', 'erin']);
      expect(await ids({ class: 'nhi' })).toEqual(['a-bot', 'b-agent']);
      expect(await ids({ kind: 'bot' })).toEqual(['a-bot']);
      expect(await ids({ status: 'active' })).toEqual(['b-agent', 'erin']);
      expect(await ids({ owner: 'erin' })).toEqual(['b-agent']);
      expect(await ids({ group: 'deployers' })).toEqual(['b-agent']);
      expect(await ids({ environment: 'production' })).toEqual(['b-agent']);
      expect(await ids({ limit: 1 })).toEqual(['a-bot']);
      // threats.md §3.10: metacharacters in a filter are data, not SQL or LIKE patterns.
      expect(await ids({ owner: "' OR 1=1 --" })).toEqual([]);
      expect(await ids({ group: '%' })).toEqual([]);
    });

    it('registry: update is an atomic read-modify-write with its audit record; no change writes nothing', async () => {
      await store.identities.create(nhi('a'), [], intent('c'));
      const r = await store.identities.update('a', (cur) => ({ next: { ...cur, status: 'suspended' } as Identity, entry: intent('suspend').entry }), { writer: 'main', seal: sealRecord });
      expect(r!.identity.status).toBe('suspended');
      expect(r!.record!.seq).toBe(2);
      const same = await store.identities.update('a', () => undefined, { writer: 'main', seal: sealRecord });
      expect(same!.record).toBeUndefined();
      expect((await store.audit.head('main'))!.seq).toBe(2);
      await expect(store.identities.update('a', () => { throw new Error('refused'); }, { writer: 'main', seal: sealRecord })).rejects.toThrow('refused');
      expect((await store.identities.get('a'))!.status).toBe('suspended');
      expect(await store.identities.update('missing', () => undefined, { writer: 'main', seal: sealRecord })).toBeUndefined();
    });

    it('registry: recordUse only raises lastUsedAt, for identities and keys', async () => {
      await store.identities.create(nhi('a'), [apiKey('k', 'a')], intent('c'));
      await store.identities.recordUse(new Map([['a', '2026-02-01T00:00:00.000Z'], ['ghost', '2026-02-01T00:00:00.000Z']]));
      await store.identities.recordUse(new Map([['a', '2026-01-15T00:00:00.000Z']]));
      expect((await store.identities.get('a'))!.lastUsedAt).toBe('2026-02-01T00:00:00.000Z');
      await store.credentials.recordUse(new Map([['k', '2026-03-01T00:00:00.000Z']]));
      expect((await store.credentials.get('k'))!.lastUsedAt).toBe('2026-03-01T00:00:00.000Z');
      expect((await store.audit.head('main'))!.seq).toBe(1);
    });

    it('credentials: insert (needs the identity), listFor, listAll, countActive, revoke by update', async () => {
      await store.identities.create(human('erin'), [], intent('c'));
      await expect(store.credentials.insert(apiKey('x', 'ghost'), intent('k'))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      await store.credentials.insert(apiKey('k1', 'erin'), intent('k1'));
      await store.credentials.insert(apiKey('k2', 'erin', { createdAt: '2026-01-02T00:00:00.000Z', expiresAt: '2026-01-10T00:00:00.000Z' }), intent('k2'));
      expect((await store.credentials.listFor('erin')).map((k) => k.keyId)).toEqual(['k1', 'k2']);
      expect((await store.credentials.listAll()).length).toBe(2);
      expect(await store.credentials.countActive('2026-01-05T00:00:00.000Z')).toBe(2);
      expect(await store.credentials.countActive('2026-01-11T00:00:00.000Z')).toBe(1);
      const r = await store.credentials.update('k1', (cur) => ({ next: { ...cur, revokedAt: '2026-01-03T00:00:00.000Z' }, entry: intent('revoke').entry }), { writer: 'main', seal: sealRecord });
      expect(r!.key.revokedAt).toBe('2026-01-03T00:00:00.000Z');
      expect(await store.credentials.countActive('2026-01-05T00:00:00.000Z')).toBe(1);
      expect((await store.audit.head('main'))!.seq).toBe(4);
    });

    it('registry: SQL metacharacters and odd text are stored and returned verbatim (threats.md §3.10)', async () => {
      const nasty = `'; DROP TABLE identities;-- 1 OR 1=1 \u0000 % _ " \\ ☃`;
      const n = nhi('x', { purpose: nasty, displayName: nasty, attributes: { [nasty]: nasty, list: [nasty] } });
      await store.identities.create(human('erin'), [], intent('1'));
      await store.identities.create(n, [apiKey('k', 'x', { label: nasty })], intent('2'));
      expect(await store.identities.get('x')).toEqual(n);
      expect((await store.credentials.get('k'))!.label).toBe(nasty);
      expect(await store.identities.count()).toBe(2);
    });

    // ---- unit of work (port.ts `Transactional`) ---------------------------------------------
    const U0 = '2026-11-23T12:00:00.000Z';
    const U1 = '2026-11-23T12:05:00.000Z';
    const vote = (who: string): ApprovalVote => ({ approver: `Airlock::Human::"${who}"`, decision: 'approve', reason: 'r', channel: 'api', at: U1 });
    const link = (id: string) => ({ id, rootPrincipal: 'Airlock::Human::"erin"', delegator: 'Airlock::Human::"erin"', delegate: 'Airlock::Agent::"a"', scope: 'tool.call', purpose: 'p', depth: 1, issuedAt: U0, expiresAt: U1, contentHash: 'sha256:x' });
    const deferred = () => {
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      return { promise, release };
    };

    it('unit of work: every write through tx commits together, and the result is returned', async () => {
      await store.approvals.openOrGet(approvalFixture('u1'), U0);
      const out = await store.transaction(async (tx) => {
        const cur = await tx.approvals.getForUpdate('u1');
        const [rec] = await tx.audit.append('main', [{ at: U1, kind: 'approval.vote', record: { approvalId: 'u1' } }], sealRecord);
        const voted = await tx.approvals.recordVote('u1', { ...vote('alice'), audit: { writer: 'main', seq: rec!.seq, hash: rec!.hash } }, { status: 'approved', decidedAt: U1 }, U1, cur!.votes.length);
        await tx.grants.redeem('jti-u1', 'r', U1, U1);
        await tx.delegations.insert(link('l-u1'));
        // The unit reads its own writes.
        expect((await tx.approvals.get('u1'))?.status).toBe('approved');
        expect((await tx.audit.get('main', rec!.seq))?.hash).toBe(rec!.hash);
        return voted?.status;
      });
      expect(out).toBe('approved');
      const got = await store.approvals.get('u1');
      expect(got?.status).toBe('approved');
      expect(got?.votes[0]?.audit).toEqual({ writer: 'main', seq: 1, hash: (await store.audit.head('main'))!.hash });
      expect(await store.grants.redeem('jti-u1', 'r', U1, U1)).toBe(false);
      expect(await store.delegations.get('l-u1')).toBeDefined();
    });

    it('unit of work: a failing audit append inside the unit writes nothing at all', async () => {
      await store.audit.append('main', [entry(1)], sealRecord);
      await store.approvals.openOrGet(approvalFixture('u2'), U0);
      const failingSeal: typeof sealRecord = () => {
        throw new Error('audit append failed');
      };
      await expect(
        store.transaction(async (tx) => {
          await tx.approvals.recordVote('u2', vote('alice'), { status: 'approved', decidedAt: U1 }, U1);
          await tx.grants.redeem('jti-u2', 'r', U1, U1);
          await tx.delegations.insert(link('l-u2'));
          await tx.audit.append('main', [entry(2)], sealRecord);
          await tx.audit.append('main', [entry(3)], failingSeal);
        }),
      ).rejects.toThrow('audit append failed');
      expect((await store.approvals.get('u2'))?.status).toBe('pending');
      expect((await store.approvals.get('u2'))?.votes).toEqual([]);
      expect(await store.grants.redeem('jti-u2', 'r', U1, U1)).toBe(true);
      expect(await store.delegations.get('l-u2')).toBeUndefined();
      expect((await store.audit.head('main'))?.seq).toBe(1);
    });

    it('unit of work: another request never reads what the unit has not committed', async () => {
      await store.approvals.openOrGet(approvalFixture('u3'), U0);
      const written = deferred();
      const finish = deferred();
      const unit = store.transaction(async (tx) => {
        await tx.approvals.recordVote('u3', vote('alice'), { status: 'approved', decidedAt: U1 }, U1);
        written.release();
        await finish.promise;
        throw new Error('rolled back');
      });
      await written.promise;
      // Started while the unit is open: one-connection adapters make it wait, pooled ones read
      // the last commit; either way it must not see the vote, which never commits.
      const outside = store.approvals.get('u3');
      finish.release();
      await expect(unit).rejects.toThrow('rolled back');
      expect((await outside)?.status).toBe('pending');
      expect((await store.approvals.get('u3'))?.votes).toEqual([]);
    });

    it('unit of work: concurrent units on one approval act on each other\'s committed state (quorum 2)', async () => {
      await store.approvals.openOrGet(approvalFixture('u4', { quorum: 2 }), U0);
      const voteIn = (who: string) =>
        store.transaction(async (tx) => {
          const cur = await tx.approvals.getForUpdate('u4');
          const status = cur!.votes.length + 1 >= 2 ? 'approved' : 'pending';
          return tx.approvals.recordVote('u4', vote(who), status === 'approved' ? { status, decidedAt: U1 } : { status }, U1, cur!.votes.length);
        });
      const [a, b] = await Promise.all([voteIn('alice'), voteIn('bob')]);
      expect([a?.status, b?.status].sort()).toEqual(['approved', 'pending']);
      expect((await store.approvals.get('u4'))?.votes.length).toBe(2);
      expect((await store.approvals.get('u4'))?.status).toBe('approved');
    });

    it('unit of work: tx is dead after the unit; calling the store inside a unit never deadlocks', async () => {
      let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.grants.redeem('jti-late', 'r', U1, U1)).rejects.toThrow();
      expect(await store.grants.redeem('jti-late', 'r', U1, U1)).toBe(true);
      // Wrong, but it must end (throw or answer) rather than wait for itself.
      const outcome = await store.transaction(async () => store.approvals.get('none').then(() => 'answered', () => 'threw')).catch(() => 'threw');
      expect(['answered', 'threw']).toContain(outcome);
    });

    it('unit of work: audit.get returns the record at a seq exactly as stored, undefined past the head', async () => {
      const recs = await store.audit.append('w', [1, 2, 3].map(entry), sealRecord);
      expect(await store.audit.get('w', 2)).toEqual(recs[1]);
      expect(await store.audit.get('w', 4)).toBeUndefined();
      expect(await store.audit.get('other', 1)).toBeUndefined();
    });
  });
}
