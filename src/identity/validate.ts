import { z } from 'zod';
import { AirlockError } from '../core/errors.js';
import { HUMAN_ROLES, NHI_KINDS, type HumanRole, type NhiKind, type PepGrant } from './types.js';

/**
 * Input rules for registry writes. Every violation is `ERR_IDENTITY_INVALID` (400) with
 * `details.path` (JSON pointer) — invalid slug, a value Cedar cannot hold, an oversized field, an
 * unknown field. Existence rules (owner, groups, duplicates) are checked by the service.
 */

/** Identity ids: lowercase slug, 1–64 characters, `[a-z0-9]` at both ends, `.`, `_`, `-` inside. */
export const SLUG = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const GROUP = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;

export const LIMITS = {
  displayName: 200,
  purpose: 2000,
  email: 254,
  groups: 64,
  environments: 16,
  attributesBytes: 16_384,
  attributeDepth: 8,
  links: 32,
  linkValue: 256,
  label: 200,
  pepSubjects: 256,
} as const;

/** Cedar entity attributes the registry sets itself; `attributes` may not use these names. */
export const RESERVED_ATTRIBUTES = ['owner', 'kind', 'environment', 'environments', 'status', 'suspended', 'purpose', 'displayName'] as const;

const slug = z.string().regex(SLUG, 'must be a lowercase slug: a-z, 0-9, ".", "_", "-", 1–64 characters, starting and ending with a letter or digit');
/** Ids that would shadow a management route (`GET /v1/identities/report`). */
const RESERVED_IDS = new Set(['report']);
const newId = slug.refine((id) => !RESERVED_IDS.has(id), 'is reserved');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const groups = z.array(z.string().regex(GROUP, 'must be a group id: letters, digits, ".", "_", "-", 1–128 characters')).max(LIMITS.groups, `at most ${LIMITS.groups} groups`);
const environments = z.array(slug).max(LIMITS.environments, `at most ${LIMITS.environments} environments`);
const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time, e.g. 2026-12-31T00:00:00Z' });

/** Is `v` a JSON value Cedar can hold (string, boolean, safe integer, array, object; no null, no float)? */
function cedarProblem(v: unknown, depth: number): string | undefined {
  if (depth > LIMITS.attributeDepth) return `nested deeper than ${LIMITS.attributeDepth}`;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isSafeInteger(v) ? undefined : `number ${v} is not a safe integer (Cedar Long)`;
    case 'object': {
      if (v === null) return 'null is not a Cedar value';
      if (Array.isArray(v)) {
        for (const x of v) {
          const p = cedarProblem(x, depth + 1);
          if (p) return p;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return 'only plain JSON objects are accepted';
      for (const [k, x] of Object.entries(v)) {
        if (k === '__entity' || k === '__extn') return `key ${k} is reserved by the Cedar JSON format`;
        const p = cedarProblem(x, depth + 1);
        if (p) return `${k}: ${p}`;
      }
      return undefined;
    }
    default:
      return `${typeof v} is not a JSON value`;
  }
}

const attributes = z.record(z.string().min(1).max(128), z.unknown()).superRefine((obj, ctx) => {
  for (const name of RESERVED_ATTRIBUTES) {
    if (Object.hasOwn(obj, name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is set by the registry and cannot be an attribute` });
  }
  for (const [k, v] of Object.entries(obj)) {
    const p = cedarProblem(v, 1);
    if (p) ctx.addIssue({ code: 'custom', path: [k], message: `not a JSON value Cedar can hold: ${p}` });
  }
  let size = Infinity;
  try {
    size = Buffer.byteLength(JSON.stringify(obj) ?? '', 'utf8');
  } catch {
    /* cycles etc.: caught by cedarProblem's depth limit too */
  }
  if (size > LIMITS.attributesBytes) ctx.addIssue({ code: 'custom', message: `attributes take at most ${LIMITS.attributesBytes} bytes as JSON` });
});

const pepSubject = z.strictObject({ type: z.string().min(1).max(256), id: z.string().min(1).max(1024) });
const pep = z.strictObject({
  subjects: z.array(pepSubject).max(LIMITS.pepSubjects).default([]),
  groups: groups.default([]),
  assertsInitiator: z.boolean().optional(),
});

const nhiCreate = z.strictObject({
  id: newId,
  kind: z.enum(NHI_KINDS),
  displayName: text(LIMITS.displayName).optional(),
  owner: slug,
  groups: groups.default([]),
  environments: environments.default([]),
  purpose: text(LIMITS.purpose),
  expiresAt: timestamp.optional(),
  attributes: attributes.default({}),
  pep: pep.optional(),
  delegatedOnly: z.boolean().optional(),
  /** Also issue a first API key in the same transaction (default true). */
  key: z.boolean().default(true),
  keyLabel: text(LIMITS.label).optional(),
  keyExpiresAt: timestamp.optional(),
});

const nhiPatch = z.strictObject({
  displayName: text(LIMITS.displayName).optional(),
  owner: slug.optional(),
  groups: groups.optional(),
  environments: environments.optional(),
  purpose: text(LIMITS.purpose).optional(),
  expiresAt: timestamp.nullable().optional(),
  attributes: attributes.optional(),
  pep: pep.nullable().optional(),
  delegatedOnly: z.boolean().optional(),
});

const links = z
  .record(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'link names are lowercase, 1–32 characters'), z.string().min(1).max(LIMITS.linkValue))
  .refine((o) => Object.keys(o).length <= LIMITS.links, `at most ${LIMITS.links} links`);
const email = z.string().max(LIMITS.email).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');
const roles = z.array(z.enum(HUMAN_ROLES)).max(HUMAN_ROLES.length);

const humanCreate = z.strictObject({
  id: newId,
  displayName: text(LIMITS.displayName).optional(),
  email: email.optional(),
  groups: groups.default([]),
  roles: roles.default([]),
  links: links.default({}),
  key: z.boolean().default(true),
  keyLabel: text(LIMITS.label).optional(),
  keyExpiresAt: timestamp.optional(),
});

const humanPatch = z.strictObject({
  displayName: text(LIMITS.displayName).optional(),
  email: email.nullable().optional(),
  groups: groups.optional(),
  roles: roles.optional(),
  links: links.optional(),
});

const keyCreate = z.strictObject({
  label: text(LIMITS.label).optional(),
  expiresAt: timestamp.optional(),
});

export interface NhiCreateInput {
  id: string;
  kind: NhiKind;
  displayName?: string | undefined;
  owner: string;
  groups: string[];
  environments: string[];
  purpose: string;
  expiresAt?: string | undefined;
  attributes: Record<string, unknown>;
  pep?: PepGrant | undefined;
  delegatedOnly?: boolean | undefined;
  key: boolean;
  keyLabel?: string | undefined;
  keyExpiresAt?: string | undefined;
}
export type NhiPatchInput = Partial<Omit<NhiCreateInput, 'id' | 'kind' | 'key' | 'keyLabel' | 'keyExpiresAt' | 'expiresAt' | 'pep'>> & {
  expiresAt?: string | null | undefined;
  pep?: PepGrant | null | undefined;
};
export interface HumanCreateInput {
  id: string;
  displayName?: string | undefined;
  email?: string | undefined;
  groups: string[];
  roles: HumanRole[];
  links: Record<string, string>;
  key: boolean;
  keyLabel?: string | undefined;
  keyExpiresAt?: string | undefined;
}
export interface HumanPatchInput {
  displayName?: string | undefined;
  email?: string | null | undefined;
  groups?: string[] | undefined;
  roles?: HumanRole[] | undefined;
  links?: Record<string, string> | undefined;
}
export interface KeyCreateInput {
  label?: string | undefined;
  expiresAt?: string | undefined;
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
  const segments = [...issue.path, ...(keys.length > 0 ? [keys[0]!] : [])].map(String);
  const path = '/' + segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const message = issue.code === 'unrecognized_keys' ? `unknown field` : issue.message;
  throw new AirlockError('ERR_IDENTITY_INVALID', `${path}: ${message}`, { path });
}

export const parseNhiCreate = (v: unknown): NhiCreateInput => parse(nhiCreate, v) as NhiCreateInput;
export const parseNhiPatch = (v: unknown): NhiPatchInput => parse(nhiPatch, v) as NhiPatchInput;
export const parseHumanCreate = (v: unknown): HumanCreateInput => parse(humanCreate, v) as HumanCreateInput;
export const parseHumanPatch = (v: unknown): HumanPatchInput => parse(humanPatch, v) as HumanPatchInput;
export const parseKeyCreate = (v: unknown): KeyCreateInput => parse(keyCreate, v) as KeyCreateInput;

/** `id` path parameter check (same slug rule), so a bad id is a 400, never a lookup. */
export function checkId(id: string, path = '/id'): string {
  if (!SLUG.test(id)) throw new AirlockError('ERR_IDENTITY_INVALID', `${path}: not a valid identity id`, { path });
  return id;
}
