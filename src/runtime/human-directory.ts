import type { ApproverFacts } from '../approval/types.js';
import type { Human, Identity } from '../identity/types.js';
import { chatLinkMatches, type ChatHuman, type HumanDirectory } from '../integrations/chat/provenance.js';
import type { IdentityRepo } from '../store/port.js';

/**
 * The chat edges' view of the identity registry: a chat user is the Human whose `links[platform]`
 * names them (`U0123`, or `T0001/U0123` for one workspace only). Read on every call, so a link
 * added, removed or a Human suspended applies to the very next click.
 *
 * Two Humans linking the same chat user is a registry mistake; it resolves to nobody rather than to
 * whichever comes first (an approval must never be recorded for the wrong person).
 */
const PLATFORM_RE = /^[a-z][a-z0-9_-]{0,31}$/;

export function createHumanDirectory(registry: IdentityRepo, factsOf: (identity: Identity) => ApproverFacts): HumanDirectory {
  return {
    async byChatUser(platform, workspace, user) {
      if (!PLATFORM_RE.test(platform)) return undefined;
      const humans = (await registry.list({ class: 'human' })) as Human[];
      const matches = humans.filter((h) => Object.prototype.hasOwnProperty.call(h.links, platform) && chatLinkMatches(h.links[platform], workspace, user));
      if (matches.length !== 1) return undefined;
      const h = matches[0]!;
      const person: ChatHuman = { ...factsOf(h), id: h.id, displayName: h.displayName };
      return person;
    },
  };
}
