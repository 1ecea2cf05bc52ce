import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What the console remembers about one browser. Never an API key: a key id at most. */
export interface ConsoleSession {
  /** The CSRF token every state-changing request must carry (form field `_csrf` or header `x-csrf-token`). */
  csrf: string;
  createdAt: number;
  lastSeen: number;
  /** Signed in: the registry Human's id. Unset: a pre-sign-in session (login form, OIDC round trip). */
  humanId?: string;
  method?: 'key' | 'oidc';
  /** Signed in with an API key: that key's id, re-checked on every request (revoking the key ends the session). */
  keyId?: string;
  /** Roles the IdP's groups grant (only when `groupRoles` is configured); the registry's roles are narrowed to these. */
  idpRoles?: string[];
  /** OIDC round trip in progress. */
  oidc?: { state: string; nonce: string; verifier: string };
}

export interface SessionStore {
  /** A new session; returns its id (the cookie value). */
  create(init?: Partial<ConsoleSession>): { id: string; session: ConsoleSession };
  /** The live session of a cookie value; an idle one is removed and not returned. Touches `lastSeen`. */
  get(id: string | undefined): ConsoleSession | undefined;
  /** Ends the session `id` and starts a new one with `init` (new id, new CSRF token): sign-in never keeps a pre-sign-in id. */
  rotate(id: string | undefined, init: Partial<ConsoleSession>): { id: string; session: ConsoleSession };
  destroy(id: string | undefined): void;
  /** Ends every session of a person (suspended, retired). */
  destroyFor(humanId: string): void;
  size(): number;
}

const ID_RE = /^[A-Za-z0-9_-]{43}$/;

/** Session ids are 256 random bits; the store keys them by SHA-256, so a dump of it holds no usable id. */
const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

export const newToken = (): string => randomBytes(32).toString('base64url');

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/**
 * Sessions in this process's memory (docs/console.md says why: a restart signs people out, which
 * is the safe direction; behind several replicas the proxy keeps a browser on one replica).
 * `now` is the gateway's clock; a session unused for `idleMs` is gone; at most `max` live at once
 * (the oldest pre-sign-in sessions go first).
 */
export function createSessionStore(opts: { idleMs: number; now: () => number; max?: number }): SessionStore {
  const map = new Map<string, ConsoleSession>();
  const max = opts.max ?? 10_000;

  function sweep(): void {
    const now = opts.now();
    for (const [k, s] of map) if (now - s.lastSeen >= opts.idleMs) map.delete(k);
    if (map.size < max) return;
    for (const [k, s] of map) {
      if (map.size < max) break;
      if (s.humanId === undefined) map.delete(k);
    }
    for (const [k] of map) {
      if (map.size < max) break;
      map.delete(k);
    }
  }

  function create(init: Partial<ConsoleSession> = {}) {
    sweep();
    const id = newToken();
    const now = opts.now();
    const session: ConsoleSession = { ...init, csrf: newToken(), createdAt: now, lastSeen: now };
    map.set(digest(id), session);
    return { id, session };
  }

  return {
    create,
    get(id) {
      if (id === undefined || !ID_RE.test(id)) return undefined;
      const k = digest(id);
      const s = map.get(k);
      if (!s) return undefined;
      const now = opts.now();
      if (now - s.lastSeen >= opts.idleMs) {
        map.delete(k);
        return undefined;
      }
      s.lastSeen = now;
      return s;
    },
    rotate(id, init) {
      if (id !== undefined && ID_RE.test(id)) map.delete(digest(id));
      return create(init);
    },
    destroy(id) {
      if (id !== undefined && ID_RE.test(id)) map.delete(digest(id));
    },
    destroyFor(humanId) {
      for (const [k, s] of map) if (s.humanId === humanId) map.delete(k);
    },
    size: () => map.size,
  };
}
