import { AirlockError } from './errors.js';
import type { ActionRef, AuthorizationRequest, EntityRef } from './types.js';

/**
 * Checks that a parsed JSON value is an AuthZEN access request (AuthZEN 1.0 §5–§6): subject and
 * resource `{type, id, properties?}`, action `{name, properties?}`, optional object `context`.
 * Unknown top-level fields are ignored (receivers MUST ignore unknown fields) and not copied, so
 * they cannot reach the action hash. Errors name the JSON pointer of the bad field.
 */
export function parseAuthorizationRequest(value: unknown, base = ''): AuthorizationRequest {
  const obj = asObject(value, base || '/');
  const req: AuthorizationRequest = {
    subject: entity(obj['subject'], `${base}/subject`),
    action: action(obj['action'], `${base}/action`),
    resource: entity(obj['resource'], `${base}/resource`),
  };
  if (obj['context'] !== undefined) req.context = asObject(obj['context'], `${base}/context`);
  return req;
}

function invalid(path: string, message: string): never {
  throw new AirlockError('ERR_REQUEST_INVALID', `${path}: ${message}`, { path });
}

export function asObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(path, v === undefined ? 'is required' : 'must be an object');
  return v as Record<string, unknown>;
}

function nonEmptyString(v: unknown, path: string): string {
  if (v === undefined) invalid(path, 'is required');
  if (typeof v !== 'string') invalid(path, 'must be a string');
  if (v.length === 0) invalid(path, 'must not be empty');
  if (v.length > 1024) invalid(path, 'must be at most 1024 characters');
  return v;
}

function entity(v: unknown, path: string): EntityRef {
  const o = asObject(v, path);
  const e: EntityRef = { type: nonEmptyString(o['type'], `${path}/type`), id: nonEmptyString(o['id'], `${path}/id`) };
  if (o['properties'] !== undefined) e.properties = asObject(o['properties'], `${path}/properties`);
  return e;
}

function action(v: unknown, path: string): ActionRef {
  const o = asObject(v, path);
  const a: ActionRef = { name: nonEmptyString(o['name'], `${path}/name`) };
  if (o['properties'] !== undefined) a.properties = asObject(o['properties'], `${path}/properties`);
  return a;
}

/** Which AuthZEN search a request is (AuthZEN 1.0 §8): the kind names the searched part. */
export type SearchKind = 'subject' | 'resource' | 'action';

/** An entity of a search request: the searched one carries no `id`. */
export interface SearchEntityRef {
  type: string;
  id?: string;
  properties?: Record<string, unknown>;
}

/** A parsed AuthZEN search request. `action` is absent exactly for an action search. */
export interface SearchRequest {
  kind: SearchKind;
  subject: SearchEntityRef;
  action?: ActionRef;
  resource: SearchEntityRef;
  context?: Record<string, unknown>;
  /** The request's `page` (AuthZEN 1.0 §8.1.1); the token is opaque here. */
  page: { token?: string; limit?: number };
}

/** Largest `page.limit` a search accepts; also the page size when the request names none. */
export const MAX_SEARCH_PAGE = 1000;

/**
 * Checks an AuthZEN search request (AuthZEN 1.0 §8): the searched entity needs only `type` (an
 * `id`, or its `properties`, are ignored: the spec says a present id MUST be ignored); the other
 * entities need `type` and `id` as in an evaluation; an action search carries no `action` (one that
 * is sent is ignored). `page` is optional: `token` a string, `limit` an integer 1–1000.
 * @throws AirlockError ERR_REQUEST_INVALID naming the JSON pointer of the bad field
 */
export function parseSearchRequest(value: unknown, kind: SearchKind): SearchRequest {
  const obj = asObject(value, '/');
  const searched = (v: unknown, path: string): SearchEntityRef => ({ type: nonEmptyString(asObject(v, path)['type'], `${path}/type`) });
  const req: SearchRequest = {
    kind,
    subject: kind === 'subject' ? searched(obj['subject'], '/subject') : entity(obj['subject'], '/subject'),
    resource: kind === 'resource' ? searched(obj['resource'], '/resource') : entity(obj['resource'], '/resource'),
    page: {},
  };
  if (kind !== 'action') req.action = action(obj['action'], '/action');
  if (obj['context'] !== undefined) req.context = asObject(obj['context'], '/context');
  if (obj['page'] !== undefined) {
    const p = asObject(obj['page'], '/page');
    if (p['token'] !== undefined) {
      if (typeof p['token'] !== 'string') invalid('/page/token', 'must be a string');
      // An empty token is the spec's "no further page" marker echoed back: the first page.
      if (p['token'].length > 0) req.page.token = p['token'];
    }
    if (p['limit'] !== undefined) {
      const l = p['limit'];
      if (typeof l !== 'number' || !Number.isInteger(l) || l < 1 || l > MAX_SEARCH_PAGE) invalid('/page/limit', `must be an integer from 1 to ${MAX_SEARCH_PAGE}`);
      req.page.limit = l;
    }
  }
  return req;
}
