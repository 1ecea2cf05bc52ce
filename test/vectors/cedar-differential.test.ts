/**
 * DESIGN §6 "Airlock's policy outcome equals Cedar's own answer on the same input" (threats.md
 * §3.13: entity tags, extension values, entity-typed attributes must reach the engine). For two
 * bundles — the example bundle and a fixture with entity tags
 * and caller-supplied attributes — seeded random requests and entities go through Airlock's policy
 * step (request mapping, slicing, attribute pruning, ancestor selection) and, as the oracle, through
 * raw cedar-wasm `isAuthorized` with every policy in one set and every entity, unpruned. The
 * decision, the determining policies and the erroring policies must agree; any Cedar error must be
 * an Airlock deny (threats.md F4). The seed is printed so a failure can be replayed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuthorized, policySetTextToParts } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from '../../src/core/types.js';
import { evaluatePolicy } from '../../src/gateway/steps/evaluate-policy.js';

import { compileBundle, type CompiledBundle } from '../../src/policy/index.js';
import { toPolicyRequest } from '../../src/policy/request-mapping.js';
import { createRandom } from '../../src/policy/testing/generate-bundle.js';
import type { CedarEntity, CedarUid } from '../../src/policy/types.js';
import { uidKey } from '../../src/core/entity-uid.js';

const SEED = Number(process.env['AIRLOCK_DIFF_SEED'] ?? 20261202);

function readBundle(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.cedar') || f.endsWith('.cedarschema') || f === 'entities.json') files[f] = readFileSync(join(dir, f), 'utf8');
  return files;
}

interface World {
  /** Entities a registry would serve (besides the bundle's static ones). */
  registry: CedarEntity[];
  request: AuthorizationRequest;
}

type Gen = (rnd: () => number) => World;
const pick = <T,>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const maybe = (rnd: () => number, p: number) => rnd() < p;

function actionEntities(files: Record<string, string>): CedarEntity[] {
  const out: CedarEntity[] = [];
  for (const m of (files['schema.cedarschema'] ?? '').matchAll(/action "(act(\d+))" in \["(grp\d+)"\]/g)) {
    out.push({ uid: { type: 'Airlock::Action', id: m[1]! }, attrs: {}, parents: [{ type: 'Airlock::Action', id: m[3]! }] });
  }
  return out;
}

/** Compares one case; returns a description of the difference, or undefined. */
async function compare(bundle: CompiledBundle, files: Record<string, string>, world: World): Promise<string | undefined> {
  const registry = new Map(world.registry.map((e) => [uidKey(e.uid), e]));
  const source = { lookup: async (uids: CedarUid[]) => new Map(uids.flatMap((u) => (registry.has(uidKey(u)) ? [[uidKey(u), registry.get(uidKey(u))!] as const] : []))) };
  const airlock = await evaluatePolicy(bundle, world.request, source);
  const codes = airlock.reasons.map((r) => r.code);
  if (codes.includes('unknown_action') || codes.includes('unknown_entity_type') || codes.includes('property_refused')) return undefined; // decided before Cedar
  // The same input, unsliced and unpruned: the mapped principal and resource, every static and registry entity.
  const resolve = (u: CedarUid) => registry.get(uidKey(u)) ?? bundle.staticEntities.get(uidKey(u));
  const mapped = toPolicyRequest(world.request, resolve, bundle.namespace, undefined, bundle.claims);
  const all = new Map<string, CedarEntity>();
  for (const e of bundle.staticEntities.values()) all.set(uidKey(e.uid), e);
  for (const e of world.registry) all.set(uidKey(e.uid), e);
  for (const e of mapped.entities) all.set(uidKey(e.uid), e);
  // Action groups, written out from the generator's own rule (act<i> in grp<i % 5>), not from Airlock's schema reading.
  for (const e of actionEntities(files)) all.set(uidKey(e.uid), e);
  // Every policy in one set, keyed by Airlock's id (the bundle lists its policies in file order).
  const ids = [...bundle.policies.keys()];
  const texts = Object.keys(files).filter((f) => f.endsWith('.cedar')).sort().flatMap((f) => {
    const parts = policySetTextToParts(files[f]!);
    if (parts.type !== 'success') throw new Error(`${f} does not parse`);
    return parts.policies;
  });
  expect(texts.length).toBe(ids.length);
  const raw = isAuthorized({
    principal: mapped.principal,
    action: mapped.action,
    resource: mapped.resource,
    context: mapped.context as never,
    policies: { staticPolicies: Object.fromEntries(ids.map((id, i) => [id, texts[i]!])) },
    entities: [...all.values()] as never,
  });
  const ours = (p: string) => p;
  if (raw.type === 'failure') return airlock.outcome === 'deny' ? undefined : `cedar refused the input (${raw.errors.map((e) => e.message).join('; ')}) but Airlock said ${airlock.outcome}`;
  const d = raw.response.diagnostics;
  const rawErrors = d.errors.map((e) => ours(e.policyId)).sort();
  const rawDetermining = d.reason.map(ours).sort();
  const cedarDenies = raw.response.decision === 'deny' || rawErrors.length > 0;
  if (cedarDenies !== (airlock.outcome === 'deny')) return `cedar ${raw.response.decision} (errors ${rawErrors.join(',')}) vs Airlock ${airlock.outcome} ${JSON.stringify(airlock.reasons)}`;
  const ourErrors = airlock.reasons.filter((r) => r.code === 'evaluation_error').map((r) => r.policyId!).sort();
  if (JSON.stringify(ourErrors) !== JSON.stringify(rawErrors)) return `erroring policies: cedar ${rawErrors.join(',')} vs Airlock ${ourErrors.join(',')}`;
  const ourDetermining = airlock.determining.filter((id) => !ourErrors.includes(id)).sort();
  if (JSON.stringify(ourDetermining) !== JSON.stringify(rawDetermining)) return `determining: cedar ${rawDetermining.join(',')} vs Airlock ${ourDetermining.join(',')}`;
  return undefined;
}

async function run(name: string, files: Record<string, string>, gen: Gen, cases: number): Promise<void> {
  const r = compileBundle(files);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const rnd = createRandom(SEED ^ name.length);
  let allows = 0;
  for (let i = 0; i < cases; i++) {
    const world = gen(rnd);
    const diff = await compare(r.bundle, files, world);
    expect(diff, `${name} case ${i} (seed ${SEED}): ${JSON.stringify(world)}`).toBeUndefined();
    if ((await evaluatePolicy(r.bundle, world.request)).outcome !== 'deny') allows++;
  }
  // A generator that never reaches an allow would compare nothing interesting.
  expect(allows, `${name}: allows among ${cases} cases`).toBeGreaterThan(cases / 50);
  r.bundle.dispose();
}

const EX_SUBJECTS = ['deploy-bot', 'support-agent', 'payments-agent', 'vault-agent', 'retired-agent', 'rand-agent'];
const EX_HUMANS = ['alice', 'erin', 'ivy'];
const EX_GROUPS = ['deployers', 'operators', 'payment-agents', 'treasury', 'secret-readers', 'ci-runners', 'support-agents', 'chatops-bots', 'allowed-hosts', 'read-only-tools'];
const EX_ACTIONS: [string, string, string[]][] = [
  ['tool.call', 'Tool', ['jira.search', 'github.get_file', 'k8s.delete_namespace', 'github.merge', 'zendesk.reply', 'x.unknown']],
  ['shell.exec', 'Host', ['web-1', 'build-1', 'new-host']],
  ['secret.read', 'Secret', ['prod-db-password', 'staging-db-password', 'other']],
  ['file.read', 'File', ['/workspace/a', '/etc/passwd', '/workspace/../etc/shadow', '/home/u/.ssh/id_rsa', 'rel']],
  ['file.write', 'File', ['/workspace/b', '/etc/cron.d/x']],
  ['net.request', 'Host', ['api.github.com', '169.254.169.254', 'pastebin.com']],
  ['deploy', 'Service', ['checkout', 'billing']],
  ['payment.submit', 'Payee', ['acme-supplies', 'unknown-llc', 'new-payee']],
  ['delegate', 'Agent', ['support-agent', 'rand-agent']],
  ['no.such.action', 'Tool', ['jira.search']],
];

/** Requests over the example bundle: static and registry subjects (random groups, suspended, environment), random context. */
const exampleGen: Gen = (rnd) => {
  const registry: CedarEntity[] = [];
  const human = maybe(rnd, 0.15);
  const sid = human ? pick(rnd, EX_HUMANS) : pick(rnd, EX_SUBJECTS);
  const stype = human ? 'Human' : pick(rnd, ['Agent', 'Agent', 'ServiceAccount', 'Bot']);
  if (!human && (sid === 'rand-agent' || maybe(rnd, 0.2))) {
    const attrs: Record<string, unknown> = { owner: { __entity: { type: 'Airlock::Human', id: 'erin' } } };
    if (maybe(rnd, 0.2)) attrs['suspended'] = maybe(rnd, 0.5);
    if (maybe(rnd, 0.3)) attrs['environment'] = pick(rnd, ['production', 'staging']);
    registry.push({ uid: { type: `Airlock::${stype}`, id: sid }, attrs, parents: EX_GROUPS.filter(() => maybe(rnd, 0.2)).map((g) => ({ type: 'Airlock::Group', id: g })) });
  }
  const [action, rtype, rids] = pick(rnd, EX_ACTIONS);
  const context: Record<string, unknown> = {};
  if (maybe(rnd, 0.6)) context['environment'] = pick(rnd, ['production', 'staging', 'dev']);
  if (maybe(rnd, 0.3)) context['amount'] = pick(rnd, [-5, 0, 1, 500, 10000, 10001, 99999]);
  if (maybe(rnd, 0.3)) context['command'] = { risk: pick(rnd, ['none', 'low', 'high', 'critical']), programs: ['git', 'npm', 'curl', 'ls'].filter(() => maybe(rnd, 0.4)) };
  if (maybe(rnd, 0.3)) context['initiator'] = { type: 'Human', id: pick(rnd, EX_HUMANS) };
  if (maybe(rnd, 0.2)) context['delegation'] = { depth: Math.floor(rnd() * 4), root: pick(rnd, ['Airlock::Human::"erin"', 'Airlock::Agent::"x"']) };
  if (action === 'delegate' && maybe(rnd, 0.7)) Object.assign(context, { scope: pick(rnd, ['payment.submit:*', 'tool.call:*']), depth: Math.floor(rnd() * 4) });
  const request: AuthorizationRequest = { subject: { type: stype, id: sid }, action: { name: action }, resource: { type: rtype, id: pick(rnd, rids) }, context };
  return { registry, request };
};

/** The fixture: tags on registry tickets, caller-supplied priority, id-derived Doc paths. */
const fixtureGen: Gen = (rnd) => {
  const registry: CedarEntity[] = [];
  const doc = maybe(rnd, 0.3);
  if (doc) {
    const id = pick(rnd, ['/public/a', '/etc/x', '/public/../etc/y', '/public/readme']);
    const properties = maybe(rnd, 0.2) ? { path: maybe(rnd, 0.5) ? id : '/public/z' } : undefined;
    return { registry, request: { subject: { type: 'Agent', id: 'helper' }, action: { name: 'doc.read' }, resource: { type: 'Doc', id, ...(properties ? { properties } : {}) } } };
  }
  const id = pick(rnd, ['T-1', 'T-PROD', 'T-STAGE', 'T-REG', 'T-NEW']);
  if (id === 'T-REG') {
    const e: CedarEntity = { uid: { type: 'Airlock::Ticket', id }, attrs: maybe(rnd, 0.7) ? { priority: Math.floor(rnd() * 6) } : {}, parents: [] };
    if (maybe(rnd, 0.6)) e.tags = { env: pick(rnd, ['production', 'staging']) };
    if (maybe(rnd, 0.3)) e.attrs['trusted'] = maybe(rnd, 0.5);
    registry.push(e);
  }
  const properties: Record<string, unknown> = {};
  if (maybe(rnd, 0.5)) properties['priority'] = Math.floor(rnd() * 6);
  if (maybe(rnd, 0.1)) properties['trusted'] = true;
  return { registry, request: { subject: { type: 'Agent', id: 'helper' }, action: { name: 'ticket.close' }, resource: { type: 'Ticket', id, ...(Object.keys(properties).length > 0 ? { properties } : {}) } } };
};

describe(`Airlock's policy outcome equals raw cedar-wasm isAuthorized on the same unsliced input (seed ${SEED})`, () => {
  it('example bundle: 1,500 random requests and registry entities', async () => {
    await run('example', readBundle('policies/example'), exampleGen, 1500);
  }, 600_000);

  it('tags, caller-supplied and id-derived attributes (fixture): 1,000 random requests', async () => {
    await run('fixture', readBundle('test/fixtures/bundles/caller-claims'), fixtureGen, 1000);
  }, 600_000);
});
