import { describe, expect, it } from 'vitest';
import { hashAction, TRANSPORT_ONLY_CONTEXT_KEYS } from './action-hash.js';
import { parseStrictJson } from './strict-json.js';
import type { AuthorizationRequest } from './types.js';

const base: AuthorizationRequest = {
  subject: { type: 'Agent', id: 'deploy-bot' },
  action: { name: 'deploy' },
  resource: { type: 'Service', id: 'payments' },
  context: { environment: 'production', args: { version: '1.2.3', replicas: 3 } },
};

describe('action hash', () => {
  it('is sha256: + 64 hex and stable across key order and whitespace', () => {
    const h = hashAction(base);
    expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = parseStrictJson(
      '{ "context": {"args": {"replicas": 3, "version": "1.2.3"}, "environment": "production"}, "resource": {"id": "payments", "type": "Service"}, "action": {"name": "deploy"}, "subject": {"id": "deploy-bot", "type": "Agent"} }',
    ) as AuthorizationRequest;
    expect(hashAction(reordered)).toBe(h);
  });

  it('changes when any value changes', () => {
    const h = hashAction(base);
    const variants: AuthorizationRequest[] = [
      { ...base, subject: { type: 'Agent', id: 'deploy-bot2' } },
      { ...base, subject: { type: 'Agent2', id: 'deploy-bot' } },
      { ...base, action: { name: 'deploy2' } },
      { ...base, action: { name: 'deploy', properties: { x: 1 } } },
      { ...base, resource: { type: 'Service', id: 'payment' } },
      { ...base, context: { environment: 'staging', args: { version: '1.2.3', replicas: 3 } } },
      { ...base, context: { environment: 'production', args: { version: '1.2.3', replicas: 4 } } },
      { ...base, context: { environment: 'production', args: { version: '1.2.3', replicas: '3' } } },
      { ...base, context: { environment: 'production', args: { version: '1.2.3', replicas: 3 }, extra: null } },
      { ...base, context: { environment: 'production ', args: { version: '1.2.3', replicas: 3 } } },
    ];
    const hashes = new Set(variants.map(hashAction));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(h)).toBe(false);
  });

  it('distinguishes NFC and NFD spellings and confusables (different bytes, different actions)', () => {
    const nfc = hashAction({ ...base, resource: { type: 'Host', id: 'caf\u00e9' } });
    const nfd = hashAction({ ...base, resource: { type: 'Host', id: 'cafe\u0301' } });
    const cyr = hashAction({ ...base, resource: { type: 'Host', id: 'p\u0430ypal.com' } });
    const lat = hashAction({ ...base, resource: { type: 'Host', id: 'paypal.com' } });
    expect(nfc).not.toBe(nfd);
    expect(cyr).not.toBe(lat);
  });

  it('leaves out only the named transport-only context keys', () => {
    expect(TRANSPORT_ONLY_CONTEXT_KEYS).toEqual(['approval', 'delegationToken', 'confirmation']);
    const h = hashAction(base);
    for (const k of TRANSPORT_ONLY_CONTEXT_KEYS) {
      expect(hashAction({ ...base, context: { ...base.context, [k]: { id: 'x' } } })).toBe(h);
    }
    expect(hashAction({ ...base, context: { ...base.context, approvalId: 'x' } })).not.toBe(h);
  });

  it('treats an absent context like an empty one', () => {
    const { context: _c, ...noContext } = base;
    expect(hashAction(noContext)).toBe(hashAction({ ...noContext, context: {} }));
  });
});
