import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ClusterBus, ClusterEvent } from '../port.js';

/** The one channel replicas talk on. */
export const CHANNEL = 'airlock_events';

/** NOTIFY payloads are capped at 8000 bytes by the server; events are a few ids. */
const MAX_PAYLOAD = 7900;

interface Envelope {
  /** The sending process: a replica ignores its own events. */
  o: string;
  e: ClusterEvent;
}

const KNOWN = new Set<ClusterEvent['type']>(['policy.reload', 'approval.changed', 'keys.changed', 'resync']);

function parse(payload: string | undefined, self: string): ClusterEvent | undefined {
  if (!payload) return undefined;
  try {
    const env = JSON.parse(payload) as Partial<Envelope>;
    if (env.o === self || typeof env.e !== 'object' || env.e === null) return undefined;
    return KNOWN.has(env.e.type) ? env.e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Coordination through PostgreSQL LISTEN/NOTIFY (no other broker). `publish` is a `pg_notify`
 * through the pool, delivered to every listening session when it commits. Each process keeps one
 * dedicated listening connection; when it drops (database restart, failover) it reconnects with
 * backoff and delivers a `resync` event, since notifications sent meanwhile are lost.
 */
export function createPgClusterBus(pool: pg.Pool, clientConfig: pg.ClientConfig): ClusterBus {
  const self = randomUUID();
  const listeners = new Set<(e: ClusterEvent) => void>();
  let client: pg.Client | undefined;
  let starting: Promise<void> | undefined;
  let closed = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;
  let everConnected = false;

  const deliver = (e: ClusterEvent): void => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A listener's fault is its own; the others still hear the event.
      }
    }
  };

  function scheduleReconnect(): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 2000);
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client(clientConfig);
    const lost = () => {
      if (client === c) client = undefined;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', (m) => {
      if (m.channel !== CHANNEL) return;
      const e = parse(m.payload, self);
      if (e) deliver(e);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch {
      lost();
      return;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    retryMs = 100;
    if (everConnected) deliver({ type: 'resync' });
    everConnected = true;
  }

  return {
    async publish(e) {
      const payload = JSON.stringify({ o: self, e } satisfies Envelope);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`cluster event too large (${e.type})`);
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
    },
    subscribe(listener) {
      listeners.add(listener);
      starting ??= connect();
      return () => listeners.delete(listener);
    },
    ready() {
      return starting ?? Promise.resolve();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await starting?.catch(() => undefined);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners('end');
        c.removeAllListeners('error');
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
