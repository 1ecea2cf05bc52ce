import type { Caller } from '../core/types.js';
import type { Human } from '../identity/types.js';
import type { ConsoleSession } from './sessions.js';
import type { Viewer } from './views.js';

/** A signed-in request: the session, the person (read from the registry now) and how they appear on pages. */
export interface Who {
  sid: string;
  session: ConsoleSession;
  person: Human;
  /** The person with the session's roles (the registry's, narrowed by the IdP's groups when configured). */
  acting: Human;
  caller: Caller;
  viewer: Viewer;
}
