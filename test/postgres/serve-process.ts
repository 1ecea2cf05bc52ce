/**
 * `airlock serve` as its own process for the multi-replica tests (needs `npm run build`), and the
 * small HTTP and polling helpers those tests share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('dist/cli/main.js');

export interface ServeProcess {
  proc: ChildProcess;
  url: string;
}

/** Starts `serve --port 0 …args` and resolves once it prints where it listens. */
export function serve(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  let err = '';
  return new Promise((ok, fail) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) ok({ proc, url: m[1]! });
    });
    proc.on('exit', (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** A replica on the example bundle with its own data dir. */
export const serveExample = (dataDir: string, env: Record<string, string>): Promise<ServeProcess> =>
  serve(['--log-level', 'warn', '--data-dir', dataDir, '--policies', 'policies/example'], env);

/** POSTs JSON with a bearer key; the answer's status and parsed body. */
export async function postAs(url: string, key: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

/** Polls `probe` (errors count as "not yet") until it gives a value; bounded, never a fixed sleep. */
export async function until<T>(probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The example bundle's two-approver payment world, created through `url` as the admin: owner
 * olive, approvers fay and fred (finance-approvers), agent pay-bot (payment-agents). Answers their
 * API keys and the payment request pay-bot asks for.
 */
export async function seedPayments(url: string, admin: string): Promise<{ fay: string; fred: string; payBot: string; pay: (amount: number) => Record<string, unknown> }> {
  const created = async (path: string, body: object): Promise<string> => {
    const r = await postAs(url, admin, path, body);
    if (r.status !== 201) throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.key?.key as string;
  };
  await created('/v1/humans', { id: 'olive', displayName: 'Olive', groups: [], roles: [] });
  const fay = await created('/v1/humans', { id: 'fay', displayName: 'Fay', groups: ['finance-approvers'], roles: ['approver'] });
  const fred = await created('/v1/humans', { id: 'fred', displayName: 'Fred', groups: ['finance-approvers'], roles: ['approver'] });
  const payBot = await created('/v1/identities', { id: 'pay-bot', kind: 'agent', owner: 'olive', groups: ['payment-agents'], purpose: 'pays suppliers' });
  const pay = (amount: number) => ({ subject: { type: 'Agent', id: 'pay-bot' }, action: { name: 'payment.submit' }, resource: { type: 'Payee', id: 'acme-supplies' }, context: { amount } });
  return { fay, fred, payBot, pay };
}

