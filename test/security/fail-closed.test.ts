import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/writer.js';
import { systemClock } from '../../src/core/clock.js';
import type { AuthorizationRequest } from '../../src/core/types.js';
import { createGateway } from '../../src/gateway/gateway.js';
import { createPolicyHolder } from '../../src/gateway/policy-holder.js';
import { compileBundle, type CompiledBundle } from '../../src/policy/index.js';
import { openMemoryStore } from '../../src/store/memory/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { AuditRepo, Transactional } from '../../src/store/port.js';

// DESIGN §6 "Fail closed": any error in policy evaluation or audit writing yields deny, never allow.
const schema = `namespace Airlock {
  entity Agent { @caller_supplied manager: Agent, @caller_supplied suspended: Bool };
  entity Tool;
  action "tool.call" appliesTo { principal: [Agent], resource: [Tool], context: { amount?: Long } };
}`;

function bundle(policies: string): CompiledBundle {
  const r = compileBundle({ 'schema.cedarschema': schema, 'main.cedar': policies });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.bundle;
}

const req: AuthorizationRequest = { subject: { type: 'Agent', id: 'a' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 't' }, context: {} };

/** A store whose units of work see `audit` as their audit repo (fault injection). */
function auditStore(audit: AuditRepo | undefined): Transactional {
  const base = openMemoryStore();
  return audit ? { transaction: (work) => base.transaction((tx) => work({ ...tx, audit })) } : base;
}

function gatewayWith(b: CompiledBundle | undefined, store: Transactional = openMemoryStore(), timeoutMs = 1000) {
  return createGateway({ policies: createPolicyHolder(b), audit: createAuditWriter({ store, writer: 'main', clock: systemClock, timeoutMs }), clock: systemClock });
}

const permitAll = '@id("permit-all") permit (principal, action, resource);';

describe('fail closed (threats.md F1, F4, F5)', () => {
  it('a matching permit alone allows (control)', async () => {
    expect((await gatewayWith(bundle(permitAll)).authorize(req)).outcome).toBe('allow');
  });

  it('F4: an erroring forbid (missing entity attribute) next to a matching permit denies with evaluation_error naming it', async () => {
    const g = gatewayWith(bundle(`${permitAll}\n@id("manager-suspended") forbid (principal, action, resource) when { principal.manager.suspended };`));
    // The manager entity does not exist (threats.md: entityDoesNotExist survives validation).
    const d = await g.authorize({ ...req, subject: { type: 'Agent', id: 'a', properties: { suspended: false, manager: { __entity: { type: 'Airlock::Agent', id: 'ghost' } } } } });
    expect(d.outcome).toBe('deny');
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'evaluation_error', policyId: 'manager-suspended' }));
    // An agent without the attributes at all: also an error, also deny.
    expect((await g.authorize(req)).outcome).toBe('deny');
  });

  it('F4: an erroring forbid (arithmetic overflow) next to a matching permit denies', async () => {
    // Cedar Longs are 64-bit; JSON carries at most 2^53-1 exactly, so overflow comes from a multiplication.
    const g2 = gatewayWith(bundle(`${permitAll}\n@id("amount-overflow") forbid (principal, action, resource) when { context has amount && context.amount * 1000000000 > 100 };`));
    const d2 = await g2.authorize({ ...req, context: { amount: Number.MAX_SAFE_INTEGER } });
    expect(d2.outcome).toBe('deny');
    expect(d2.reasons).toContainEqual(expect.objectContaining({ code: 'evaluation_error', policyId: 'amount-overflow' }));
  });

  it('a Cedar failure (the engine throws) is a deny, audited', async () => {
    const b = bundle(permitAll);
    const broken = Object.create(b, { evaluate: { value: () => { throw new Error('wasm trap'); } } }) as CompiledBundle;
    const store = openMemoryStore();
    const d = await gatewayWith(broken, store).authorize(req);
    expect(d.outcome).toBe('deny');
    expect(d.reasons[0]!.code).toBe('internal_error');
    expect(d.auditSeq).toBe(1);
    const [rec] = await store.audit.read('main', 1, 1);
    expect(JSON.parse(rec!.recordText).decision.outcome).toBe('deny');
  });

  it('a store fault while opening an approval (step 6, in the unit of work) is an audited deny whose cause reaches the log, not the caller', async () => {
    const b = bundle('@id("needs-approval") @requires("approval") @reason("needs a person") permit (principal, action, resource);');
    const base = openMemoryStore();
    // Units of work whose approval writes fail the way a broken database does.
    const store: Transactional = {
      transaction: (work) => base.transaction((tx) => work({ ...tx, approvals: { ...tx.approvals, openOrGet: async () => { throw new Error('SQLITE_CORRUPT at /var/lib/airlock/airlock.db'); } } })),
    };
    const logged: Array<{ err: unknown; stage: string; requestId: string }> = [];
    const g = createGateway({
      policies: createPolicyHolder(b),
      audit: createAuditWriter({ store, writer: 'main', clock: systemClock, timeoutMs: 1000 }),
      clock: systemClock,
      approvals: { repo: base.approvals, approvalTtlMs: 600_000, confirmationTtlMs: 300_000 },
      onInternalError: (err, ctx) => logged.push({ err, ...ctx }),
    });
    const d = await g.authorize(req);
    expect(d.outcome).toBe('deny');
    expect(d.reasons).toEqual([{ code: 'internal_error', message: expect.not.stringContaining('SQLITE') }]);
    expect(d.approval).toBeUndefined();
    expect(logged).toEqual([{ err: expect.objectContaining({ message: expect.stringContaining('SQLITE_CORRUPT') }), stage: 'decide', requestId: d.requestId }]);
    const [rec] = await base.audit.read('main', d.auditSeq!, 1);
    expect(JSON.parse(rec!.recordText).decision.outcome).toBe('deny');
    expect(await base.approvals.list({})).toEqual([]);
  });

  it('F5: no bundle loaded is deny no_bundle', async () => {
    const d = await gatewayWith(undefined).authorize(req);
    expect(d.outcome).toBe('deny');
    expect(d.reasons[0]!.code).toBe('no_bundle');
  });

  it('F1: an audit write failure (SQLITE_FULL via max_page_count) turns an allow into deny audit_unavailable', async () => {
    const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'airlock-full-')), 'a.db') });
    const g = gatewayWith(bundle(permitAll), store);
    expect((await g.authorize(req)).outcome).toBe('allow');
    const db = (store as unknown as { db: Database.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = { ...req, context: { blob: 'x'.repeat(200_000) } };
    const d = await g.authorize(big);
    expect(d.outcome).toBe('deny');
    expect(d.reasons[0]!.code).toBe('audit_unavailable');
    expect(d.auditSeq).toBeUndefined();
    await store.close();
  });

  it('F2: an audit write that hangs is a deny after the bounded timeout', async () => {
    const hanging: AuditRepo = { ...openMemoryStore().audit, append: () => new Promise(() => undefined) };
    const d = await gatewayWith(bundle(permitAll), auditStore(hanging), 50).authorize(req);
    expect(d.outcome).toBe('deny');
    expect(d.reasons[0]!.code).toBe('audit_unavailable');
  });

  it('a request the mapping refuses (empty id inside an entity reference) is a deny, not a crash', async () => {
    const d = await gatewayWith(bundle(permitAll)).authorize({ ...req, subject: { type: 'Agent', id: '' } });
    expect(d.outcome).toBe('deny');
  });
});
