/**
 * A `fetch` for short-lived CLI processes (the hook runs once per tool call): node:http/https
 * answer in a few ms, where the first global `fetch` call costs hundreds of ms to load undici
 * (issue 14: a hook within 3× of `node -e 0`). Only what the SDK's HTTP client uses: method,
 * headers, a string body, an AbortSignal; the answer's `ok`, `status` and `text()`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

interface LightResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}

export function lightFetch(input: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<LightResponse> {
  const url = new URL(String(input));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers: { ...(init.headers ?? {}), connection: 'close' }, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: status >= 200 && status < 300, status, text: async () => body });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The same function typed as the global `fetch`, for clients that take one. */
export const lightFetchAsFetch = lightFetch as unknown as typeof fetch;
