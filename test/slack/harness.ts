/**
 * One Slack world per test: the Slack Web API stand-in on loopback, a real Fastify server with the
 * Slack routes, the adapter, and the in-memory ports built from the real approval domain. Signed
 * requests are built here and posted over HTTP like Slack would.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { AuthorizationRequest } from '../../src/core/types.js';
import { digestMessage } from '../../src/integrations/chat/provenance.js';
import { createSlackAdapter, type SlackAdapter, type SlackAdapterEvent, type SlackAdapterOptions } from '../../src/integrations/slack/adapter.js';
import type { SlackApproval } from '../../src/integrations/slack/ports.js';
import { registerSlackRoutes, SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH } from '../../src/integrations/slack/routes.js';
import { human, memoryDesk, memoryEvidence, memoryHumans, memoryReversals, miniGateway, nhi, testClock, type MiniGateway, type TestClock } from '../fixtures/slack/ports.js';
import { blockActions, interactionBody, signed, slashBody } from '../fixtures/slack/sign.js';
import { startSlackStandIn, type SlackStandIn } from '../fixtures/slack/stand-in.js';

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const TOKEN = 'xoxb-test-token';
export const TEAM = 'T0ACME';
export const APPROVALS = 'C0APPROVALS';
export const OPS = 'C0OPS';
export const THREAD = '1772445000.000100';
export const ASKED = '1772445000.000200';

export const people = {
  erin: human('erin', { roles: ['approver'], groups: ['sre-approvers'], links: { slack: 'U0ERIN' } }),
  owen: human('owen', { roles: ['approver'], groups: ['sre-approvers'], links: { slack: 'U0OWEN' } }),
  alice: human('alice', { roles: ['approver'], groups: ['sre-approvers'], links: { slack: `${TEAM}/U0ALICE` } }),
  bob: human('bob', { roles: ['approver'], groups: ['sre-approvers'], links: { slack: 'U0BOB' } }),
  carl: human('carl', { roles: [], links: { slack: 'U0CARL' } }),
  dora: human('dora', { roles: ['approver'], groups: ['dba'], links: { slack: 'U0DORA' } }),
};
export const opsbot = nhi('opsbot', { kind: 'bot', owner: 'owen' });

export function chatRequest(over: Partial<AuthorizationRequest> = {}, text = '@opsbot restart postgres on prod-db-1'): AuthorizationRequest {
  return {
    subject: { type: 'Bot', id: 'opsbot' },
    action: { name: 'shell.exec' },
    resource: { type: 'Host', id: 'prod-db-1' },
    context: {
      environment: 'production',
      command: 'systemctl restart postgresql',
      chat: { platform: 'slack', workspace: TEAM, channel: OPS, thread: THREAD, user: 'U0ERIN', messageId: ASKED, messageDigest: digestMessage(text) },
    },
    ...over,
  };
}

export interface World {
  clock: TestClock;
  slack: SlackStandIn;
  adapter: SlackAdapter;
  gw: MiniGateway;
  app: FastifyInstance;
  url: string;
  events: SlackAdapterEvent[];
  errors: { op: string; error: unknown }[];
  evidence: ReturnType<typeof memoryEvidence>;
  originals: Map<string, { request: AuthorizationRequest; subject: typeof opsbot }>;
  /** Opens an approval the way the gateway does (chat step, settle, approval.created). */
  ask(request?: AuthorizationRequest, requirement?: Parameters<MiniGateway['ask']>[2]): Promise<SlackApproval>;
  click(user: string, action: 'airlock.approve' | 'airlock.deny' | 'airlock.reverse', value: string, opts?: { messageTs?: string; channel?: string; threadTs?: string; team?: string }): Promise<{ status: number; body: string; request: { body: string; headers: Record<string, string> } }>;
  post(path: string, req: { body: string; headers: Record<string, string> }): Promise<{ status: number; body: string; json: () => unknown }>;
  slash(user: string, text: string, team?: string): Promise<{ status: number; body: string; json: () => unknown }>;
  nowS(): number;
  close(): Promise<void>;
}

export async function startWorld(over: Partial<SlackAdapterOptions> & { notify?: string[] } = {}): Promise<World> {
  const clock = testClock();
  const slack = await startSlackStandIn({ token: TOKEN });
  const humans = memoryHumans(Object.values(people));
  const events: SlackAdapterEvent[] = [];
  const errors: { op: string; error: unknown }[] = [];
  const evidence = memoryEvidence();
  const originals = new Map<string, { request: AuthorizationRequest; subject: typeof opsbot }>();
  // eslint-disable-next-line prefer-const
  let adapter: SlackAdapter;
  const gw = miniGateway({ humans, clock, onCreated: (a) => adapter.onApprovalCreated(a), ...(over.notify ? { notify: over.notify } : {}) });
  // The desk plays the approval.decided event back into the adapter, as the runtime will.
  const desk = memoryDesk(gw.repo, clock, (a) => adapter.onApprovalDecided(a));
  adapter = createSlackAdapter({
    signingSecret: SECRET,
    botToken: TOKEN,
    approvalsChannel: APPROVALS,
    apiUrl: slack.apiUrl,
    teamId: TEAM,
    workspaceUrl: 'https://acme.slack.com',
    desk,
    humans,
    evidence,
    reversals: memoryReversals(gw, originals),
    clock,
    retries: 0,
    onEvent: (e) => events.push(e),
    onError: (op, error) => errors.push({ op, error }),
    ...over,
  });
  const app = Fastify();
  // Stand-in for the gateway's API-key hook: every route needs a key unless it is `access: 'open'`.
  app.addHook('onRequest', async (req, reply) => {
    if ((req.routeOptions.config as { access?: string } | undefined)?.access !== 'open') return reply.code(401).send({ code: 'ERR_UNAUTHENTICATED' });
    return undefined;
  });
  await registerSlackRoutes(app, adapter);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const nowS = () => Math.floor(clock.now() / 1000);
  const post: World['post'] = async (path, req) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: req.headers, body: req.body });
    const body = await res.text();
    return { status: res.status, body, json: () => JSON.parse(body) as unknown };
  };
  return {
    clock,
    slack,
    adapter,
    gw,
    app,
    url,
    events,
    errors,
    evidence,
    originals,
    async ask(request = chatRequest(), requirement = { approvers: 'Airlock::Group::"sre-approvers"' }) {
      const r = await gw.ask(request, opsbot, requirement);
      if (!r.ok || !r.approval) throw new Error(`no approval opened: ${JSON.stringify(r)}`);
      return r.approval;
    },
    async click(user, action, value, opts = {}) {
      const msg = opts.messageTs ?? (await slackMessageTs(slack, value));
      const payload = blockActions({ team: opts.team ?? TEAM, user, actionId: action, value, channel: opts.channel ?? APPROVALS, messageTs: msg, ...(opts.threadTs ? { threadTs: opts.threadTs } : {}) });
      const request = signed(SECRET, interactionBody(payload), nowS());
      const res = await post(SLACK_INTERACTIONS_PATH, request);
      await adapter.drain();
      return { status: res.status, body: res.body, request };
    },
    post,
    async slash(user, text, team = TEAM) {
      const res = await post(SLACK_COMMANDS_PATH, signed(SECRET, slashBody({ team, user, channel: OPS, text }), nowS()));
      await adapter.drain();
      return res;
    },
    nowS,
    async close() {
      await adapter.drain();
      await app.close();
      await slack.close();
    },
  };
}

/** The ts of the approvals-channel message posted for an approval id. */
async function slackMessageTs(slack: SlackStandIn, approvalId: string): Promise<string> {
  const call = slack.calls.find((c) => c.method === 'chat.postMessage' && c.args['channel'] === APPROVALS && buttonsOf(c).some((b) => b.value === approvalId));
  return typeof call?.result?.['ts'] === 'string' ? call.result['ts'] : '1700000000.999999';
}

/** Every block of type `actions` in a recorded call, and the buttons in them. */
export function buttonsOf(call: { args: Record<string, unknown> } | undefined): { action_id: string; value: string }[] {
  const blocks = (call?.args['blocks'] as { type: string; elements?: { type: string; action_id: string; value: string }[] }[] | undefined) ?? [];
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.elements ?? []).filter((e) => e.type === 'button'));
}

export const blocksText = (call: { args: Record<string, unknown> } | undefined): string => JSON.stringify(call?.args['blocks'] ?? []);
