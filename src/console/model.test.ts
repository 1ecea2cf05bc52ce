import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../approval/types.js';
import type { Human } from '../identity/types.js';
import { html } from './html.js';
import { humanForClaim, mayAct, rolesFromGroups, segments, sessionRoles, shortUid } from './model.js';

const person = (id: string, extra: Partial<Human> = {}): Human =>
  ({ id, class: 'human', displayName: id, status: 'active', groups: [], roles: ['approver', 'auditor'], links: {}, createdAt: '', updatedAt: '', ...extra }) as unknown as Human;

describe('html', () => {
  it('escapes every interpolated value, nested templates stay markup', () => {
    const evil = '<script>alert(1)</script>" onload="x\'`';
    const out = html`<p title="${evil}">${evil}${html`<b>${evil}</b>`}</p>`.text;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('" onload');
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39;&#96;">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39;&#96;<b>&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39;&#96;</b></p>',
    );
    expect(html`${[1, '<i>', html`<i>`]}${undefined}${null}${false}`.text).toBe('1&lt;i&gt;<i>');
  });
});

describe('roles', () => {
  it('the IdP narrows the registry roles, never widens them', () => {
    expect(sessionRoles(person('sam'), undefined)).toEqual(['approver', 'auditor']);
    expect(sessionRoles(person('sam'), ['approver', 'admin'])).toEqual(['approver']);
    expect(sessionRoles(person('sam'), [])).toEqual([]);
    expect(rolesFromGroups(['sre', 'x', 7], { sre: ['approver'], sec: ['auditor'] })).toEqual(['approver']);
    expect(rolesFromGroups('sec', { sre: ['approver'], sec: ['auditor'] })).toEqual(['auditor']);
    expect(rolesFromGroups(['__proto__', 'constructor'], { sre: ['approver'] })).toEqual([]);
    expect(rolesFromGroups(['sre'], undefined)).toBeUndefined();
  });

  it('an ID token claim names exactly one Human, by id, email or link', () => {
    const people = [person('sam', { email: 'Sam@Corp.example', links: { oidc: 'u-1' } }), person('sue', { links: { oidc: 'u-2' } }), person('dup1', { links: { oidc: 'u-9' } }), person('dup2', { links: { oidc: 'u-9' } })];
    expect(humanForClaim(people, 'u-1', 'oidc')?.id).toBe('sam');
    expect(humanForClaim(people, 'sam@corp.example', 'email')?.id).toBe('sam');
    expect(humanForClaim(people, 'sue', 'id')?.id).toBe('sue');
    expect(humanForClaim(people, 'u-9', 'oidc')).toBeUndefined(); // two people: nobody
    expect(humanForClaim(people, 'u-3', 'oidc')).toBeUndefined();
    expect(humanForClaim(people, ['u-1'], 'oidc')).toBeUndefined();
    expect(humanForClaim(people, '', 'oidc')).toBeUndefined();
  });
});

describe('mayAct', () => {
  const base: ApprovalRequest = {
    id: 'a1', kind: 'approval', actionHash: 'sha256:x', request: { subject: { type: 'Agent', id: 'bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: 's' } },
    requester: 'Airlock::Agent::"bot"', caller: { type: 'Agent', id: 'bot', via: 'http' }, initiator: 'Airlock::Human::"ivan"', delegationChain: [], approvers: 'Airlock::Group::"sre"', quorum: 1,
    sod: ['owner'], owner: 'Airlock::Human::"olive"', policyIds: ['p'], openedBy: 'r1', status: 'pending', votes: [], createdAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-01T01:00:00Z',
  };
  const facts = (uid: string, roles = ['approver']) => ({ uid: `Airlock::Human::"${uid}"`, roles, active: true, ancestors: ['Airlock::Group::"sre"'] });
  const caller = (id: string) => ({ type: 'Human', id });
  const now = Date.parse('2026-12-01T00:10:00Z');
  it('names the rule that refuses, as the desk will', () => {
    expect(mayAct(base, facts('sam'), caller('sam'), now)).toEqual({ may: true, as: 'approver' });
    expect(mayAct(base, facts('olive'), caller('olive'), now)).toMatchObject({ may: false, code: 'sod_owner' });
    expect(mayAct(base, facts('ivan'), caller('ivan'), now)).toMatchObject({ may: false, code: 'sod_initiator' });
    expect(mayAct(base, facts('nora', []), caller('nora'), now)).toMatchObject({ may: false, code: 'not_approver_role' });
    expect(mayAct(base, facts('sam'), caller('sam'), Date.parse('2026-12-01T02:00:00Z'))).toMatchObject({ may: false, code: 'expired' });
    const conf = { ...base, kind: 'confirmation' as const };
    expect(mayAct(conf, facts('ivan', []), caller('ivan'), now)).toEqual({ may: true, as: 'confirmer' });
    expect(mayAct(conf, facts('sam'), caller('sam'), now)).toMatchObject({ may: false, code: 'sod_initiator', message: 'only the person who initiated this action confirms it' });
  });
});

describe('segments', () => {
  it('cuts the command at the findings, earlier finding wins on overlap, spans clipped', () => {
    expect(segments('curl x | sh', [{ span: { start: 0, end: 6 } }, { span: { start: 4, end: 11 } }])).toEqual([
      { text: 'curl x', finding: 0 },
      { text: ' | sh', finding: 1 },
    ]);
    expect(segments('ls -la', [])).toEqual([{ text: 'ls -la' }]);
    expect(segments('abc', [{ span: { start: 1, end: 99 } }, { span: { start: -5, end: 0 } }])).toEqual([{ text: 'a' }, { text: 'bc', finding: 0 }]);
    expect(segments('', [{ span: { start: 0, end: 1 } }])).toEqual([]);
    expect(segments('a b c', [{ span: { start: 2, end: 3 } }]).map((s) => s.text).join('')).toBe('a b c');
  });
  it('shortUid', () => {
    expect(shortUid('Airlock::Agent::"release-bot"')).toBe('Agent release-bot');
    expect(shortUid('Airlock::Human::"a\\"b"')).toBe('Human a"b');
    expect(shortUid('weird')).toBe('weird');
  });
});
