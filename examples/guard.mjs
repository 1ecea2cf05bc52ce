#!/usr/bin/env node
/**
 * guard(): a tool function that cannot run without Airlock's allow.
 *
 *   npm run build && node examples/guard.mjs
 *
 * Runs the embedded gateway (same pipeline as `airlock serve`, audited to a temp data dir) on the
 * example policy bundle. Against a running gateway, use instead:
 *   import { Airlock } from 'airlock';
 *   const airlock = Airlock.connect({ url: 'http://127.0.0.1:8787', key: process.env.AIRLOCK_KEY });
 * Self-checking: exits 1 if any outcome is not the expected one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Airlock, AirlockApprovalRequired, AirlockDenied } from 'airlock/embedded';

const dataDir = mkdtempSync(join(tmpdir(), 'airlock-example-'));
const airlock = await Airlock.embedded({ dataDir, policies: new URL('../policies/example', import.meta.url).pathname });

// Any function: here, a pretend ticket search and a pretend deploy.
async function searchTickets(query) {
  return [`TICKET-1: ${query}`];
}
async function deploy(service, environment) {
  return `deployed ${service} to ${environment}`;
}

// describe(args) → the AuthorizationRequest for this call.
const guardedSearch = airlock.guard(searchTickets, (query) => ({
  subject: { type: 'Agent', id: 'support-agent' },
  action: { name: 'tool.call' },
  resource: { type: 'Tool', id: 'jira.search' },
  context: { query },
}));
const guardedDeploy = (agent) =>
  airlock.guard(deploy, (service, environment) => ({
    subject: { type: 'Agent', id: agent },
    action: { name: 'deploy' },
    resource: { type: 'Service', id: service },
    context: { environment },
  }));

let failures = 0;
const check = (label, ok) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
  if (!ok) failures++;
};

try {
  check('allow: the search runs', (await guardedSearch('login bug'))[0] === 'TICKET-1: login bug');
  check('allow: staging deploy by deploy-bot runs', (await guardedDeploy('deploy-bot')('checkout', 'staging')) === 'deployed checkout to staging');
  try {
    await guardedDeploy('support-agent')('checkout', 'staging');
    check('deny: support-agent may not deploy', false);
  } catch (e) {
    check(`deny: ${e.message}`, e instanceof AirlockDenied && e.code === 'ERR_DENIED');
  }
  try {
    await guardedDeploy('deploy-bot')('checkout', 'production');
    check('approval: production deploy needs approval', false);
  } catch (e) {
    // With a gateway that has the approvals API, e.approvalId names the approval to grant.
    check(`approval required: ${e.message}`, e instanceof AirlockApprovalRequired && e.code === 'ERR_APPROVAL_REQUIRED');
  }
} finally {
  await airlock.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
