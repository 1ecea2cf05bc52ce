import { SIGNATURE_HEADER, signWebhook } from '../../approval/webhook-signature.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  /** Events to send; all when absent. */
  events?: readonly string[];
}

export interface WebhookEvent {
  type: string;
  id: string;
  at: string;
  data: Record<string, unknown>;
}

export interface DispatcherOptions {
  targets: readonly WebhookTarget[];
  /** Tries per delivery, first included. @defaultValue 5 */
  maxAttempts?: number;
  /** First retry delay; doubles each time. @defaultValue 500 */
  baseDelayMs?: number;
  /** Per-attempt timeout. @defaultValue 5000 */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  nowS?: () => number;
  onResult?: (r: { url: string; event: string; attempt: number; ok: boolean; status?: number; error?: string }) => void;
}

export interface WebhookDispatcher {
  /** Queues a delivery and returns at once: a webhook never blocks a decision. */
  emit(event: WebhookEvent): void;
  /** Resolves when every queued delivery finished (delivered or gave up). */
  drain(): Promise<void>;
}

/** Signed, retried (exponential backoff), fire-and-forget webhook deliveries. */
export function createWebhookDispatcher(opts: DispatcherOptions): WebhookDispatcher {
  const doFetch = opts.fetchImpl ?? fetch;
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
  const inFlight = new Set<Promise<void>>();

  async function deliver(target: WebhookTarget, event: WebhookEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const res = await doFetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(target.secret, body, nowS()), 'x-airlock-event': event.type, 'x-airlock-delivery': event.id },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        opts.onResult?.({ url: target.url, event: event.type, attempt, ok: res.ok, status: res.status });
        if (res.ok) return;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return; // the receiver refused it: retrying will not help
      } catch (e) {
        opts.onResult?.({ url: target.url, event: event.type, attempt, ok: false, error: (e as Error).message });
      }
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)).unref());
    }
  }

  return {
    emit(event) {
      for (const t of opts.targets) {
        if (t.events && !t.events.includes(event.type)) continue;
        const p = deliver(t, event).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
