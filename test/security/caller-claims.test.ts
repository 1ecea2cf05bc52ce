/**
 * What a caller may claim (DESIGN §2, §6 "A caller's claim never makes a condition true";
 * threats.md §3.13 "caller claims" and §3.1–3.2 request input), against the served gateway over
 * HTTP with the example bundle and a small fixture bundle that declares caller-supplied
 * attributes, id-derived attributes and entity tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type StartedGateway } from '../helpers/server.js';

const SYSTEM = { type: 'system', id: 'test', via: 'test' };
const EXAMPLE = 'policies/example';
const FIXTURE = 'test/fixtures/bundles/caller-claims';

let ex: StartedGateway;
let fx: StartedGateway;
/** Key of `ops-bot`: a registered chat ops bot (kind bot, in chatops-bots). */
let botKey = '';
/** Key of `app-pep`: an enforcement point the registry trusts to assert initiators, listing ops-bot. */
let trustedPepKey = '';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const evaluate = (gw: StartedGateway, body: unknown, headers: Record<string, string> = gw.headers) => postJson(`${gw.url}/access/v1/evaluation`, body, headers);
const codes = (r: { json: any }) => (r.json?.context?.reasons ?? []).map((x: { code: string }) => x.code);

beforeAll(async () => {
  ex = await startGateway({
    policies: EXAMPLE,
    pep: {
      subjects: [
        { type: 'Agent', id: 'support-agent' },
        { type: 'Agent', id: 'deploy-bot' },
        { type: 'ServiceAccount', id: 'ci-runner' },
        { type: 'Agent', id: 'reg-agent' },
        { type: 'Bot', id: 'ops-bot' },
      ],
    },
  });
  const ids = ex.runtime.identities;
  const bot = await ids.createNhi({ id: 'ops-bot', kind: 'bot', owner: 'admin', groups: ['chatops-bots'], environments: [], purpose: 'chat ops', attributes: {}, key: true } as never, SYSTEM);
  botKey = bot.value.key!.key;
  await ids.createNhi({ id: 'reg-agent', kind: 'agent', owner: 'admin', groups: ['operators'], environments: ['production'], purpose: 'registry facts', attributes: {}, key: false } as never, SYSTEM);
  const app = await ids.createNhi(
    { id: 'app-pep', kind: 'workload', owner: 'admin', groups: [], environments: [], purpose: 'an app that authenticates its users', attributes: {}, pep: { subjects: [{ type: 'Bot', id: 'ops-bot' }], groups: [], assertsInitiator: true }, key: true } as never,
    SYSTEM,
  );
  trustedPepKey = app.value.key!.key;
  fx = await startGateway({ policies: FIXTURE, pep: { subjects: [{ type: 'Agent', id: 'helper' }] } });
}, 60_000);

afterAll(async () => {
  await ex?.close();
  await fx?.close();
});

describe('a claim about a known entity never makes a condition true (threats.md §3.13 caller properties)', () => {
  it('readOnly on a tool the bundle knows (k8s.delete_namespace, readOnly undefined) adds nothing: no allow', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'k8s.delete_namespace', properties: { readOnly: true } } });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(false);
    expect(codes(r)).toEqual(['default_deny']);
  });

  it('readOnly on a tool the bundle marks readOnly=false changes nothing', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'github.merge', properties: { readOnly: true } } });
    expect(r.json.decision).toBe(false);
  });

  it('an attribute claimed for a registry identity never reaches policy (its environment cannot be relabelled)', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'reg-agent', properties: { environment: 'staging' } }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'build-1' }, context: { environment: 'production', command: 'ls' } });
    expect(r.status).toBe(200);
    // reg-agent is an operator: production shell needs a confirmation, whatever the subject's claimed environment.
    expect(r.json.context.outcome).toBe('confirmation_required');
  });

  it('a static secret cannot be relabelled staging', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'secret.read' }, resource: { type: 'Secret', id: 'prod-db-password', properties: { environment: 'staging' } } });
    expect(r.json.decision).toBe(false);
  });
});

describe("attributes that follow from the id come from the id (a File's path)", () => {
  it('path /workspace/ok on File::"/etc/cron.d/evil" is refused, never a workspace write', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'file.write' }, resource: { type: 'File', id: '/etc/cron.d/evil', properties: { path: '/workspace/ok' } } });
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(false);
    expect(codes(r)).toEqual(['property_refused']);
  });

  it('without properties the id is the path: no-writes-under-etc forbids', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'file.write' }, resource: { type: 'File', id: '/etc/cron.d/evil' } });
    expect(r.json.decision).toBe(false);
    expect(r.json.context.reasons.map((x: { policyId?: string }) => x.policyId)).toContain('no-writes-under-etc');
  });

  it('a traversal id with a clean claimed path is refused (no-path-traversal is not bypassed)', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'file.read' }, resource: { type: 'File', id: '/workspace/../etc/shadow', properties: { path: '/workspace/notes.md' } } });
    expect(r.json.decision).toBe(false);
    expect(codes(r)).toEqual(['property_refused']);
    const plain = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'file.read' }, resource: { type: 'File', id: '/workspace/../etc/shadow' } });
    expect(plain.json.context.reasons.map((x: { policyId?: string }) => x.policyId)).toContain('no-path-traversal');
  });

  it('repeating the id as the path is fine (what the hooks send)', async () => {
    const r = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'file.read' }, resource: { type: 'File', id: '/workspace/notes.md', properties: { path: '/workspace/notes.md' } } });
    expect(r.json.decision).toBe(true);
  });
});

describe('request-only entities take only the attributes the bundle declares @caller_supplied', () => {
  const helper = { type: 'Agent', id: 'helper' };
  const close = { name: 'ticket.close' };

  it('a declared attribute is used', async () => {
    const r = await evaluate(fx, { subject: helper, action: close, resource: { type: 'Ticket', id: 'T-9', properties: { priority: 4 } } });
    expect(r.json.decision).toBe(true);
  });

  it('an undeclared attribute is refused with property_refused', async () => {
    const r = await evaluate(fx, { subject: helper, action: close, resource: { type: 'Ticket', id: 'T-9', properties: { trusted: true } } });
    expect(r.json.decision).toBe(false);
    expect(codes(r)).toEqual(['property_refused']);
  });

  it('a declared attribute on a known entity is ignored (T-1 keeps its own priority)', async () => {
    const r = await evaluate(fx, { subject: helper, action: close, resource: { type: 'Ticket', id: 'T-1', properties: { priority: 0, trusted: true } } });
    expect(r.json.decision).toBe(true);
    expect(r.json.context.reasons.map((x: { policyId?: string }) => x.policyId)).toEqual(['low-priority-tickets']);
  });

  it('an @from_id attribute is the id for request-only entities', async () => {
    expect((await evaluate(fx, { subject: helper, action: { name: 'doc.read' }, resource: { type: 'Doc', id: '/public/new' } })).json.decision).toBe(true);
    const r = await evaluate(fx, { subject: helper, action: { name: 'doc.read' }, resource: { type: 'Doc', id: '/etc/passwd', properties: { path: '/public/x' } } });
    expect(codes(r)).toEqual(['property_refused']);
  });
});

describe('Cedar entity tags reach Cedar (threats.md §3.13 Cedar features the loader must carry)', () => {
  it('a forbid on resource.hasTag("env") denies a tagged ticket; the same ticket tagged staging is allowed', async () => {
    const prod = await evaluate(fx, { subject: { type: 'Agent', id: 'helper' }, action: { name: 'ticket.close' }, resource: { type: 'Ticket', id: 'T-PROD' } });
    expect(prod.json.decision).toBe(false);
    expect(prod.json.context.reasons.map((x: { policyId?: string }) => x.policyId)).toEqual(['never-production-tickets']);
    const stage = await evaluate(fx, { subject: { type: 'Agent', id: 'helper' }, action: { name: 'ticket.close' }, resource: { type: 'Ticket', id: 'T-STAGE' } });
    expect(stage.json.decision).toBe(true);
  });
});

describe('context keys only the gateway sets are refused with ERR_CONTEXT_RESERVED (threats.md §3.13 reserved context keys)', () => {
  const base = { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' } };
  const cases: [string, Record<string, unknown>, Record<string, unknown>?][] = [
    ['delegation', { delegation: { depth: 1, root: 'Airlock::Human::"erin"' } }],
    ['reverses', { reverses: '0192f5a0-0000-7000-8000-000000000000' }],
    ['actionProperties', { actionProperties: { soft: true } }],
    ['initiator (from a caller the registry does not trust to assert it)', { initiator: { type: 'Human', id: 'erin' } }],
    ['command analysis (risk, programs)', { command: { risk: 'none', verdict: 'allow', programs: ['ls'] } }, { action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'build-1' } }],
    ['command analysis beside the text', { command: { text: 'curl x | sh', risk: 'none' } }, { action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'build-1' } }],
    ['approval state', { approval: { id: '0192f5a0-0000-7000-8000-000000000000', status: 'approved', votes: 2 } }],
    ['delegate link facts (depth, scope)', { depth: 1, scope: 'payment.submit:*' }, { subject: { type: 'Agent', id: 'deploy-bot' }, action: { name: 'delegate' }, resource: { type: 'Agent', id: 'support-agent' } }],
  ];
  for (const [name, context, over] of cases) {
    it(`context ${name}`, async () => {
      const r = await evaluate(ex, { ...base, ...over, context });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('ERR_CONTEXT_RESERVED');
    });
  }

  it('the access-request reference is not approval state: {id, approved_until, state} passes the check and is looked up', async () => {
    const r = await evaluate(ex, { ...base, context: { approval: { id: 'nope', approved_until: '2030-01-01T00:00:00Z', state: 'x' } } });
    expect(r.status).toBe(200);
  });

  it('in a batch, the item carrying a reserved key gets the error and the others are decided', async () => {
    const r = await postJson(`${ex.url}/access/v1/evaluations`, { ...base, evaluations: [{}, { context: { reverses: 'x' } }], options: { include_context: true } }, ex.headers);
    expect(r.status).toBe(200);
    expect(r.json.evaluations[0].decision).toBe(true);
    expect(r.json.evaluations[1]).toMatchObject({ decision: false, context: { error: { code: 'ERR_CONTEXT_RESERVED' } } });
  });
});

describe('a bot never names its own initiator (threats.md §3.13 a bot’s own context.initiator)', () => {
  const asked = { subject: { type: 'Bot', id: 'ops-bot' }, action: { name: 'file.read' }, resource: { type: 'File', id: '/workspace/report.txt' } };

  it('a chat bot without context.chat naming an initiator is refused, so chatops-needs-known-initiator cannot be satisfied by its word', async () => {
    const r = await evaluate(ex, { ...asked, context: { initiator: { type: 'Human', id: 'ivy' } } }, bearer(botKey));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_CONTEXT_RESERVED');
    const none = await evaluate(ex, asked, bearer(botKey));
    expect(none.json.decision).toBe(false);
    expect(none.json.context.reasons.map((x: { policyId?: string }) => x.policyId)).toContain('chatops-needs-known-initiator');
  });

  it('a pep the registry trusts to assert initiators may, for a subject it relays', async () => {
    const r = await evaluate(ex, { ...asked, context: { initiator: { type: 'Human', id: 'erin' } } }, bearer(trustedPepKey));
    expect(r.status).toBe(200);
    expect(r.json.decision).toBe(true);
  });

  it('a pep without the flag may not (ERR_CONTEXT_RESERVED)', async () => {
    const r = await evaluate(ex, { ...asked, context: { initiator: { type: 'Human', id: 'erin' } } });
    expect(r.json.error.code).toBe('ERR_CONTEXT_RESERVED');
  });
});

describe('request input (threats.md I1/I2, §3.2 big-int rounding)', () => {
  it('a number with more than 17 significant digits is refused like an unsafe integer', async () => {
    const body = '{"subject":{"type":"Agent","id":"support-agent"},"action":{"name":"tool.call"},"resource":{"type":"Tool","id":"jira.search"},"context":{"amount":1.00000000000000000001}}';
    const r = await evaluate(ex, body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_JSON_UNSAFE_INTEGER');
    const lossy = await evaluate(ex, body.replace('1.00000000000000000001', '0.10000000000000001'));
    expect(lossy.json.error.code).toBe('ERR_JSON_UNSAFE_INTEGER');
  });

  it('an empty or whitespace-only context.command is command_missing, whatever the action and caller (threats.md §3.13)', async () => {
    for (const command of ['', '   ', '\t\n']) {
      const r = await evaluate(ex, { subject: { type: 'ServiceAccount', id: 'ci-runner' }, action: { name: 'shell.exec' }, resource: { type: 'Host', id: 'build-1' }, context: { command, environment: 'staging' } });
      expect(r.json.decision, JSON.stringify(command)).toBe(false);
      expect(codes(r)).toEqual(['command_missing']);
    }
    const tool = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tool', id: 'jira.search' }, context: { command: { text: ' ' } } });
    expect(codes(tool)).toEqual(['command_missing']);
  });

  it('an action or entity type the schema does not know is named: unknown_action, unknown_entity_type', async () => {
    const a = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.cal' }, resource: { type: 'Tool', id: 'jira.search' } });
    expect(codes(a)).toEqual(['unknown_action']);
    const t = await evaluate(ex, { subject: { type: 'Agent', id: 'support-agent' }, action: { name: 'tool.call' }, resource: { type: 'Tol', id: 'jira.search' } });
    expect(codes(t)).toEqual(['unknown_entity_type']);
  });
});
