import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirlockError } from '../../core/errors.js';
import { STATUSES, NHI_KINDS, type Actor, type IdentityFilter } from '../../identity/types.js';
import { checkId, parseHumanCreate, parseHumanPatch, parseKeyCreate, parseNhiCreate, parseNhiPatch } from '../../identity/validate.js';
import type { StatusOp } from '../../identity/service.js';
import type { EdgeRuntime } from '../../runtime/runtime.js';

export interface IdentityRouteDeps {
  runtime: EdgeRuntime;
}

const LIST_CAP = 1000;

function actorOf(req: FastifyRequest): Actor {
  const c = req.auth?.caller;
  if (!c) throw new AirlockError('ERR_UNAUTHENTICATED');
  return c.keyId !== undefined ? { type: c.type, id: c.id, via: c.via, keyId: c.keyId } : { type: c.type, id: c.id, via: c.via };
}

type Query = Record<string, string | string[] | undefined>;

function queryString(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) {
    throw new AirlockError('ERR_IDENTITY_INVALID', `?${name}: must be given once, 1–256 characters`, { path: `?${name}` });
  }
  return v;
}

function queryInt(q: Query, name: string, min: number, max: number): number | undefined {
  const v = queryString(q, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,6}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new AirlockError('ERR_IDENTITY_INVALID', `?${name}: must be an integer from ${min} to ${max}`, { path: `?${name}` });
  }
  return Number(v);
}

function oneOf<T extends string>(q: Query, name: string, values: readonly T[]): T | undefined {
  const v = queryString(q, name);
  if (v !== undefined && !values.includes(v as T)) {
    throw new AirlockError('ERR_IDENTITY_INVALID', `?${name}: must be one of ${values.join(', ')}`, { path: `?${name}` });
  }
  return v as T | undefined;
}

const params = (req: FastifyRequest) => req.params as { id: string; keyId?: string };

/**
 * The registry's management API: `/v1/identities` (NHIs) and `/v1/humans`. Writes need a human with
 * role admin; reads (and the inventory report) admin or auditor. A new key's secret is in the
 * create answer only; lists and reads never carry a secret or a hash.
 */
export function registerIdentityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const svc = deps.runtime.identities;
  const admin = { config: { access: 'admin' } };
  const adminNoBody = { config: { access: 'admin', bodyOptional: true } };
  const reader = { config: { access: 'reader' } };

  app.get('/v1/identities/report', reader, async (req) => {
    const q = req.query as Query;
    const opts: { unusedDays?: number; rotationDays?: number; expiringDays?: number } = {};
    const u = queryInt(q, 'unusedDays', 0, 36500);
    const r = queryInt(q, 'rotationDays', 0, 36500);
    const e = queryInt(q, 'expiringDays', 0, 36500);
    if (u !== undefined) opts.unusedDays = u;
    if (r !== undefined) opts.rotationDays = r;
    if (e !== undefined) opts.expiringDays = e;
    return deps.runtime.inventoryReport(opts);
  });

  for (const cls of ['nhi', 'human'] as const) {
    const base = cls === 'nhi' ? '/v1/identities' : '/v1/humans';

    app.post(base, admin, async (req, reply) => {
      const r = cls === 'nhi' ? await svc.createNhi(parseNhiCreate(req.body), actorOf(req)) : await svc.createHuman(parseHumanCreate(req.body), actorOf(req));
      reply.code(201);
      return { ...r.value, auditSeq: r.auditSeq };
    });

    app.get(base, reader, async (req) => {
      const q = req.query as Query;
      const filter: IdentityFilter = { class: cls, limit: queryInt(q, 'limit', 1, LIST_CAP) ?? LIST_CAP };
      const status = oneOf(q, 'status', STATUSES);
      const group = queryString(q, 'group');
      if (status) filter.status = status;
      if (group) filter.group = group;
      if (cls === 'nhi') {
        const kind = oneOf(q, 'kind', NHI_KINDS);
        const owner = queryString(q, 'owner');
        const environment = queryString(q, 'environment');
        if (kind) filter.kind = kind;
        if (owner) filter.owner = owner;
        if (environment) filter.environment = environment;
      }
      const list = await svc.list(filter);
      return cls === 'nhi' ? { identities: list } : { humans: list };
    });

    app.get(`${base}/:id`, reader, async (req) => svc.get(checkId(params(req).id), cls));

    app.patch(`${base}/:id`, admin, async (req) => {
      const id = checkId(params(req).id);
      const r = cls === 'nhi' ? await svc.patchNhi(id, parseNhiPatch(req.body), actorOf(req)) : await svc.patchHuman(id, parseHumanPatch(req.body), actorOf(req));
      return { identity: r.value, auditSeq: r.auditSeq ?? null };
    });

    for (const op of ['suspend', 'resume', 'retire'] as const satisfies readonly StatusOp[]) {
      app.post(`${base}/:id/${op}`, adminNoBody, async (req) => {
        const r = await svc.setStatus(cls, checkId(params(req).id), op, actorOf(req));
        return { identity: r.value, auditSeq: r.auditSeq ?? null };
      });
    }

    app.post(`${base}/:id/keys`, adminNoBody, async (req, reply) => {
      const r = await svc.createKey(cls, checkId(params(req).id), parseKeyCreate(req.body), actorOf(req));
      reply.code(201);
      return { key: r.value, auditSeq: r.auditSeq };
    });

    app.get(`${base}/:id/keys`, reader, async (req) => ({ keys: await svc.listKeys(cls, checkId(params(req).id)) }));

    app.delete(`${base}/:id/keys/:keyId`, admin, async (req) => {
      const { id, keyId } = params(req);
      if (!/^[0-9a-f]{16}$/.test(keyId ?? '')) throw new AirlockError('ERR_IDENTITY_INVALID', '/keyId: not a key id (16 hex digits)', { path: '/keyId' });
      const r = await svc.revokeKey(cls, checkId(id), keyId!, actorOf(req));
      return { key: r.value, auditSeq: r.auditSeq ?? null };
    });
  }
}
