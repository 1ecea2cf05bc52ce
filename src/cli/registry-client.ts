import { userInfo } from 'node:os';
import { loadConfig } from '../config/load.js';
import { checkId, parseHumanCreate, parseHumanPatch, parseKeyCreate, parseNhiCreate, parseNhiPatch } from '../identity/validate.js';
import type { StatusOp } from '../identity/service.js';
import type { Actor, IdentityFilter } from '../identity/types.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { keyFor, runningServer } from './connection.js';
import { gatewayClientAt } from './gateway-client.js';

export type Cls = 'nhi' | 'human';

/**
 * What `airlock identity` and `airlock human` need, over HTTP (a running gateway) or directly on
 * the data directory (no server running). Both return the same JSON shapes as the HTTP API.
 */
export interface RegistryClient {
  readonly mode: 'http' | 'direct';
  readonly target: string;
  create(cls: Cls, body: Record<string, unknown>): Promise<any>;
  list(cls: Cls, filter: Record<string, string>): Promise<any[]>;
  get(cls: Cls, id: string): Promise<any>;
  patch(cls: Cls, id: string, body: Record<string, unknown>): Promise<any>;
  status(cls: Cls, id: string, op: StatusOp): Promise<any>;
  createKey(cls: Cls, id: string, body: Record<string, unknown>): Promise<any>;
  listKeys(cls: Cls, id: string): Promise<any[]>;
  revokeKey(cls: Cls, id: string, keyId: string): Promise<any>;
  report(query: Record<string, string>): Promise<any>;
  close(): Promise<void>;
}

export interface ClientFlags {
  dataDir?: string | undefined;
  policies?: string | undefined;
  url?: string | undefined;
  key?: string | undefined;
}

const base = (cls: Cls) => (cls === 'nhi' ? '/v1/identities' : '/v1/humans');

function httpClient(url: string, key: string): RegistryClient {
  const { url: root, call } = gatewayClientAt(url, key);
  const qs = (q: Record<string, string>) => (Object.keys(q).length > 0 ? '?' + new URLSearchParams(q).toString() : '');
  const enc = encodeURIComponent;
  return {
    mode: 'http',
    target: root,
    create: (cls, body) => call('POST', base(cls), body),
    list: async (cls, filter) => {
      const r = await call('GET', base(cls) + qs(filter));
      return cls === 'nhi' ? r.identities : r.humans;
    },
    get: (cls, id) => call('GET', `${base(cls)}/${enc(id)}`),
    patch: (cls, id, body) => call('PATCH', `${base(cls)}/${enc(id)}`, body),
    status: (cls, id, op) => call('POST', `${base(cls)}/${enc(id)}/${op}`),
    createKey: (cls, id, body) => call('POST', `${base(cls)}/${enc(id)}/keys`, body),
    listKeys: async (cls, id) => (await call('GET', `${base(cls)}/${enc(id)}/keys`)).keys,
    revokeKey: (cls, id, keyId) => call('DELETE', `${base(cls)}/${enc(id)}/keys/${enc(keyId)}`),
    report: (q) => call('GET', '/v1/identities/report' + qs(q)),
    async close() {},
  };
}

function directClient(runtime: Runtime, dataDir: string): RegistryClient {
  const svc = runtime.identities;
  // Direct mode acts as the local operator: whoever can read and write the data directory.
  const actor: Actor = { type: 'operator', id: `local:${safeUser()}`, via: 'cli' };
  const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    mode: 'direct',
    target: dataDir,
    async create(cls, body) {
      const r = cls === 'nhi' ? await svc.createNhi(parseNhiCreate(body), actor) : await svc.createHuman(parseHumanCreate(body), actor);
      return { ...r.value, auditSeq: r.auditSeq };
    },
    async list(cls, f) {
      const filter: IdentityFilter = { class: cls };
      if (f['status']) filter.status = f['status'] as IdentityFilter['status'];
      if (f['kind']) filter.kind = f['kind'] as IdentityFilter['kind'];
      if (f['owner']) filter.owner = f['owner'];
      if (f['group']) filter.group = f['group'];
      if (f['environment']) filter.environment = f['environment'];
      return svc.list(filter);
    },
    get: (cls, id) => svc.get(checkId(id), cls),
    async patch(cls, id, body) {
      const r = cls === 'nhi' ? await svc.patchNhi(checkId(id), parseNhiPatch(body), actor) : await svc.patchHuman(checkId(id), parseHumanPatch(body), actor);
      return { identity: r.value, auditSeq: r.auditSeq ?? null };
    },
    async status(cls, id, op) {
      const r = await svc.setStatus(cls, checkId(id), op, actor);
      return { identity: r.value, auditSeq: r.auditSeq ?? null };
    },
    async createKey(cls, id, body) {
      const r = await svc.createKey(cls, checkId(id), parseKeyCreate(body), actor);
      return { key: r.value, auditSeq: r.auditSeq };
    },
    listKeys: (cls, id) => svc.listKeys(cls, checkId(id)),
    async revokeKey(cls, id, keyId) {
      const r = await svc.revokeKey(cls, checkId(id), keyId, actor);
      return { key: r.value, auditSeq: r.auditSeq ?? null };
    },
    report: (q) => {
      const o: { unusedDays?: number; rotationDays?: number; expiringDays?: number } = {};
      if (q['unusedDays'] !== undefined) o.unusedDays = int(q['unusedDays'])!;
      if (q['rotationDays'] !== undefined) o.rotationDays = int(q['rotationDays'])!;
      if (q['expiringDays'] !== undefined) o.expiringDays = int(q['expiringDays'])!;
      return runtime.inventoryReport(o);
    },
    close: () => runtime.close(),
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Chooses how to reach the registry: `--gateway`/AIRLOCK_URL → that gateway; else a gateway running on
 * this data dir (serve.json with a live pid) → HTTP; else the data directory directly. The key for
 * HTTP comes from `--key`, AIRLOCK_KEY or `<dataDir>/admin.key`.
 */
export async function openRegistryClient(flags: ClientFlags, env: NodeJS.ProcessEnv): Promise<RegistryClient> {
  const config = loadConfig({ dataDir: flags.dataDir, policies: flags.policies, serverUrl: flags.url, apiKey: flags.key, checkpointIntervalMs: 0, usageFlushMs: 0 }, env);
  const url = config.serverUrl ?? runningServer(config.dataDir);
  if (url) return httpClient(url, keyFor(config));
  const runtime = await createRuntime(config);
  return directClient(runtime, config.dataDir);
}
