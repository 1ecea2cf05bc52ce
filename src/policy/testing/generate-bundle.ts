import type { AuthorizationRequest } from '../../core/types.js';
import type { CedarEntity } from '../types.js';

/**
 * A deterministic synthetic bundle (default 1,000 policies over 50 actions) for the slicing
 * equivalence test and the bench. Same options ⇒ byte-identical files.
 */
export interface GenerateOptions {
  policies?: number;
  actions?: number;
  seed?: number;
}

export const PRINCIPAL_TYPES = ['Agent', 'Human', 'ServiceAccount'] as const;
export const RESOURCE_TYPES = ['Doc', 'Repo', 'Bucket', 'Ticket', 'Host'] as const;
const ACTION_GROUPS = 5;
const USERS = 40;
const GROUPS = 12;
const RESOURCES = 60;
const RESOURCE_GROUPS = 12;
const POLICIES_PER_FILE = 100;

/** mulberry32: small, fast, deterministic. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

const actionName = (i: number): string => `act${String(i).padStart(2, '0')}`;

function schemaText(actions: number): string {
  const lines = ['namespace Airlock {', '  entity Group in [Group];'];
  for (const t of PRINCIPAL_TYPES) lines.push(`  entity ${t} in [Group] { level: Long, team: String };`);
  for (const t of RESOURCE_TYPES) lines.push(`  entity ${t} in [Group] { level: Long, tier: String };`);
  lines.push('  type Ctx = { level?: Long, env?: String, tags?: Set<String>, amount?: Long };');
  for (let g = 0; g < ACTION_GROUPS; g++) lines.push(`  action "grp${g}";`);
  for (let i = 0; i < actions; i++) {
    lines.push(
      `  action "${actionName(i)}" in ["grp${i % ACTION_GROUPS}"] appliesTo { principal: [${PRINCIPAL_TYPES.join(', ')}], resource: [${RESOURCE_TYPES.join(', ')}], context: Ctx };`,
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function scope(rnd: () => number, kind: 'principal' | 'resource'): string {
  const types = kind === 'principal' ? PRINCIPAL_TYPES : RESOURCE_TYPES;
  const group = kind === 'principal' ? `Airlock::Group::"g${Math.floor(rnd() * GROUPS)}"` : `Airlock::Group::"rg${Math.floor(rnd() * RESOURCE_GROUPS)}"`;
  const r = rnd();
  if (r < 0.35) return kind;
  if (r < 0.55) return `${kind} is Airlock::${pick(rnd, types)}`;
  if (r < 0.7) {
    const n = Math.floor(rnd() * (kind === 'principal' ? USERS : RESOURCES));
    return `${kind} == Airlock::${pick(rnd, types)}::"${kind === 'principal' ? 'u' : 'r'}${n}"`;
  }
  if (r < 0.9) return `${kind} in ${group}`;
  return `${kind} is Airlock::${pick(rnd, types)} in ${group}`;
}

function actionScope(rnd: () => number, actions: number): string {
  const r = rnd();
  const a = (): string => `Airlock::Action::"${actionName(Math.floor(rnd() * actions))}"`;
  if (r < 0.8) return `action == ${a()}`;
  if (r < 0.92) return `action in [${a()}, ${a()}]`;
  if (r < 0.99) return `action in Airlock::Action::"grp${Math.floor(rnd() * ACTION_GROUPS)}"`;
  return 'action';
}

function condition(rnd: () => number, required = false): string {
  const n = Math.floor(rnd() * 10);
  const options = [
    `context has level && context.level > ${n}`,
    `principal.level >= ${n}`,
    `resource.level < ${n}`,
    `context has tags && context.tags.contains("t${n}")`,
    `principal.team == "team${n % 4}"`,
    `resource.tier != "tier${n % 3}"`,
    `context has env && context.env == "production"`,
  ];
  const r = rnd();
  if (r < 0.25 && !required) return '';
  const first = pick(rnd, options);
  const clause = r < 0.7 ? first : `${first} && ${pick(rnd, options)}`;
  return rnd() < 0.8 ? ` when { ${clause} }` : ` unless { ${clause} }`;
}

function policyText(rnd: () => number, i: number, actions: number): string {
  // Few, conditional forbids: enough to deny sometimes, not so many that nothing is ever allowed.
  const forbid = rnd() < 0.06;
  const ann: string[] = [];
  if (i % 10 !== 7) ann.push(`@id("p${i}")`);
  ann.push(`@reason("generated policy ${i}")`);
  if (!forbid) {
    const r = rnd();
    if (r < 0.1) ann.push('@requires("approval")', `@approvers("Airlock::Group::\\"g${i % GROUPS}\\"")`, `@quorum("${1 + (i % 3)}")`);
    else if (r < 0.15) ann.push('@requires("confirmation")');
  }
  const body = `${forbid ? 'forbid' : 'permit'} (${scope(rnd, 'principal')}, ${actionScope(rnd, actions)}, ${scope(rnd, 'resource')})${condition(rnd, forbid)};`;
  return [...ann, body].join('\n');
}

export function generateBundle(options: GenerateOptions = {}): Record<string, string> {
  const policies = options.policies ?? 1000;
  const actions = options.actions ?? 50;
  const rnd = createRandom(options.seed ?? 1);
  const files: Record<string, string> = { 'schema.cedarschema': schemaText(actions) };
  const texts: string[] = [];
  for (let i = 0; i < policies; i++) texts.push(policyText(rnd, i, actions));
  for (let f = 0; f * POLICIES_PER_FILE < policies; f++) {
    files[`p${String(f).padStart(3, '0')}.cedar`] = texts.slice(f * POLICIES_PER_FILE, (f + 1) * POLICIES_PER_FILE).join('\n\n') + '\n';
  }
  return files;
}

export interface GeneratedWorld {
  /** Entities a resolver can serve (users, resources, groups); some request subjects are absent. */
  entities: CedarEntity[];
  requests: AuthorizationRequest[];
}

/** Requests over the generated bundle: known and unknown actions/entities, some missing attributes. */
export function generateRequests(options: { count: number; actions?: number; seed?: number }): GeneratedWorld {
  const rnd = createRandom((options.seed ?? 7) ^ 0x5eed);
  const actions = options.actions ?? 50;
  const entities: CedarEntity[] = [];
  const g = (name: string): { type: string; id: string } => ({ type: 'Airlock::Group', id: name });
  for (let i = 0; i < GROUPS; i++) entities.push({ uid: g(`g${i}`), attrs: {}, parents: i % 3 === 0 && i + 1 < GROUPS ? [g(`g${i + 1}`)] : [] });
  for (let i = 0; i < RESOURCE_GROUPS; i++) entities.push({ uid: g(`rg${i}`), attrs: {}, parents: [] });
  for (let i = 0; i < USERS; i++) {
    const type = PRINCIPAL_TYPES[i % PRINCIPAL_TYPES.length]!;
    // Every 9th user lacks `level`: policies reading it error, which must deny the same way sliced or not.
    const attrs: Record<string, unknown> = i % 9 === 8 ? { team: `team${i % 4}` } : { level: i % 10, team: `team${i % 4}` };
    entities.push({ uid: { type: `Airlock::${type}`, id: `u${i}` }, attrs, parents: [g(`g${i % GROUPS}`), g(`g${(i * 7) % GROUPS}`)] });
  }
  for (let i = 0; i < RESOURCES; i++) {
    const type = RESOURCE_TYPES[i % RESOURCE_TYPES.length]!;
    entities.push({ uid: { type: `Airlock::${type}`, id: `r${i}` }, attrs: { level: i % 10, tier: `tier${i % 3}` }, parents: [g(`rg${i % RESOURCE_GROUPS}`)] });
  }
  const requests: AuthorizationRequest[] = [];
  for (let k = 0; k < options.count; k++) {
    const u = Math.floor(rnd() * (USERS + 4)); // a few unknown subjects
    const r = Math.floor(rnd() * (RESOURCES + 4));
    const context: Record<string, unknown> = {};
    if (rnd() < 0.6) context['level'] = Math.floor(rnd() * 10);
    if (rnd() < 0.4) context['env'] = rnd() < 0.5 ? 'production' : 'staging';
    if (rnd() < 0.4) context['tags'] = [`t${Math.floor(rnd() * 10)}`, `t${Math.floor(rnd() * 10)}`];
    requests.push({
      subject: { type: PRINCIPAL_TYPES[u % PRINCIPAL_TYPES.length]!, id: `u${u}` },
      action: { name: rnd() < 0.03 ? 'unknown.action' : actionName(Math.floor(rnd() * actions)) },
      resource: { type: RESOURCE_TYPES[r % RESOURCE_TYPES.length]!, id: `r${r}` },
      context,
    });
  }
  return { entities, requests };
}
