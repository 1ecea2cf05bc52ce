// The cost of an allow that consumes an approval, next to a plain allow (in process, durable audit).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../dist/config/load.js';
import { createRuntime } from '../dist/runtime/runtime.js';
import { summarize, fmt, isQuick } from './util.mjs';

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-apr-'));
  const config = loadConfig({ dataDir: dir, policies: 'policies/example', checkpointIntervalMs: 0, logLevel: 'silent' }, {});
  const rt = await createRuntime(config);
  const sys = { type: 'system', id: 'bench', via: 'bench' };
  await rt.identities.createHuman({ id: 'owner', displayName: 'owner', groups: [], roles: [], links: {}, key: false }, sys);
  const approver = (await rt.identities.createHuman({ id: 'sam', displayName: 'sam', groups: ['sre-approvers'], roles: ['approver'], links: {}, key: false }, sys)).value.identity;
  await rt.identities.createNhi({ id: 'bench-bot', kind: 'agent', owner: 'owner', groups: ['deployers'], environments: [], purpose: 'bench', attributes: {}, key: false }, sys);
  const facts = rt.approvals.factsOf(approver);
  const n = quick ? 300 : 2000;
  const plain = [];
  const consuming = [];
  const opening = [];
  const plainReq = { subject: { type: 'Agent', id: 'bench-bot' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' } };
  for (let i = 0; i < 50; i++) await rt.gateway.authorize(plainReq);
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const d0 = await rt.gateway.authorize(plainReq);
    plain.push(performance.now() - t);
    if (d0.outcome !== 'allow') throw new Error('plain request not allowed');
    const req = { subject: { type: 'Agent', id: 'bench-bot' }, action: { name: 'deploy' }, resource: { type: 'Service', id: `svc-${i}` }, context: { environment: 'production' } };
    t = performance.now();
    const d1 = await rt.gateway.authorize(req);
    opening.push(performance.now() - t);
    const v = await rt.approvals.vote(d1.approval.id, facts, 'approve', 'bench', 'api');
    if (!v.ok) throw new Error(`vote refused: ${v.code}`);
    t = performance.now();
    const d2 = await rt.gateway.authorize(req);
    consuming.push(performance.now() - t);
    if (d2.outcome !== 'allow') throw new Error('consuming request not allowed');
  }
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
  return { name: 'approvals', n, plain: summarize(plain), opening: summarize(opening), consuming: summarize(consuming) };
}

export function print(r) {
  console.log(`6. approvals, in process, sequential, durable audit (${r.n} rounds)`);
  for (const k of ['plain', 'opening', 'consuming']) {
    const s = r[k];
    const label = { plain: 'plain allow (read-only tool)', opening: 'approval_required (opens a request)', consuming: 'allow that consumes an approval' }[k];
    console.log(`   ${label.padEnd(40)} p50 ${fmt(s.p50, 3)} ms  p99 ${fmt(s.p99, 3)} ms`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) print(await run({ quick: isQuick() }));
