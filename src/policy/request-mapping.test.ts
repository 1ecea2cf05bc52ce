import { describe, expect, it } from 'vitest';
import { AirlockError } from '../core/errors.js';
import { toPolicyRequest } from './request-mapping.js';

import type { CedarEntity, CedarUid } from './types.js';
import { uidKey } from '../core/entity-uid.js';

const g = (id: string): CedarUid => ({ type: 'Airlock::Group', id });
const table = new Map<string, CedarEntity>(
  [
    { uid: { type: 'Airlock::Agent', id: 'bot' }, attrs: { environment: 'staging' }, parents: [g('deployers')] },
    { uid: g('deployers'), attrs: {}, parents: [g('all')] },
    { uid: g('all'), attrs: {}, parents: [g('deployers')] }, // a cycle in the data
    { uid: g('unrelated'), attrs: {}, parents: [] },
    { uid: { type: 'Airlock::Tool', id: 'jira' }, attrs: { readOnly: false }, parents: [g('tools')] },
    { uid: g('tools'), attrs: {}, parents: [] },
    { uid: { type: 'Other::Thing', id: 'x' }, attrs: {}, parents: [] },
  ].map((e) => [uidKey(e.uid), e]),
);
const resolve = (u: CedarUid) => table.get(uidKey(u));

describe('toPolicyRequest', () => {
  it('namespaces types and the action; sends principal, resource and ancestors only', () => {
    const r = toPolicyRequest(
      { subject: { type: 'Agent', id: 'bot' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira' } },
      resolve,
      'Airlock',
    );
    expect(r.principal).toEqual({ type: 'Airlock::Agent', id: 'bot' });
    expect(r.action).toEqual({ type: 'Airlock::Action', id: 'tool.call' });
    expect(r.resource).toEqual({ type: 'Airlock::Tool', id: 'jira' });
    expect(r.context).toEqual({});
    expect(r.entities.map((e) => uidKey(e.uid)).sort()).toEqual(
      ['Airlock::Agent::"bot"', 'Airlock::Tool::"jira"', 'Airlock::Group::"deployers"', 'Airlock::Group::"all"', 'Airlock::Group::"tools"'].sort(),
    );
  });

  it('keeps a type that already has a namespace', () => {
    const r = toPolicyRequest(
      { subject: { type: 'Other::Thing', id: 'x' }, action: { name: 'a' }, resource: { type: 'Other::Thing', id: 'x' } },
      resolve,
      'Airlock',
    );
    expect(r.principal.type).toBe('Other::Thing');
    expect(r.entities).toHaveLength(1); // principal == resource: sent once
  });

  it("a known entity's properties are ignored; a request-only entity takes only @caller_supplied attributes, never parents", () => {
    const r = toPolicyRequest(
      {
        subject: { type: 'Agent', id: 'bot', properties: { environment: 'production', team: 'a' } },
        action: { name: 'deploy' },
        resource: { type: 'Tool', id: 'new', properties: { readOnly: true, server: 'x', parents: [{ type: 'Airlock::Group', id: 'x' }] } },
      },
      resolve,
      'Airlock',
      undefined,
      new Map([['Airlock::Tool', { callerSupplied: new Set(['server']) }]]),
    );
    expect(r.entities[0]).toEqual({ uid: { type: 'Airlock::Agent', id: 'bot' }, attrs: { environment: 'staging' }, parents: [g('deployers')] });
    expect(r.entities[1]).toEqual({ uid: { type: 'Airlock::Tool', id: 'new' }, attrs: { server: 'x' }, parents: [] });
  });

  it('maps JSON context: records, sets, entity/extension escapes, nulls dropped, decimals', () => {
    const r = toPolicyRequest(
      {
        subject: { type: 'Agent', id: 'bot' },
        action: { name: 'deploy' },
        resource: { type: 'Tool', id: 'jira' },
        context: {
          environment: 'production',
          command: { risk: 'high', programs: ['curl', 'sh'], needsRoot: false },
          owner: { __entity: { type: 'Airlock::Human', id: 'erin' } },
          ip: { __extn: { fn: 'ip', arg: '10.0.0.1' } },
          gone: null,
          list: [1, null, 2],
          ratio: 0.25,
        },
      },
      resolve,
      'Airlock',
    );
    expect(r.context).toEqual({
      environment: 'production',
      command: { risk: 'high', programs: ['curl', 'sh'], needsRoot: false },
      owner: { __entity: { type: 'Airlock::Human', id: 'erin' } },
      ip: { __extn: { fn: 'ip', arg: '10.0.0.1' } },
      list: [1, 2],
      ratio: { __extn: { fn: 'decimal', arg: '0.25' } },
    });
  });

  it.each([
    [{ subject: { type: '', id: 'x' }, action: { name: 'a' }, resource: { type: 'T', id: 'r' } }],
    [{ subject: { type: 'A', id: '' }, action: { name: 'a' }, resource: { type: 'T', id: 'r' } }],
    [{ subject: { type: 'A', id: 'x' }, action: { name: '' }, resource: { type: 'T', id: 'r' } }],
    [{ subject: { type: 'A', id: 'x' }, action: { name: 'a' }, resource: { type: 'T', id: '' } }],
    [{ subject: { type: 'A', id: 'x' }, action: { name: 'a' }, resource: { type: 'T', id: 'r' }, context: { n: 1e300 } }],
  ])('refuses %j with ERR_REQUEST_INVALID', (request) => {
    try {
      toPolicyRequest(request, resolve, 'Airlock');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AirlockError);
      expect((e as AirlockError).code).toBe('ERR_REQUEST_INVALID');
    }
  });

  it('hands action.properties to policies as context.actionProperties', () => {
    const r = toPolicyRequest({ subject: { type: 'A', id: 'x' }, action: { name: 'delete', properties: { soft: true } }, resource: { type: 'T', id: 'r' }, context: { k: 1 } }, resolve, 'Airlock');
    expect(r.context).toEqual({ k: 1, actionProperties: { soft: true } });
  });

  it('refuses a request that sets context.actionProperties next to action.properties', () => {
    expect(() =>
      toPolicyRequest({ subject: { type: 'A', id: 'x' }, action: { name: 'delete', properties: { soft: true } }, resource: { type: 'T', id: 'r' }, context: { actionProperties: { soft: false } } }, resolve, 'Airlock'),
    ).toThrow(/actionProperties/);
  });

  it('with the bundle\'s attribute use, drops unread keys before converting them (a float no policy reads is fine)', () => {
    const use = { entityAttrs: new Set(['team']), contextKeys: new Set(['environment']) };
    const r = toPolicyRequest(
      { subject: { type: 'A', id: 'x', properties: { team: 't', ratio: 0.123456 } }, action: { name: 'a' }, resource: { type: 'T', id: 'r' }, context: { environment: 'prod', args: { ratio: 0.123456 } } },
      resolve,
      'Airlock',
      use,
      new Map([['Airlock::A', { callerSupplied: new Set(['team', 'ratio']) }]]),
    );
    expect(r.context).toEqual({ environment: 'prod' });
    expect(r.entities[0]!.attrs).toEqual({ team: 't' });
    // Without the attribute use the same request is refused: the float cannot cross into Cedar.
    expect(() => toPolicyRequest({ subject: { type: 'A', id: 'x' }, action: { name: 'a' }, resource: { type: 'T', id: 'r' }, context: { args: { ratio: 0.123456 } } }, resolve, 'Airlock')).toThrow();
  });
});
