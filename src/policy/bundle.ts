import { createHash } from 'node:crypto';
import { checkParseEntities, preparsePolicySet, statefulIsAuthorized, validate } from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { canonicalize } from '../core/canonical-json.js';
import { AirlockError } from '../core/errors.js';
import { readPolicies, type ParsedPolicy } from './policy-sources.js';
import { collectAttributeUse, pickKeys, type AttributeUse } from './attribute-use.js';
import { actionAncestry, FROM_ID_ANNOTATION, readSchema, SCHEMA_FILE, type EntityClaimRule, type SchemaInfo } from './schema-info.js';
import { planSlices, sliceFor, summarizeScope, type SlicePlan } from './slicing.js';
import { lineAtIndex } from './source-lines.js';
import type { BundleProblem, CedarEntity, PolicyEvaluation, PolicyInfo, PolicyRequest, PolicyTestCase } from './types.js';
import { uidKey } from '../core/entity-uid.js';

export const ENTITIES_FILE = 'entities.json';

/** A bundle that parsed and validated; it holds prepared Cedar policy sets until `dispose()`. */
export interface CompiledBundle {
  /** `sha256:<hex>` over the canonical JSON of the bundle's files (tests included). */
  readonly version: string;
  /** The schema's namespace, e.g. `Airlock`. */
  readonly namespace: string;
  /** Action names the schema declares, sorted. */
  readonly actions: readonly string[];
  /** Fully qualified entity types the schema declares, e.g. `Airlock::Agent`. */
  readonly entityTypes: ReadonlySet<string>;
  /** Per entity type, what a caller may say about it (`@caller_supplied`, `@from_id` in the schema). */
  readonly claims: ReadonlyMap<string, EntityClaimRule>;
  readonly policies: ReadonlyMap<string, PolicyInfo>;
  /** Static entities from `entities.json`, keyed by uid text (`Airlock::Group::"sre"`). */
  readonly staticEntities: ReadonlyMap<string, CedarEntity>;
  /** The `tests/*.yaml` cases; empty unless compiled with a test reader ({@link CompileOptions}). */
  readonly tests: readonly PolicyTestCase[];
  /** Validator warnings (e.g. impossible policies); never a reason to refuse the bundle. */
  readonly warnings: readonly BundleProblem[];
  /** Number of prepared sets (slices) the bundle holds, for diagnostics and the bench. */
  readonly sliceCount: number;
  /** Attribute names and context keys the policies can observe (the mapping drops the rest). */
  readonly attributeUse: AttributeUse;
  /**
   * Evaluates against the slice that can apply to the request. Throws when Cedar refuses the
   * request (the gateway turns a throw into deny).
   * @throws AirlockError ERR_INTERNAL
   */
  evaluate(req: PolicyRequest): PolicyEvaluation;
  /**
   * Same answer as `evaluate`, over one set holding every policy (tests and bench only). That set
   * is prepared on the first call, not at compile (start-up time); a failure to prepare throws.
   * @throws AirlockError ERR_INTERNAL
   */
  evaluateUnsliced(req: PolicyRequest): PolicyEvaluation;
  /**
   * The Cedar call `evaluate` would make, for evaluation elsewhere (a policy thread): undefined when
   * no policy's scope can match (the answer is then {@link emptySliceDeny}). Pure: no Cedar call.
   */
  cedarCall(req: PolicyRequest): CedarCall | undefined;
  /** Reads Cedar's answer to one of this bundle's calls as `evaluate` does (a failure throws). */
  readAnswer(answer: AuthorizationAnswer): PolicyEvaluation;
  /** The prepared sliced sets, id and policy text, so another thread can prepare the same sets. */
  preparedSets(): readonly PreparedSet[];
  /** Releases the prepared sets. cedar-wasm cannot unload a set, so each is replaced by an empty one. */
  dispose(): void;
}

/** Cedar's `statefulIsAuthorized` input for one request, on a set prepared under `preparsedPolicySetId`. */
export type CedarCall = Parameters<typeof statefulIsAuthorized>[0];
export type { AuthorizationAnswer };

/** One prepared policy set: its id and its policies' text by policy id. */
export interface PreparedSet {
  id: string;
  policies: Record<string, string>;
}

/** The answer when no policy's scope can match: Cedar would answer deny with no diagnostics. */
export const emptySliceDeny = (): PolicyEvaluation => ({ decision: 'deny', determining: [], errors: [] });

export type CompileResult = { ok: true; bundle: CompiledBundle } | { ok: false; problems: BundleProblem[] };

/** Reads one `tests/*.yaml` file into cases and problems (policy/test-file.ts `readTestFile`). */
export type TestFileReader = (file: string, text: string, namespace: string) => { cases: PolicyTestCase[]; problems: BundleProblem[] };

export interface CompileOptions {
  /**
   * Reads the bundle's test files: each problem in one refuses the bundle, like any other problem.
   * Without it the test files are not parsed (the gateway never runs them; `airlock policy test`
   * and `policy validate` pass one) and `tests` is empty. Either way they are part of `version`.
   */
  readTests?: TestFileReader;
}

let instanceCounter = 0;

/** Which files belong to a bundle; anything else in `files` is ignored (and not hashed). */
export function isBundleFile(path: string): boolean {
  return (
    (path.endsWith('.cedar') && !path.includes('/')) ||
    path === SCHEMA_FILE ||
    path === ENTITIES_FILE ||
    /^tests\/[^/]+\.ya?ml$/.test(path)
  );
}

/** `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of `{ path: text }`. */
export function bundleVersion(files: Readonly<Record<string, string>>): string {
  const own: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) if (isBundleFile(path)) own[path] = text;
  return 'sha256:' + createHash('sha256').update(canonicalize(own)).digest('hex');
}

/** Sorted by file and line; exact duplicates (Cedar repeats an error per request type) dropped. */
function sortProblems(all: BundleProblem[]): BundleProblem[] {
  const seen = new Set<string>();
  const problems = all.filter((p) => {
    const key = JSON.stringify([p.file, p.line, p.policyId, p.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
}

function readEntities(text: string, schemaText: string | undefined): { entities: CedarEntity[]; problems: BundleProblem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const line = m ? lineAtIndex(text, Number(m[1])) : 1;
    return { entities: [], problems: [{ file: ENTITIES_FILE, line, message: `not valid JSON: ${(e as Error).message}` }] };
  }
  if (!Array.isArray(data)) {
    return { entities: [], problems: [{ file: ENTITIES_FILE, line: 1, message: 'entities.json must be a JSON array of Cedar entities' }] };
  }
  if (schemaText !== undefined) {
    const checked = checkParseEntities({ entities: data as EntityJson[], schema: schemaText });
    if (checked.type === 'failure') {
      return { entities: [], problems: checked.errors.map((e) => ({ file: ENTITIES_FILE, message: e.message })) };
    }
  }
  const entities = (data as EntityJson[]).map((e) => {
    const uid = '__entity' in e.uid ? e.uid.__entity : e.uid;
    const entity: CedarEntity = {
      uid,
      attrs: (e.attrs ?? {}) as Record<string, unknown>,
      parents: (e.parents ?? []).map((p) => ('__entity' in p ? p.__entity : p)),
    };
    // Entity tags (`hasTag` / `getTag`) are part of the entity: dropping them would turn a forbid on a tag into allow.
    if (e.tags !== undefined && Object.keys(e.tags).length > 0) entity.tags = e.tags as Record<string, unknown>;
    return entity;
  });
  return { entities, problems: [] };
}

function lineOfEntity(text: string, id: string): number | undefined {
  const at = text.indexOf(JSON.stringify(id));
  return at >= 0 ? lineAtIndex(text, at) : undefined;
}

/**
 * Compiles a bundle from `{ relativePath: text }` (no disk access here; see runtime/load-bundle.ts).
 * Every problem is listed, each with its file and, where Cedar or YAML locate it, its line. Test
 * files are read only with `options.readTests`.
 * @example
 * const r = compileBundle({ 'main.cedar': 'permit(principal, action, resource);', 'schema.cedarschema': '…' });
 * if (r.ok) r.bundle.evaluate(request);
 */
export function compileBundle(files: Readonly<Record<string, string>>, options: CompileOptions = {}): CompileResult {
  const problems: BundleProblem[] = [];
  const paths = Object.keys(files).filter(isBundleFile).sort();
  const schemaText = files[SCHEMA_FILE];
  let schema: SchemaInfo | undefined;
  if (schemaText === undefined) problems.push({ file: SCHEMA_FILE, message: 'the bundle has no schema.cedarschema' });
  else {
    const r = readSchema(schemaText);
    if (r.ok) schema = r.info;
    else problems.push(...r.problems);
  }
  const cedarFiles = paths.filter((p) => p.endsWith('.cedar')).map((p) => [p, files[p]!] as [string, string]);
  if (cedarFiles.length === 0) problems.push({ file: '.', message: 'the bundle has no *.cedar policy files' });
  const read = readPolicies(cedarFiles, schema?.entityTypes);
  problems.push(...read.problems);

  const warnings: BundleProblem[] = [];
  if (schema && schemaText !== undefined && read.policies.length > 0) {
    const byId = new Map(read.policies.map((p) => [p.info.id, p]));
    const answer = validate({
      schema: schemaText,
      policies: { staticPolicies: Object.fromEntries(read.policies.map((p) => [p.info.id, p.text])) },
      validationSettings: { mode: 'strict' },
    });
    if (answer.type === 'failure') {
      problems.push(...answer.errors.map((e) => ({ file: SCHEMA_FILE, message: e.message })));
    } else {
      // "success" can still carry validationErrors (standards.md §5.1): each one refuses the bundle.
      const locate = (list: typeof answer.validationErrors, into: BundleProblem[]): void => {
        for (const v of list) {
          const p = byId.get(v.policyId);
          const loc = v.error.sourceLocations?.[0];
          const detail = [v.error.message, v.error.help].filter((s) => typeof s === 'string' && s.length > 0).join('; ');
          into.push({
            file: p?.info.file ?? '.',
            ...(p ? { line: loc ? p.lineOf(loc.start) : p.info.line } : {}),
            policyId: v.policyId,
            message: detail,
          });
        }
      };
      locate(answer.validationErrors, problems);
      locate(answer.validationWarnings, warnings);
    }
  }

  const staticEntities = new Map<string, CedarEntity>();
  const entitiesText = files[ENTITIES_FILE];
  if (entitiesText !== undefined) {
    const r = readEntities(entitiesText, schema ? schemaText : undefined);
    problems.push(...r.problems);
    for (const e of r.entities) {
      const key = uidKey(e.uid);
      if (staticEntities.has(key)) {
        const line = lineOfEntity(entitiesText, e.uid.id);
        problems.push({ file: ENTITIES_FILE, ...(line !== undefined ? { line } : {}), message: `duplicate entity ${key}` });
      }
      staticEntities.set(key, e);
      // An id-derived attribute is the id; a static entity that says otherwise would make two facts for one name.
      const fromId = schema?.claims.get(e.uid.type)?.fromId;
      if (fromId !== undefined && e.attrs[fromId] !== undefined && e.attrs[fromId] !== e.uid.id) {
        const line = lineOfEntity(entitiesText, e.uid.id);
        problems.push({ file: ENTITIES_FILE, ...(line !== undefined ? { line } : {}), message: `${key}: ${fromId} is @${FROM_ID_ANNOTATION} and must equal the id (or be left out)` });
      }
    }
  }

  const tests: PolicyTestCase[] = [];
  const { readTests } = options;
  if (readTests) {
    for (const path of paths.filter((p) => p.startsWith('tests/'))) {
      const r = readTests(path, files[path]!, schema?.namespace ?? 'Airlock');
      problems.push(...r.problems);
      tests.push(...r.cases);
    }
  }

  if (problems.length > 0 || !schema) return { ok: false, problems: sortProblems(problems) };
  const prepared = prepare(read.policies, schema, bundleVersion(files));
  if (!prepared.ok) return prepared;
  return {
    ok: true,
    bundle: new PreparedBundle(prepared, schema, read.policies, staticEntities, tests, warnings),
  };
}

interface Prepared {
  ok: true;
  version: string;
  plan: SlicePlan;
  setIds: string[];
  /** Prefix of this instance's set ids (`<prefix>:<n>`, and `<prefix>:all` for the unsliced set). */
  prefix: string;
}

function preparseSet(id: string, policies: ReadonlyMap<string, string>): BundleProblem[] {
  const r = preparsePolicySet(id, { staticPolicies: Object.fromEntries(policies) });
  return r.type === 'success' ? [] : r.errors.map((e) => ({ file: '.', message: `could not prepare policies: ${e.message}` }));
}

function prepare(policies: ParsedPolicy[], schema: SchemaInfo, version: string): Prepared | { ok: false; problems: BundleProblem[] } {
  const actionType = `${schema.namespace}::Action`;
  const plan = planSlices(
    policies.map((p) => summarizeScope(p.info.id, p.json, schema)),
    schema.actions.map((a) => uidKey({ type: actionType, id: a })),
  );
  const text = new Map(policies.map((p) => [p.info.id, p.text]));
  // Unique per instance: a hot reload may keep the old and the new bundle (same version or not) alive.
  const prefix = `airlock:${version.slice(7, 23)}:${++instanceCounter}`;
  const setIds: string[] = [];
  const problems: BundleProblem[] = [];
  plan.sets.forEach((ids, n) => {
    const id = `${prefix}:${n}`;
    setIds.push(id);
    problems.push(...preparseSet(id, new Map(ids.map((i) => [i, text.get(i)!]))));
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, version, plan, setIds, prefix };
}

class PreparedBundle implements CompiledBundle {
  readonly version: string;
  readonly namespace: string;
  readonly actions: readonly string[];
  readonly entityTypes: ReadonlySet<string>;
  readonly claims: ReadonlyMap<string, EntityClaimRule>;
  readonly policies: ReadonlyMap<string, PolicyInfo>;
  readonly staticEntities: ReadonlyMap<string, CedarEntity>;
  /** The `tests/*.yaml` cases; empty unless compiled with a test reader ({@link CompileOptions}). */
  readonly tests: readonly PolicyTestCase[];
  readonly warnings: readonly BundleProblem[];
  readonly sliceCount: number;
  readonly #plan: SlicePlan;
  readonly #setIds: string[];
  readonly #prefix: string;
  readonly #policyText: ReadonlyMap<string, string>;
  /** The unsliced set's id once prepared (`evaluateUnsliced`). */
  #unslicedId: string | undefined;
  readonly #schema: SchemaInfo;
  readonly #actionEntities = new Map<string, CedarEntity[]>();
  readonly attributeUse: AttributeUse;
  #disposed = false;

  constructor(
    prepared: Prepared,
    schema: SchemaInfo,
    policies: ParsedPolicy[],
    staticEntities: Map<string, CedarEntity>,
    tests: PolicyTestCase[],
    warnings: BundleProblem[],
  ) {
    this.version = prepared.version;
    this.namespace = schema.namespace;
    this.actions = schema.actions;
    this.entityTypes = schema.entityTypes;
    this.claims = schema.claims;
    this.policies = new Map(policies.map((p) => [p.info.id, p.info]));
    this.staticEntities = staticEntities;
    this.tests = tests;
    this.warnings = warnings;
    this.sliceCount = prepared.setIds.length;
    this.#plan = prepared.plan;
    this.#setIds = prepared.setIds;
    this.#prefix = prepared.prefix;
    this.#policyText = new Map(policies.map((p) => [p.info.id, p.text]));
    this.#schema = schema;
    this.attributeUse = collectAttributeUse(policies.map((p) => p.json));
    for (const a of schema.actions) {
      const uid = { type: `${schema.namespace}::Action`, id: a };
      const chain = actionAncestry(schema, uid);
      if (chain.length > 0) this.#actionEntities.set(uidKey(uid), chain);
    }
  }

  evaluate(req: PolicyRequest): PolicyEvaluation {
    const call = this.cedarCall(req);
    return call === undefined ? emptySliceDeny() : this.readAnswer(statefulIsAuthorized(call));
  }

  cedarCall(req: PolicyRequest): CedarCall | undefined {
    this.#checkLive();
    const n = sliceFor(this.#plan, req.principal, req.action, req.resource);
    return n === undefined ? undefined : this.#callFor(this.#setIds[n]!, req);
  }

  preparedSets(): readonly PreparedSet[] {
    this.#checkLive();
    return this.#plan.sets.map((ids, n) => ({ id: this.#setIds[n]!, policies: Object.fromEntries(ids.map((i) => [i, this.#policyText.get(i)!])) }));
  }

  evaluateUnsliced(req: PolicyRequest): PolicyEvaluation {
    this.#checkLive();
    if (this.#policyText.size === 0) return emptySliceDeny();
    if (this.#unslicedId === undefined) {
      const id = `${this.#prefix}:all`;
      const problems = preparseSet(id, this.#policyText);
      if (problems.length > 0) throw new AirlockError('ERR_INTERNAL', problems.map((p) => p.message).join('; '), { policyVersion: this.version });
      this.#unslicedId = id;
    }
    return this.readAnswer(statefulIsAuthorized(this.#callFor(this.#unslicedId, req)));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // cedar-wasm has no unload; replacing a set with an empty one frees its policies.
    for (const id of [...this.#setIds, ...(this.#unslicedId ? [this.#unslicedId] : [])]) preparsePolicySet(id, { staticPolicies: {} });
  }

  #checkLive(): void {
    if (this.#disposed) throw new AirlockError('ERR_INTERNAL', `policy bundle ${this.version} was disposed`);
  }

  #callFor(setId: string, req: PolicyRequest): CedarCall {
    // The action's groups live in the schema, which is not passed at evaluation; send them as entities.
    const actionChain = this.#actionEntities.get(uidKey(req.action));
    // Only attributes some policy names cross into wasm (attribute-use.ts): same decision, less marshalling.
    const use = this.attributeUse;
    const entities = req.entities.map((e) => {
      const attrs = pickKeys(e.attrs, use.entityAttrs);
      if (attrs === e.attrs) return e;
      return e.tags ? { uid: e.uid, attrs, parents: e.parents, tags: e.tags } : { uid: e.uid, attrs, parents: e.parents };
    });
    return {
      principal: req.principal,
      action: req.action,
      resource: req.resource,
      context: (use.contextKeys === 'all' ? req.context : pickKeys(req.context, use.contextKeys)) as never,
      entities: (actionChain ? [...entities, ...actionChain] : entities) as EntityJson[],
      preparsedPolicySetId: setId,
    };
  }

  readAnswer(answer: AuthorizationAnswer): PolicyEvaluation {
    if (answer.type === 'failure') {
      // fail closed: the gateway turns this throw into deny (DESIGN §6)
      throw new AirlockError('ERR_INTERNAL', `Cedar refused the request: ${answer.errors.map((e) => e.message).join('; ')}`, {
        policyVersion: this.version,
      });
    }
    const d = answer.response.diagnostics;
    return {
      decision: answer.response.decision,
      // Cedar's order is not specified; sorted so answers (and audit records) are stable.
      determining: d.reason.length > 1 ? [...d.reason].sort() : d.reason,
      errors: d.errors.map((e) => ({ policyId: e.policyId, message: e.error.message })),
    };
  }

  /** For tests: the schema facts the bundle was built from. */
  get schemaInfo(): SchemaInfo {
    return this.#schema;
  }
}
