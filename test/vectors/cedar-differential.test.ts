/**
 * DESIGN §6 "Airlock's policy outcome equals Cedar's own answer on the same input" (threats.md
 * §3.13: entity tags, extension values, entity-typed attributes must reach the engine). For three
 * bundles — the example bundle, the generated 1,000-policy bundle (the slicing and bench one) and a
 * fixture with entity tags and caller-supplied attributes — seeded random requests and entities go
 * through Airlock's policy step (request mapping, slicing, attribute pruning, ancestor selection) and, as the oracle, through
 * raw cedar-wasm with every policy in one set (parsed once) and every entity, unpruned. The
 * decision and the erroring policies must agree, and the determining policies wherever they shape
 * the answer (see `compare`); any Cedar error must be an Airlock deny (threats.md F4). The seed is
 * printed so a failure can be replayed (AIRLOCK_DIFF_SEED; AIRLOCK_DIFF_GENERATED sets the number
 * of generated-bundle cases, 1,000 by default: about 25 s on a loaded 2-core box).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policySetTextToParts, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from '../../src/core/types.js';
import { evaluatePolicy } from '../../src/gateway/steps/evaluate-policy.js';

import { compileBundle, type CompiledBundle } from '../../src/policy/index.js';
import { toPolicyRequest } from '../../src/policy/request-mapping.js';
import { createRandom, generateBundle } from '../../src/policy/testing/generate-bundle.js';
import type { CedarEntity, CedarUid } from '../../src/policy/types.js';
import { uidKey } from '../../src/core/entity-uid.js';

const SEED = Number(process.env['AIRLOCK_DIFF_SEED'] ?? 20261202);
/** Cases on the generated bundle (each marshals ~100 entities into wasm twice); more with AIRLOCK_DIFF_GENERATED. */
const GENERATED_CASES = Number(process.env['AIRLOCK_DIFF_GENERATED'] ?? 1000);

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

/** Raw cedar-wasm over every policy of a bundle, parsed once (the same set for every case). */
interface Oracle {
  setId: string;
  actions: CedarEntity[];
}

let oracles = 0;
function oracleFor(bundle: CompiledBundle, files: Record<string, string>): Oracle {
  // Every policy in one set, keyed by Airlock's id (the bundle lists its policies in file order).
  const ids = [...bundle.policies.keys()];
  const texts = Object.keys(files).filter((f) => f.endsWith('.cedar')).sort().flatMap((f) => {
    const parts = policySetTextToParts(files[f]!);
    if (parts.type !== 'success') throw new Error(`${f} does not parse`);
    return parts.policies;
  });
  expect(texts.length).toBe(ids.length);
  // Parsed once, not per case: parsing 1,000 policies per call is what made this test slow.
  const setId = `differential-oracle-${++oracles}`;
  const parsed = preparsePolicySet(setId, { staticPolicies: Object.fromEntries(ids.map((id, i) => [id, texts[i]!])) });
  if (parsed.type !== 'success') throw new Error(`oracle set does not parse: ${JSON.stringify(parsed.errors)}`);
  return { setId, actions: actionEntities(files) };
}

/** Compares one case; returns Airlock's outcome and a description of the difference, if any. */
async function compare(bundle: CompiledBundle, oracle: Oracle, world: World): Promise<{ outcome: string; diff?: string }> {
  const registry = new Map(world.registry.map((e) => [uidKey(e.uid), e]));
  const source = { lookup: async (uids: CedarUid[]) => new Map(uids.flatMap((u) => (registry.has(uidKey(u)) ? [[uidKey(u), registry.get(uidKey(u))!] as const] : []))) };
  const airlock = await evaluatePolicy(bundle, world.request, source);
  const codes = airlock.reasons.map((r) => r.code);
  if (codes.includes('unknown_action') || codes.includes('unknown_entity_type') || codes.includes('property_refused')) return { outcome: airlock.outcome }; // decided before Cedar
  // The same input, unsliced and unpruned: the mapped principal and resource, every static and registry entity.
  const resolve = (u: CedarUid) => registry.get(uidKey(u)) ?? bundle.staticEntities.get(uidKey(u));
  const mapped = toPolicyRequest(world.request, resolve, bundle.namespace, undefined, bundle.claims);
  const all = new Map<string, CedarEntity>();
  for (const e of bundle.staticEntities.values()) all.set(uidKey(e.uid), e);
  for (const e of world.registry) all.set(uidKey(e.uid), e);
  for (const e of mapped.entities) all.set(uidKey(e.uid), e);
  // Action groups, written out from the generator's own rule (act<i> in grp<i % 5>), not from Airlock's schema reading.
  for (const e of oracle.actions) all.set(uidKey(e.uid), e);
  const raw = statefulIsAuthorized({
    principal: mapped.principal,
    action: mapped.action,
    resource: mapped.resource,
    context: mapped.context as never,
    preparsedPolicySetId: oracle.setId,
    entities: [...all.values()] as never,
  });
  const outcome = airlock.outcome;
  if (raw.type === 'failure') return { outcome, ...(outcome === 'deny' ? {} : { diff: `cedar refused the input (${raw.errors.map((e) => e.message).join('; ')}) but Airlock said ${outcome}` }) };
  const d = raw.response.diagnostics;
  const rawErrors = d.errors.map((e) => e.policyId).sort();
  const rawDetermining = [...d.reason].sort();
  // Decisions: Cedar's deny, or any erroring policy (Cedar skips it; Airlock denies, threats F4).
  const cedarDenies = raw.response.decision === 'deny' || rawErrors.length > 0;
  if (cedarDenies !== (outcome === 'deny')) return { outcome, diff: `cedar ${raw.response.decision} (errors ${rawErrors.join(',')}) vs Airlock ${outcome} ${JSON.stringify(airlock.reasons)}` };
  // The erroring policies are the reasons of such a deny: they must be the same ones.
  const ourErrors = airlock.reasons.filter((r) => r.code === 'evaluation_error').map((r) => r.policyId!).sort();
  if (JSON.stringify(ourErrors) !== JSON.stringify(rawErrors)) return { outcome, diff: `erroring policies: cedar ${rawErrors.join(',')} vs Airlock ${ourErrors.join(',')}` };
  // Determining policies matter where they shape the answer: on an allow, every satisfied permit's
  // annotations add requirements (approval, confirmation), so the lists must be equal; on a deny,
  // the satisfied forbids are its reasons. Where an error turned Cedar's allow into Airlock's deny,
  // Cedar's satisfied permits decide nothing (the error does) and Airlock does not list them: that
  // was the "determining list differs for some allows" seen on the generated bundle, not a fault.
  if (rawErrors.length > 0 && raw.response.decision === 'allow') return { outcome };
  const ourDetermining = airlock.determining.filter((id) => !ourErrors.includes(id)).sort();
  if (JSON.stringify(ourDetermining) !== JSON.stringify(rawDetermining)) return { outcome, diff: `determining: cedar ${rawDetermining.join(',')} vs Airlock ${ourDetermining.join(',')}` };
  return { outcome };
}

async function run(name: string, files: Record<string, string>, gen: Gen, cases: number): Promise<void> {
  const r = compileBundle(files);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const oracle = oracleFor(r.bundle, files);
  const rnd = createRandom(SEED ^ name.length);
  const tally = { allow: 0, deny: 0, other: 0 };
  try {
    for (let i = 0; i < cases; i++) {
      const world = gen(rnd);
      const { outcome, diff } = await compare(r.bundle, oracle, world);
      expect(diff, `${name} case ${i} (seed ${SEED}): ${JSON.stringify(world)}`).toBeUndefined();
      tally[outcome === 'allow' ? 'allow' : outcome === 'deny' ? 'deny' : 'other']++;
    }
  } finally {
    preparsePolicySet(oracle.setId, { staticPolicies: {} });
    r.bundle.dispose();
  }
  process.stderr.write(`[cedar-differential] ${name}: ${cases} cases, ${JSON.stringify(tally)} (seed ${SEED})\n`);
  // A generator that only ever reaches one outcome would compare nothing interesting.
  expect(tally.allow + tally.other, `${name}: non-deny outcomes among ${cases} cases ${JSON.stringify(tally)}`).toBeGreaterThan(cases / 50);
  expect(tally.deny, `${name}: denies among ${cases} cases ${JSON.stringify(tally)}`).toBeGreaterThan(cases / 50);
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

/**
 * The generated 1,000-policy bundle with its group hierarchy as the bundle's static entities:
 * Airlock takes ancestors from the bundle and asks the registry only for the principal and the
 * resource (gateway/entities.ts), so a hierarchy served by the registry would be a different input.
 */
function generatedFiles(): Record<string, string> {
  const g = (n: string): CedarUid => ({ type: 'Airlock::Group', id: n });
  const groups: CedarEntity[] = [];
  for (let i = 0; i < 12; i++) groups.push({ uid: g(`g${i}`), attrs: {}, parents: i % 3 === 0 && i + 1 < 12 ? [g(`g${i + 1}`)] : [] });
  for (let i = 0; i < 12; i++) groups.push({ uid: g(`rg${i}`), attrs: {}, parents: [] });
  return { ...generateBundle({ policies: 1000, actions: 50 }), 'entities.json': JSON.stringify(groups) };
}

/** Requests over the generated bundle: principals and resources as a registry would serve them. */
const generatedGen: Gen = (rnd) => {
  const ptypes = ['Agent', 'Human', 'ServiceAccount'];
  const rtypes = ['Doc', 'Repo', 'Bucket', 'Ticket', 'Host'];
  const g = (n: string): CedarUid => ({ type: 'Airlock::Group', id: n });
  const ptype = pick(rnd, ptypes);
  const rtype = pick(rnd, rtypes);
  const pid = `u${Math.floor(rnd() * 40)}`;
  const rid = `r${Math.floor(rnd() * 60)}`;
  const registry: CedarEntity[] = [];
  const pattrs: Record<string, unknown> = { team: `team${Math.floor(rnd() * 4)}` };
  if (maybe(rnd, 0.9)) pattrs['level'] = Math.floor(rnd() * 10); // sometimes missing: policies reading it error
  if (maybe(rnd, 0.95)) registry.push({ uid: { type: `Airlock::${ptype}`, id: pid }, attrs: pattrs, parents: [g(`g${Math.floor(rnd() * 12)}`), g(`g${Math.floor(rnd() * 12)}`)] });
  registry.push({ uid: { type: `Airlock::${rtype}`, id: rid }, attrs: { level: Math.floor(rnd() * 10), tier: `tier${Math.floor(rnd() * 3)}` }, parents: [g(`rg${Math.floor(rnd() * 12)}`)] });
  const context: Record<string, unknown> = {};
  if (maybe(rnd, 0.6)) context['level'] = Math.floor(rnd() * 10);
  if (maybe(rnd, 0.4)) context['env'] = pick(rnd, ['production', 'staging']);
  if (maybe(rnd, 0.4)) context['tags'] = [`t${Math.floor(rnd() * 10)}`, `t${Math.floor(rnd() * 10)}`];
  const action = maybe(rnd, 0.08) ? `grp${Math.floor(rnd() * 5)}` : `act${String(Math.floor(rnd() * 50)).padStart(2, '0')}`;
  return { registry, request: { subject: { type: ptype, id: pid }, action: { name: action }, resource: { type: rtype, id: rid }, context } };
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

/**
 * Extension values and entity-typed attributes (threats.md §3.13 Cedar features the loader must
 * carry): `ip`, `decimal` and `datetime` in context, as a caller sends them (`__extn` escapes, and
 * plain numbers with up to four decimals), and an entity-typed registry attribute.
 */
const EXTENSION_BUNDLE: Record<string, string> = {
  'schema.cedarschema': `namespace Airlock {
  entity Human;
  entity Agent { owner?: Human };
  entity Host;
  action "net.request" appliesTo { principal: [Agent], resource: [Host], context: { src?: ipaddr, ratio?: decimal, at?: datetime } };
}
`,
  'policies.cedar': `@id("internal-sources")
permit (principal, action == Airlock::Action::"net.request", resource)
when { context has src && context.src.isInRange(ip("10.0.0.0/8")) };

@id("owned-by-erin")
permit (principal, action == Airlock::Action::"net.request", resource)
when { principal has owner && principal.owner == Airlock::Human::"erin" && context has ratio && context.ratio.lessThan(decimal("0.5")) };

@id("not-loopback")
forbid (principal, action == Airlock::Action::"net.request", resource)
when { context has src && context.src.isLoopback() };

@id("not-after-2027")
forbid (principal, action == Airlock::Action::"net.request", resource)
when { context has at && context.at >= datetime("2027-01-01") };
`,
};

const extensionGen: Gen = (rnd) => {
  const registry: CedarEntity[] = [];
  const id = pick(rnd, ['a1', 'a2', 'a3']);
  if (maybe(rnd, 0.8)) registry.push({ uid: { type: 'Airlock::Agent', id }, attrs: maybe(rnd, 0.7) ? { owner: { __entity: { type: 'Airlock::Human', id: pick(rnd, ['erin', 'ivy']) } } } : {}, parents: [] });
  const context: Record<string, unknown> = {};
  if (maybe(rnd, 0.7)) context['src'] = { __extn: { fn: 'ip', arg: pick(rnd, ['10.1.2.3', '127.0.0.1', '192.168.0.9', '10.0.0.0/16', '::1']) } };
  if (maybe(rnd, 0.6)) context['ratio'] = pick(rnd, [0.25, 0.5, 0.4999, 1, 0]);
  if (maybe(rnd, 0.4)) context['at'] = { __extn: { fn: 'datetime', arg: pick(rnd, ['2026-12-02', '2027-01-01', '2027-06-30T12:00:00Z']) } };
  return { registry, request: { subject: { type: 'Agent', id }, action: { name: 'net.request' }, resource: { type: 'Host', id: 'api.example' }, context } };
};

describe(`Airlock's policy outcome equals raw cedar-wasm isAuthorized on the same unsliced input (seed ${SEED})`, () => {
  it('example bundle: 1,500 random requests and registry entities', async () => {
    await run('example', readBundle('policies/example'), exampleGen, 1500);
  }, 600_000);

  it('generated 1,000-policy bundle: random requests', async () => {
    await run('generated', generatedFiles(), generatedGen, GENERATED_CASES);
  }, 600_000);

  it('extension values (ip, decimal, datetime) and entity-typed attributes: 500 random requests (threats.md §3.13 Cedar features the loader must carry)', async () => {
    await run('extensions', EXTENSION_BUNDLE, extensionGen, 500);
  }, 600_000);

  it('tags, caller-supplied and id-derived attributes (fixture): 1,000 random requests (threats.md §3.13 Cedar features the loader must carry)', async () => {
    await run('fixture', readBundle('test/fixtures/bundles/caller-claims'), fixtureGen, 1000);
  }, 600_000);
});
