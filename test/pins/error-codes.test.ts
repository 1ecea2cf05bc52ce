import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decisionCodes } from '../../src/core/decision-codes.js';
import { errorCodes } from '../../src/core/errors.js';

// Codes are public contract: docs/api.md must list exactly the codes the code has, with the same
// HTTP status and exit code, in both directions.
const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

describe('error code pins', () => {
  it('docs/api.md lists every error code with its status and exit code, and no other', () => {
    const table = doc.slice(doc.indexOf('<!-- error-codes:start -->'), doc.indexOf('<!-- error-codes:end -->'));
    const rows = [...table.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d+) \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    const fromCode = Object.entries(errorCodes).map(([c, v]) => [c, v.status, v.exit]);
    expect(rows.sort()).toEqual(fromCode.sort());
  });

  it('pins the set of error codes', () => {
    // Removing or renaming a code breaks clients: change this list only on purpose.
    expect(Object.keys(errorCodes).sort()).toEqual([
      'ERR_APPROVAL_CONFLICT',
      'ERR_APPROVAL_NOT_FOUND',
      'ERR_APPROVAL_REFUSED',
      'ERR_AUDIT_CORRUPT',
      'ERR_AUDIT_UNAVAILABLE',
      'ERR_AUTH_RATE_LIMITED',
      'ERR_BODY_EMPTY',
      'ERR_BODY_TOO_LARGE',
      'ERR_BUNDLE_INVALID',
      'ERR_BUNDLE_UNREADABLE',
      'ERR_CHECKPOINT_INVALID',
      'ERR_CONFIG_INVALID',
      'ERR_CONTEXT_RESERVED',
      'ERR_DATA_DIR_LOCKED',
      'ERR_DELEGATION_REFUSED',
      'ERR_ELEVATION_DENIED',
      'ERR_ELEVATION_INACTIVE',
      'ERR_EXPORT_UNDELIVERED',
      'ERR_FORBIDDEN',
      'ERR_GRANT_INVALID',
      'ERR_GRANT_USED',
      'ERR_GROUP_UNKNOWN',
      'ERR_IDENTITY_EXISTS',
      'ERR_IDENTITY_INVALID',
      'ERR_IDENTITY_RETIRED',
      'ERR_INTERNAL',
      'ERR_JSON_DUPLICATE_KEY',
      'ERR_JSON_FORBIDDEN_KEY',
      'ERR_JSON_MALFORMED',
      'ERR_JSON_TOO_DEEP',
      'ERR_JSON_TOO_LARGE',
      'ERR_JSON_UNSAFE_INTEGER',
      'ERR_KEYS_UNAVAILABLE',
      'ERR_METHOD_NOT_ALLOWED',
      'ERR_NOT_FOUND',
      'ERR_NOT_READY',
      'ERR_OVERLOADED',
      'ERR_OWNER_UNKNOWN',
      'ERR_REQUEST_INVALID',
      'ERR_REVERSAL_UNAVAILABLE',
      'ERR_SERVER_UNREACHABLE',
      'ERR_STORE_UNAVAILABLE',
      'ERR_SUBJECT_FORBIDDEN',
      'ERR_UNAUTHENTICATED',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ]);
  });

  it('pins the set of decision codes', () => {
    expect(Object.keys(decisionCodes).sort()).toEqual([
      'analysis_error',
      'analysis_unavailable',
      'approval_already_used',
      'approval_consumed',
      'approval_expired',
      'approval_limit',
      'approval_required',
      'approval_sod_chain',
      'approval_unverifiable',
      'approval_unverified',
      'audit_unavailable',
      'chat_context_invalid',
      'chat_requires_nhi',
      'command_invalid',
      'command_missing',
      'confirmation_consumed',
      'confirmation_required',
      'default_deny',
      'delegation_actor_inactive',
      'delegation_actor_mismatch',
      'delegation_expired',
      'delegation_invalid',
      'delegation_required',
      'delegation_revoked',
      'delegation_scope',
      'evaluation_error',
      'grant_pending',
      'internal_error',
      'no_bundle',
      'out_of_scope',
      'policy_forbid',
      'policy_permit',
      'property_refused',
      'subject_inactive',
      'subject_unowned',
      'target_missing',
      'unknown_action',
      'unknown_entity_type',
      'unknown_subject',
    ]);
  });

  it('docs/api.md lists every decision code, and no other', () => {
    const section = doc.slice(doc.indexOf('### Decision codes'), doc.indexOf('## Endpoints'));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(decisionCodes).sort());
  });
});
