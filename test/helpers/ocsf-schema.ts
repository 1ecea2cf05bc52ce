/**
 * A small OCSF checker over the schema's own definition files (OCSF 1.8.0 data in
 * ../shared/reference/ocsf/1.8.0/: dictionary.json, categories.json, events/, objects/, profiles/).
 * It resolves a class through its `extends` chain and `$include`d profiles, then checks an event:
 * required attributes present, no attribute the class or object does not define, each value of its
 * dictionary type (base types, regex, ranges), arrays where `is_array`, enumerations, sibling
 * captions, object constraints (`at_least_one`, `just_one`), and the uid arithmetic
 * (class_uid = category_uid × 1000 + class uid; type_uid = class_uid × 100 + activity_id).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const OCSF_DIR = resolve(process.env['AIRLOCK_OCSF_SCHEMA_DIR'] ?? '../shared/reference/ocsf/1.8.0');

type Json = Record<string, any>;
interface AttrDef {
  requirement: string;
  /** Set for attributes a profile adds: they exist only when `metadata.profiles` names it. */
  profile?: string;
  type: string;
  isArray: boolean;
  enum?: Record<string, { caption?: string }>;
  sibling?: string;
}
interface Shape {
  name: string;
  attributes: Map<string, AttrDef>;
  constraints: { at_least_one?: string[]; just_one?: string[] };
}
export interface ClassInfo extends Shape {
  classUid: number;
  categoryUid: number;
  categoryName: string;
  caption: string;
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
  });
}

export interface OcsfSchema {
  version: string;
  classInfo(name: string): ClassInfo;
  /** Problems of one event against the named class (empty when it conforms). */
  check(event: unknown, className: string): string[];
}

export function loadOcsfSchema(dir = OCSF_DIR): OcsfSchema {
  if (!existsSync(join(dir, 'dictionary.json'))) throw new Error(`OCSF schema not found at ${dir} (set AIRLOCK_OCSF_SCHEMA_DIR)`);
  const dictionary = readJson(join(dir, 'dictionary.json'));
  const dict = dictionary['attributes'] as Record<string, Json>;
  const types = dictionary['types']['attributes'] as Record<string, Json>;
  const categories = readJson(join(dir, 'categories.json'))['attributes'] as Record<string, Json>;
  const classes = new Map<string, Json>();
  for (const f of walk(join(dir, 'events'))) {
    const c = readJson(f);
    classes.set(c['name'], c);
  }
  const objects = new Map<string, Json>();
  for (const f of walk(join(dir, 'objects'))) {
    const o = readJson(f);
    objects.set(o['name'], o);
  }

  /** A definition's own attributes, with the attributes of the files it `$include`s beneath them. */
  function ownAttributes(def: Json): Record<string, Json> {
    const out: Record<string, Json> = {};
    const attrs = (def['attributes'] ?? {}) as Record<string, Json>;
    for (const inc of (attrs['$include'] as string[] | undefined) ?? []) {
      const included = readJson(join(dir, inc));
      const fromProfile = included['meta'] === 'profile' ? (included['name'] as string) : undefined;
      for (const [k, v] of Object.entries(ownAttributes(included))) out[k] = fromProfile ? { ...v, $profile: fromProfile } : v;
    }
    for (const [k, v] of Object.entries(attrs)) if (k !== '$include') out[k] = { ...(out[k] ?? {}), ...v };
    return out;
  }

  function resolveShape(chain: Json[], name: string): Shape {
    const merged: Record<string, Json> = {};
    let constraints: Shape['constraints'] = {};
    for (const def of chain) {
      for (const [k, v] of Object.entries(ownAttributes(def))) {
        const prev = merged[k] ?? {};
        merged[k] = { ...prev, ...v, ...(prev['enum'] || v['enum'] ? { enum: { ...(prev['enum'] ?? {}), ...(v['enum'] ?? {}) } } : {}) };
        // `"profile": null` in a class makes an attribute a profile added its own, present without the profile.
        if ('profile' in v && v['profile'] === null && !v['$profile']) delete merged[k]!['$profile'];
      }
      if (def['constraints']) constraints = def['constraints'];
    }
    const attributes = new Map<string, AttrDef>();
    for (const [k, v] of Object.entries(merged)) {
      const d = dict[k];
      if (!d) throw new Error(`schema: attribute ${k} of ${name} is not in the dictionary`);
      const e = d['enum'] || v['enum'] ? { ...(d['enum'] ?? {}), ...(v['enum'] ?? {}) } : undefined;
      attributes.set(k, { ...(v['$profile'] ? { profile: v['$profile'] } : {}), requirement: v['requirement'] ?? 'optional', type: v['type'] ?? d['type'], isArray: Boolean(v['is_array'] ?? d['is_array']), ...(e ? { enum: e } : {}), ...(d['sibling'] ? { sibling: d['sibling'] } : {}) });
    }
    return { name, attributes, constraints };
  }

  const objectShapes = new Map<string, Shape>();
  function objectShape(name: string): Shape {
    let s = objectShapes.get(name);
    if (s) return s;
    const chain: Json[] = [];
    for (let cur = objects.get(name); cur; cur = cur['extends'] ? objects.get(cur['extends']) : undefined) chain.unshift(cur);
    if (chain.length === 0) throw new Error(`schema: no object ${name}`);
    s = resolveShape(chain, name);
    objectShapes.set(name, s);
    return s;
  }

  function classInfo(name: string): ClassInfo {
    const chain: Json[] = [];
    for (let cur = classes.get(name); cur; cur = cur['extends'] ? classes.get(cur['extends']) : undefined) chain.unshift(cur);
    if (chain.length === 0) throw new Error(`schema: no event class ${name}`);
    const leaf = chain.at(-1)!;
    const category = [...chain].reverse().find((c) => c['category'])?.['category'] as string;
    const cat = categories[category];
    if (!cat) throw new Error(`schema: class ${name} has no category`);
    const shape = resolveShape(chain, name);
    const classUid = cat['uid'] * 1000 + leaf['uid'];
    // The dictionary's enumerations of these two hold only 0; a class has its own single value.
    shape.attributes.set('class_uid', { ...shape.attributes.get('class_uid')!, enum: { [classUid]: { caption: leaf['caption'] } } });
    shape.attributes.set('category_uid', { ...shape.attributes.get('category_uid')!, enum: { [cat['uid']]: { caption: cat['caption'] } } });
    return { ...shape, classUid, categoryUid: cat['uid'], categoryName: cat['caption'], caption: leaf['caption'] };
  }

  /** The base type (`string_t`, `integer_t`, …) and the nearest regex/range/max_len of a type. */
  function primitive(t: string): { base: string; regex?: RegExp; range?: [number, number]; maxLen?: number } {
    let base = t;
    let regex: RegExp | undefined;
    let range: [number, number] | undefined;
    let maxLen: number | undefined;
    for (let cur: string | undefined = t; cur; cur = types[cur]?.['type']) {
      const def = types[cur];
      if (!def) throw new Error(`schema: unknown type ${cur}`);
      regex ??= def['regex'] ? new RegExp(def['regex']) : undefined;
      range ??= def['range'];
      maxLen ??= def['max_len'];
      base = cur;
    }
    return { base, ...(regex ? { regex } : {}), ...(range ? { range } : {}), ...(maxLen !== undefined ? { maxLen } : {}) };
  }

  function checkValue(v: unknown, type: string, path: string, out: string[], profiles: Set<string>): void {
    if (type === 'object') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) out.push(`${path}: expected an object`);
      return;
    }
    if (types[type]) {
      const p = primitive(type);
      const ok =
        p.base === 'string_t' ? typeof v === 'string'
        : p.base === 'integer_t' ? Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31
        : p.base === 'long_t' ? Number.isSafeInteger(v)
        : p.base === 'float_t' ? typeof v === 'number' && Number.isFinite(v)
        : p.base === 'boolean_t' ? typeof v === 'boolean'
        : p.base === 'json_t' ? v !== undefined
        : false;
      if (!ok) out.push(`${path}: ${JSON.stringify(v)} is not of type ${type} (${p.base})`);
      else {
        if (p.regex && !p.regex.test(v as string)) out.push(`${path}: ${JSON.stringify(v)} does not match the ${type} pattern`);
        if (p.maxLen !== undefined && (v as string).length > p.maxLen) out.push(`${path}: longer than ${p.maxLen}`);
        if (p.range && ((v as number) < p.range[0] || (v as number) > p.range[1])) out.push(`${path}: outside ${p.range.join('..')}`);
      }
      return;
    }
    checkObject(v, objectShape(type), path, out, profiles);
  }

  function checkObject(v: unknown, shape: Shape, path: string, out: string[], profiles: Set<string>): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      out.push(`${path}: expected a ${shape.name} object`);
      return;
    }
    const o = v as Record<string, unknown>;
    for (const [k, val] of Object.entries(o)) {
      const a = shape.attributes.get(k);
      const at = path ? `${path}.${k}` : k;
      if (!a) {
        out.push(`${at}: not an attribute of ${shape.name}`);
        continue;
      }
      if (a.profile && !profiles.has(a.profile)) out.push(`${at}: belongs to profile ${a.profile}, which metadata.profiles does not name`);
      if (val === null || val === undefined) {
        out.push(`${at}: null`);
        continue;
      }
      const items = a.isArray ? (Array.isArray(val) ? val : (out.push(`${at}: expected an array`), [])) : [val];
      items.forEach((item, i) => {
        const ip = a.isArray ? `${at}[${i}]` : at;
        checkValue(item, a.type, ip, out, profiles);
        if (a.enum && !(String(item) in a.enum)) out.push(`${ip}: ${JSON.stringify(item)} is not one of ${Object.keys(a.enum).join(', ')}`);
      });
      // A sibling string names the enum member's caption (except for Other, 99, which carries its own).
      if (a.enum && a.sibling && !a.isArray && o[a.sibling] !== undefined && String(val) !== '99') {
        const caption = a.enum[String(val)]?.caption;
        if (caption !== undefined && o[a.sibling] !== caption) out.push(`${path ? `${path}.` : ''}${a.sibling}: ${JSON.stringify(o[a.sibling])} is not the caption ${JSON.stringify(caption)} of ${k} ${String(val)}`);
      }
    }
    for (const [k, a] of shape.attributes) if (a.requirement === 'required' && (!a.profile || profiles.has(a.profile)) && (o[k] === undefined || o[k] === null)) out.push(`${path ? `${path}.` : ''}${k}: required by ${shape.name}`);
    const present = (names: string[]) => names.filter((n) => o[n] !== undefined && o[n] !== null).length;
    if (shape.constraints.at_least_one && present(shape.constraints.at_least_one) === 0) out.push(`${path || shape.name}: needs at least one of ${shape.constraints.at_least_one.join(', ')}`);
    if (shape.constraints.just_one && present(shape.constraints.just_one) !== 1) out.push(`${path || shape.name}: needs exactly one of ${shape.constraints.just_one.join(', ')}`);
  }

  return {
    version: readJson(join(dir, 'version.json'))['version'],
    classInfo,
    check(event, className) {
      const out: string[] = [];
      const c = classInfo(className);
      const declared = (event as { metadata?: { profiles?: unknown } } | null)?.metadata?.profiles;
      checkObject(event, c, '', out, new Set(Array.isArray(declared) ? declared.filter((p): p is string => typeof p === 'string') : []));
      const e = event as Record<string, unknown>;
      if (e['class_uid'] !== c.classUid) out.push(`class_uid: ${String(e['class_uid'])}, expected ${c.classUid} (category ${c.categoryUid} × 1000 + class)`);
      if (e['category_uid'] !== c.categoryUid) out.push(`category_uid: ${String(e['category_uid'])}, expected ${c.categoryUid}`);
      if (typeof e['activity_id'] === 'number' && e['type_uid'] !== c.classUid * 100 + e['activity_id']) out.push(`type_uid: ${String(e['type_uid'])}, expected class_uid × 100 + activity_id = ${c.classUid * 100 + e['activity_id']}`);
      if (e['class_name'] !== undefined && e['class_name'] !== c.caption) out.push(`class_name: ${String(e['class_name'])}, expected ${c.caption}`);
      if (e['category_name'] !== undefined && e['category_name'] !== c.categoryName) out.push(`category_name: ${String(e['category_name'])}, expected ${c.categoryName}`);
      return out;
    },
  };
}
