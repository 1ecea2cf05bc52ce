import { describe, expect, it } from 'vitest';
import type { Human, Identity } from '../identity/types.js';
import type { IdentityRepo } from '../store/port.js';
import { createHumanDirectory } from './human-directory.js';

const human = (id: string, links: Record<string, string>, over: Partial<Human> = {}): Human => ({
  class: 'human', id, displayName: id.toUpperCase(), groups: ['sre-approvers'], status: 'active', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', roles: ['approver'], links, ...over,
});

function directory(humans: Human[]) {
  const registry = { list: async (f: { class?: string }) => (f.class === 'human' ? humans : []) } as unknown as IdentityRepo;
  return createHumanDirectory(registry, (i: Identity) => ({ uid: `Airlock::Human::"${i.id}"`, roles: i.class === 'human' ? i.roles : [], active: i.status === 'active', ancestors: [] }));
}

describe('HumanDirectory over the registry', () => {
  it('finds the Human whose links name the chat user; a qualified link matches its workspace only', async () => {
    const dir = directory([human('sam', { slack: 'U0SAM' }), human('sue', { slack: 'T0ACME/U0SUE' })]);
    expect(await dir.byChatUser('slack', 'T0ACME', 'U0SAM')).toMatchObject({ id: 'sam', uid: 'Airlock::Human::"sam"', displayName: 'SAM', roles: ['approver'] });
    expect(await dir.byChatUser('slack', 'T0ACME', 'U0SUE')).toMatchObject({ id: 'sue' });
    expect(await dir.byChatUser('slack', 'T0OTHER', 'U0SUE')).toBeUndefined();
    expect(await dir.byChatUser('teams', 'T0ACME', 'U0SAM')).toBeUndefined();
    expect(await dir.byChatUser('slack', 'T0ACME', 'u0sam')).toBeUndefined(); // ids compare exactly
  });

  it('two Humans linking the same chat user resolve to nobody (never the wrong person)', async () => {
    const dir = directory([human('sam', { slack: 'U0SAM' }), human('mallory', { slack: 'U0SAM' })]);
    expect(await dir.byChatUser('slack', 'T0ACME', 'U0SAM')).toBeUndefined();
  });

  it('a platform name that is not a plain lower-case name, or a prototype key, finds nobody', async () => {
    const dir = directory([human('sam', { slack: 'U0SAM' })]);
    expect(await dir.byChatUser('__proto__', 'T0ACME', 'U0SAM')).toBeUndefined();
    expect(await dir.byChatUser('constructor', 'T0ACME', 'U0SAM')).toBeUndefined();
  });

  it('a suspended Human still resolves (they asked), but as inactive: the approval rules refuse their votes', async () => {
    const dir = directory([human('sam', { slack: 'U0SAM' }, { status: 'suspended' })]);
    expect(await dir.byChatUser('slack', 'T0ACME', 'U0SAM')).toMatchObject({ id: 'sam', active: false });
  });
});
