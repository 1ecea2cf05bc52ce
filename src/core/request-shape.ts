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
