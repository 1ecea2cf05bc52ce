import type { ApprovalRepo } from '../approval/repo.js';
import type { ApprovalRequest } from '../approval/types.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Analyzer, CommandAnalysis } from '../commands/types.js';
import { hashAction } from '../core/action-hash.js';
import type { Clock } from '../core/clock.js';
import { decisionCodes } from '../core/decision-codes.js';
import { AirlockError, isAirlockError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { inSpan, noopTracer, type TraceSpan, type Tracer } from '../core/tracing.js';
import type { AuthorizationRequest, AuthorizeOptions, Authorizer, Caller, Decision, EntityRef, Outcome, Reason } from '../core/types.js';
import type { SearchRequest } from '../core/request-shape.js';
import { searchCandidates, type SearchResult } from './search.js';
import { signGrant, type GrantClaims } from '../grants/grant.js';
import type { KeyRing } from '../grants/keyring.js';
import type { CedarEntity } from '../policy/types.js';
import type { IdentityRepo } from '../store/port.js';
import type { ElevationRepo } from '../elevation/repo.js';
import { type EntitySource } from './entities.js';
import type { PolicyHolder } from './policy-holder.js';
import { redactRequest } from './redact-request.js';
import { analyzeCommandStep } from './steps/analyze-command.js';
import { withGatewayContext } from './steps/caller-claims.js';
import { chatBindingStep, type ChatStepDeps } from './steps/chat-binding.js';
import { evaluatePolicy } from './steps/evaluate-policy.js';
import { resolveSubject } from './steps/resolve-subject.js';
import { settleRequirements, type SettleInput, type Settled } from './steps/settle-requirements.js';
import { verifyDelegationStep, withoutDelegationToken, type DelegationStepDeps } from './steps/verify-delegation.js';
import { pathIdentities } from '../delegation/verify-chain.js';
import { qualifyType } from '../core/entity-uid.js';
import { uidKey } from '../core/entity-uid.js';

export interface GatewayObserver {
  onDecision?(outcome: Outcome, ms: number, reasons: Reason[], decision: Decision): void;
  /** The records contradict each other (e.g. an approved request whose votes the chain lacks). */
  onIntegrityAlarm?(alarm: IntegrityAlarm): void;
}

export interface IntegrityAlarm {
  kind: 'approval_unverified';
  requestId: string;
  approvalId: string;
  problem: string;
}

/** Something happened that outside parties (webhooks, long-poll waiters, chat) may want to know. */
export interface GatewayEvents {
  approvalOpened?(a: ApprovalRequest): void;
}

export interface GatewayDeps {
  policies: PolicyHolder;
  audit: AuditWriter;
  clock: Clock;
  entities?: EntitySource;
  /** The identity registry (DESIGN §2 step 2). Without it, subjects are not checked (unit tests only). */
  registry?: IdentityRepo;
  /** The command analyzer (DESIGN §2 step 4). Without it, a request carrying a command is denied. */
  analyzer?: Analyzer;
  /** Approvals and confirmations (DESIGN §2 step 6). Without them, approval_required stays as is. */
  approvals?: { repo: ApprovalRepo; approvalTtlMs: number; confirmationTtlMs: number; maxPendingPerRequester?: number };
  /** Execution grants on allow (DESIGN §2 step 8). */
  grants?: { keys: KeyRing; ttlMs: number; issuer: string };
  /** Delegated execution paths (DESIGN §2 step 3). Without it, a request carrying a delegation token is denied. */
  delegation?: DelegationStepDeps;
  /**
   * Just-in-time elevations (docs/elevation.md): a registry subject's active elevations are added
   * to its groups for this decision, read from the store every time (no cache outlives an expiry
   * or a revocation).
   */
  elevations?: Pick<ElevationRepo, 'active'>;
  /** Chat provenance and the binding rule (DESIGN §1). Without it, a request carrying `context.chat` is denied. */
  chat?: ChatStepDeps;
  events?: GatewayEvents;
  observer?: GatewayObserver;
  /** Where the cause of an internal fault goes (the server log); the caller gets only a code. */
  onInternalError?(err: unknown, context: { requestId: string; stage: 'decide' | 'audit' }): void;
  /** Spans per decision and per step (docs/observability.md). Default: the no-op tracer. */
  tracer?: Tracer;
}

export interface SearchOptions {
  caller?: Caller;
  requestId?: string;
  /**
   * The authorize options for a candidate's subject, or undefined when the caller may not ask about
   * it (the HTTP edge's who-may-ask rule; the candidate is then left out).
   */
  optionsFor(subject: EntityRef, req: AuthorizationRequest): Promise<AuthorizeOptions | undefined>;
}

export interface SearchAnswer {
  results: SearchResult[];
  /** Key of the last result when a further page exists. */
  next?: string;
  requestId: string;
  policyVersion: string;
  auditSeq?: number;
}

export interface Gateway extends Authorizer {
  readonly policies: PolicyHolder;
  /**
   * AuthZEN search (gateway/search.ts): each candidate decided by the same pipeline as authorize()
   * (nothing opened, consumed or signed), the search recorded as one audit record (`search`) before
   * the answer leaves. An audit failure answers ERR_AUDIT_UNAVAILABLE, never unrecorded results.
   * @throws AirlockError ERR_AUDIT_UNAVAILABLE
   */
  search(query: SearchRequest, page: { after?: string; limit: number }, options: SearchOptions): Promise<SearchAnswer>;
}

/** Search candidates and other untraced evaluations. */
const NOOP_SPAN: TraceSpan = noopTracer.start('none');

const EMBEDDED_CALLER: Caller = { type: 'process', id: 'embedded', via: 'embedded' };

function reason(code: keyof typeof decisionCodes, message?: string, policyId?: string): Reason {
  const r: Reason = { code, message: message ?? decisionCodes[code] };
  if (policyId !== undefined) r.policyId = policyId;
  return r;
}

/** uid text of an entity reference attribute (`{__entity: {type, id}}`), if it is one. */
function refText(v: unknown): string | undefined {
  const e = (v as { __entity?: { type?: unknown; id?: unknown } } | undefined)?.__entity;
  return e && typeof e.type === 'string' && typeof e.id === 'string' ? uidKey({ type: e.type, id: e.id }) : undefined;
}

/** The Human named by `context.initiator` (`{type, id}` or an id string), as uid text. */
function initiatorOf(req: AuthorizationRequest, ns: string): string | undefined {
  const v = req.context?.['initiator'];
  if (typeof v === 'string' && v.length > 0) return uidKey({ type: `${ns}::Human`, id: v });
  if (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string') {
    const t = (v as { type?: unknown }).type;
    return uidKey({ type: qualifyType(typeof t === 'string' ? t : 'Human', ns), id: (v as { id: string }).id });
  }
  return undefined;
}

/** `@notify` channels of the policies behind the requirements (e.g. `slack`), for the chat edges. */
function notifyOf(bundle: { policies: ReadonlyMap<string, { notify?: string[] }> }, requirements: readonly { policyId: string }[]): { notify?: string[] } {
  const channels = [...new Set(requirements.flatMap((r) => bundle.policies.get(r.policyId)?.notify ?? []))];
  return channels.length > 0 ? { notify: channels } : {};
}

function commandView(a: CommandAnalysis): NonNullable<Decision['command']> {
  return {
    shell: a.shell,
    risk: a.risk,
    verdict: a.verdict,
    categories: [...new Set(a.categories)],
    summary: a.summary,
    findings: a.findings.map((f) => ({ rule: f.rule, category: f.category, severity: f.severity, explanation: f.explanation })),
  };
}

/** The request as the audit log keeps it: secrets masked like everywhere it is shown (threats.md A3). */
function auditedRequest(req: AuthorizationRequest): Record<string, unknown> {
  // The delegation token is proof material (masked by name); the record names its verified path instead.
  return redactRequest(req) as unknown as Record<string, unknown>;
}

interface Decided {
  decision: Decision;
  audit: Record<string, unknown>;
  /** The request as the pipeline saw it (the chat step sets `context.initiator`): what the audit records. */
  request: AuthorizationRequest;
  opened?: ApprovalRequest;
  consumed?: ApprovalRequest;
  grantClaims?: GrantClaims;
  /** Step 6 still to run: in the unit of work that records the decision. */
  settle?: SettleInput;
  /** What step 8 needs to sign a grant on allow. */
  grantBasis?: { requester: string; audience: string; delegationEndS: number };
  unverified?: { approvalId: string; problem: string };
}

/**
 * The authorize() pipeline (DESIGN §2). Each step can end it. Any throw on the path becomes a deny
 * that is still audited (fail closed, DESIGN §6); if the audit write itself fails, the answer is
 * deny `audit_unavailable`, never an unrecorded allow, and no grant leaves.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  /** Step 8 on allow: a grant that never outlives the approval it used nor the delegation it ran under. */
  async function attachGrant(out: Decided, signingKey?: Parameters<typeof signGrant>[1]): Promise<void> {
    const d = out.decision;
    if (d.outcome !== 'allow' || !deps.grants || !out.grantBasis) return;
    const nowS = Math.floor(deps.clock.now() / 1000);
    const approvalEnd = Math.min(out.consumed ? Math.floor(Date.parse(out.consumed.expiresAt) / 1000) : Infinity, out.grantBasis.delegationEndS);
    const claims: GrantClaims = {
      iss: deps.grants.issuer,
      sub: out.grantBasis.requester,
      aud: out.grantBasis.audience,
      jti: uuidv7(deps.clock.now()),
      iat: nowS,
      exp: Math.max(nowS + 1, Math.min(nowS + Math.ceil(deps.grants.ttlMs / 1000), approvalEnd)),
      ahash: d.actionHash,
      rid: d.requestId,
    };
    d.grant = signGrant(claims, signingKey ?? (await deps.grants.keys.current()));
    out.grantClaims = claims;
    out.audit['grant'] = claims;
  }

  /** Step 6's answer folded into the decision and its record. */
  function applySettled(out: Decided, settled: Settled): void {
    const d = out.decision;
    d.outcome = settled.outcome;
    d.reasons = settled.reasons;
    if (settled.approval) {
      if (settled.approval.kind === 'confirmation') d.confirmation = settled.approval;
      else d.approval = settled.approval;
      out.audit['approval'] = { id: settled.approval.id, kind: settled.approval.kind, status: settled.approval.status };
    }
    if (settled.opened) out.opened = settled.opened;
    if (settled.consumed) {
      out.consumed = settled.consumed;
      out.audit['consumedApproval'] = settled.consumed.id;
    }
    if (settled.unverified) {
      out.unverified = settled.unverified;
      out.audit['approvalUnverified'] = settled.unverified;
    }
  }

  /**
   * Steps 2–5 (and 8 unless `sign` is false: a search candidate never gets a grant). Every entry
   * point decides through here, so the caller-claim rules (DESIGN §2 "What a caller may claim") run
   * first for all of them: gateway-set context from the caller is refused before anything is decided.
   */
  async function decide(asked: AuthorizationRequest, options: AuthorizeOptions, at: { requestId: string; decidedAt: string; caller: Caller; sign: boolean; span?: TraceSpan }): Promise<Decided> {
    let req = withGatewayContext(asked, options);
    const { requestId, decidedAt, caller, sign } = at;
    const vouched = options.vouchedSubject === true;
    const span = at.span ?? NOOP_SPAN;
    let actionHash = '';
    let policyVersion = 'none';
    const audit: Record<string, unknown> = {};
    const end = (outcome: Outcome, reasons: Reason[]): Decided => ({ decision: { outcome, reasons, actionHash, policyVersion, requestId, decidedAt }, audit, request: req });
    try {
      actionHash = hashAction(req);
      const bundle = deps.policies.current();
      if (!bundle) return end('deny', [reason('no_bundle')]);
      policyVersion = bundle.version;
      const ns = bundle.namespace;
      const requester = uidKey({ type: qualifyType(req.subject.type, ns), id: req.subject.id });

      // Step 2: unknown, inactive or unowned subjects end the pipeline here.
      let prefetched: Map<string, CedarEntity> | undefined;
      let delegatedOnly = false;
      if (deps.registry) {
        const registry = deps.registry;
        const elevations = deps.elevations;
        const subject = await inSpan(span, 'airlock.subject', async (s) => {
          const r = await resolveSubject(bundle, req, registry, deps.clock.now(), vouched);
          const entity = r.ok ? r.entities.get(requester) : undefined;
          if (!r.ok || !entity || !elevations) return r;
          // Active elevations are memberships for this decision only, read now (docs/elevation.md).
          const active = await elevations.active(req.subject.id, new Date(deps.clock.now()).toISOString());
          if (active.length === 0) return r;
          const parents = [...entity.parents];
          const have = new Set(parents.map(uidKey));
          for (const e of active) {
            const g = { type: `${ns}::Group`, id: e.group };
            if (!have.has(uidKey(g))) (parents.push(g), have.add(uidKey(g)));
          }
          r.entities.set(requester, { ...entity, parents });
          audit['elevations'] = active.map((e) => ({ id: e.id, group: e.group, expiresAt: e.expiresAt }));
          s.set({ 'airlock.elevations': active.map((e) => e.group) });
          return r;
        });
        if (!subject.ok) return end('deny', [subject.reason]);
        prefetched = subject.entities;
        delegatedOnly = subject.delegatedOnly;
      }
      const subjectEntity = prefetched?.get(requester) ?? bundle.staticEntities.get(requester);
      const owner = refText(subjectEntity?.attrs['owner']);
      audit['subject'] = owner ? { uid: requester, owner } : { uid: requester };

      // Chat step: a chat-triggered request runs as an owned bot/agent NHI, and context.initiator is
      // the Human linked to the chat user, never what the bot claims (DESIGN §1). The action hash
      // covers the resolved initiator.
      const chat = await chatBindingStep(req, ns, deps.chat, deps.registry);
      if (chat.kind === 'refused') return end('deny', [chat.reason]);
      if (chat.kind === 'prepared') {
        req = chat.request;
        actionHash = hashAction(req);
      }

      // Step 3: a delegation token revalidates its whole path; policy sees context.delegation.
      const dlg = await inSpan(span, 'airlock.delegation', async (s) => {
        const r = await verifyDelegationStep(req, { caller, requester, namespace: ns, nowMs: deps.clock.now(), delegatedOnly }, deps.delegation, deps.registry);
        s.set({ 'airlock.delegation.result': r.kind });
        return r;
      });
      if (dlg.kind === 'refused') {
        audit['delegation'] = { refused: dlg.code, ...(dlg.detail !== undefined ? { detail: dlg.detail } : {}), ...(dlg.context ? { ...dlg.context, path: pathIdentities(dlg.context) } : {}) };
        return end('deny', [reason(dlg.code, dlg.message)]);
      }
      let delegated = req;
      let delegationChain: string[] = [];
      let delegationEndS = Infinity;
      if (dlg.kind === 'verified') {
        delegated = dlg.policyRequest;
        delegationEndS = dlg.expiresAtS;
        delegationChain = pathIdentities(dlg.context);
        audit['delegation'] = { ...dlg.context, path: delegationChain };
      }

      // Step 4: a command is analyzed, and policy sees the analysis, never the caller's claims.
      const cmd = await inSpan(span, 'airlock.command_analysis', (s) => {
        const r = analyzeCommandStep(delegated, deps.analyzer);
        s.set(r.kind === 'analyzed' ? { 'airlock.command.result': r.kind, 'airlock.command.risk': r.analysis.risk, 'airlock.command.verdict': r.analysis.verdict } : { 'airlock.command.result': r.kind });
        return r;
      });
      if (cmd.kind === 'refused') return end('deny', [reason(cmd.code, cmd.message)]);
      let policyRequest = delegated;
      let command: Decision['command'];
      if (cmd.kind === 'analyzed') {
        policyRequest = cmd.policyRequest;
        command = commandView(cmd.analysis);
        audit['command'] = { ...command, programs: cmd.analysis.facts.programs, hosts: cmd.analysis.facts.hosts, needsRoot: cmd.analysis.facts.needsRoot };
      }

      // Step 5: policy.
      const result = await inSpan(span, 'airlock.policy', async (s) => {
        const r = await evaluatePolicy(bundle, policyRequest, deps.entities, prefetched);
        s.set({ 'airlock.policy.version': bundle.version, 'airlock.policy.outcome': r.outcome });
        return r;
      });
      const d: Decision = { outcome: result.outcome, reasons: result.reasons, actionHash, policyVersion, requestId, decidedAt };
      if (result.requirements.length > 0) d.requirements = result.requirements;
      if (command) d.command = command;
      const out: Decided = { decision: d, audit, request: req };

      out.grantBasis = { requester, audience: uidKey({ type: qualifyType(req.resource.type, ns), id: req.resource.id }), delegationEndS };

      // Step 6: approvals and confirmations bound to this exact action hash. Opening or using one
      // is a state change: it runs in the unit of work that records the decision (authorize).
      if (deps.approvals && (d.outcome === 'approval_required' || d.outcome === 'confirmation_required')) {
        const initiator = initiatorOf(req, ns);
        out.settle = {
          outcome: d.outcome,
          reasons: d.reasons,
          requirements: result.requirements,
          request: withoutDelegationToken(req),
          actionHash,
          requestId,
          caller,
          requester,
          ...(owner ? { owner } : {}),
          ...(initiator ? { initiator } : {}),
          delegationChain,
          ...notifyOf(bundle, result.requirements),
          ...(cmd.kind === 'analyzed' ? { command: { risk: cmd.analysis.risk, summary: cmd.analysis.summary.join('; '), findings: [...new Set(cmd.analysis.findings.map((f) => f.rule))] } } : {}),
          nowMs: deps.clock.now(),
        };
        return out;
      }

      // Step 8 (prepared before step 7 so the record holds the grant's claims).
      if (sign) await attachGrant(out);
      return out;
    } catch (err) {
      // fail closed: an error anywhere in evaluation ⇒ deny (DESIGN §6)
      // Internal error text never reaches a caller (DESIGN §6): a bad request keeps our own message,
      // any other fault is the fixed text plus the request id, and its cause goes to the log.
      if (isAirlockError(err) && err.code === 'ERR_REQUEST_INVALID') return end('deny', [reason('evaluation_error', `${decisionCodes.evaluation_error}: ${err.message}`)]);
      deps.onInternalError?.(err, { requestId, stage: 'decide' });
      return end('deny', [reason('internal_error')]);
    }
  }

  const tracer = deps.tracer ?? noopTracer;
  return {
    policies: deps.policies,
    async search(query, page, options) {
      const requestId = options.requestId ?? uuidv7(deps.clock.now());
      const caller = options.caller ?? EMBEDDED_CALLER;
      const bundle = deps.policies.current();
      let found: { results: SearchResult[]; next?: string; evaluated: number } = { results: [], evaluated: 0 };
      if (bundle) {
        found = await searchCandidates(query, page, {
          bundle,
          ...(deps.registry ? { registry: deps.registry } : {}),
          optionsFor: options.optionsFor,
          decide: async (req, opts) => {
            const decidedAt = new Date(deps.clock.now()).toISOString();
            return (await decide(req, opts, { requestId: uuidv7(deps.clock.now()), decidedAt, caller: opts.caller ?? caller, sign: false })).decision;
          },
        });
      }
      const policyVersion = bundle?.version ?? 'none';
      const { page: _page, ...asked } = query;
      const record = {
        requestId,
        caller: { ...caller },
        search: query.kind,
        // The same masking as decision records; the searched part has no id.
        request: redactRequest(asked as unknown as AuthorizationRequest) as unknown as Record<string, unknown>,
        page: { ...(page.after !== undefined ? { after: page.after } : {}), limit: page.limit },
        results: found.results.map((r) => ('name' in r ? r.name : r.id)),
        ...(found.next !== undefined ? { next: found.next } : {}),
        evaluated: found.evaluated,
        policyVersion,
      };
      let auditSeq: number;
      try {
        auditSeq = (await deps.audit.append('search', record)).seq;
      } catch {
        // fail closed: results nobody recorded never leave (DESIGN §2 step 7)
        throw new AirlockError('ERR_AUDIT_UNAVAILABLE');
      }
      return { results: found.results, ...(found.next !== undefined ? { next: found.next } : {}), requestId, policyVersion, auditSeq };
    },
    async authorize(req: AuthorizationRequest, options: AuthorizeOptions = {}): Promise<Decision> {
      const started = performance.now();
      const requestId = options.requestId ?? uuidv7(deps.clock.now());
      const decidedAt = new Date(deps.clock.now()).toISOString();
      const caller = options.caller ?? EMBEDDED_CALLER;
      // One span per decision, a child of the caller's trace when it sent a W3C traceparent.
      const span = tracer.start('airlock.decision', {
        kind: 'server',
        parent: options.parentSpan,
        traceparent: options.traceparent,
        ...(tracer.enabled
          ? {
              attributes: {
                'airlock.request_id': requestId,
                'airlock.caller.type': caller.type,
                'airlock.caller.id': caller.id,
                'airlock.caller.via': caller.via,
                'airlock.subject.type': req.subject?.type,
                'airlock.subject.id': req.subject?.id,
                'airlock.action.name': req.action?.name,
                'airlock.resource.type': req.resource?.type,
                'airlock.resource.id': req.resource?.id,
              },
            }
          : {}),
      });
      let decided: Decided;
      try {
        decided = await decide(req, options, { requestId, decidedAt, caller, sign: true, span });
      } catch (err) {
        // A request refused before it is decided (a reserved context key) still closes its span.
        span.fail(err instanceof AirlockError ? err.code : 'internal_error');
        span.end();
        throw err;
      }
      let decision = decided.decision;
      const record = () => ({
        requestId,
        caller: { ...caller },
        ...(options.vouchedSubject ? { vouchedSubject: true } : {}),
        request: auditedRequest(decided.request),
        decision: {
          outcome: decided.decision.outcome,
          reasons: decided.decision.reasons,
          actionHash: decided.decision.actionHash,
          policyVersion: decided.decision.policyVersion,
          ...(decided.decision.requirements ? { requirements: decided.decision.requirements } : {}),
        },
        ...decided.audit,
      });
      try {
        if (decided.settle && deps.approvals) {
          const settle = decided.settle;
          const approvals = deps.approvals;
          let settleError: unknown;
          // The key ring reads the store: fetched before the unit, which may only use its tx.
          const signingKey = deps.grants ? await deps.grants.keys.current() : undefined;
          try {
            // Steps 6–8 in one unit of work: the approval opened or used, the decision's record and
            // the approval's record commit together or not at all (docs/approvals.md, "Atomicity").
            const rec = await inSpan(span, 'airlock.audit_commit', () => deps.audit.transaction(async (tx, log) => {
              try {
                applySettled(decided, await inSpan(span, 'airlock.approvals', async (s) => {
                  const settled = await settleRequirements(settle, { ...approvals, approvals: tx.approvals, audit: tx.audit });
                  s.set({ 'airlock.approvals.outcome': settled.outcome, ...(settled.approval ? { 'airlock.approval.id': settled.approval.id, 'airlock.approval.status': settled.approval.status } : {}) });
                  return settled;
                }));
                await attachGrant(decided, signingKey);
              } catch (err) {
                settleError = err;
                throw err;
              }
              const r = await log('decision', record());
              const a = decided.opened;
              if (a) await log('approval.opened', { requestId, approvalId: a.id, kind: a.kind, actionHash: a.actionHash, requester: a.requester, approvers: a.approvers ?? null, quorum: a.quorum, expiresAt: a.expiresAt });
              if (decided.consumed) await log('approval.consumed', { requestId, approvalId: decided.consumed.id, consumedBy: requestId });
              return r;
            }));
            decision.auditSeq = rec.seq;
          } catch (err) {
            if (settleError === undefined) throw err;
            // fail closed: step 6 failed ⇒ deny, recorded on its own (nothing of the unit was written)
            delete decided.opened;
            delete decided.consumed;
            decision = decided.decision = { ...decision, outcome: 'deny', reasons: [reason('internal_error', decisionCodes.internal_error)] };
            delete decision.grant;
            delete decided.audit['grant'];
            decision.auditSeq = (await inSpan(span, 'airlock.audit_commit', () => deps.audit.append('decision', record()))).seq;
          }
          if (decided.unverified) deps.observer?.onIntegrityAlarm?.({ kind: 'approval_unverified', requestId, approvalId: decided.unverified.approvalId, problem: decided.unverified.problem });
        } else {
          decision.auditSeq = (await inSpan(span, 'airlock.audit_commit', () => deps.audit.append('decision', record()))).seq;
        }
      } catch (err) {
        // fail closed: audit write error ⇒ deny, and the grant never leaves (DESIGN §2 step 7);
        // the cause (a path, an SQLite code) goes to the log, never into the answer.
        deps.onInternalError?.(err, { requestId, stage: 'audit' });
        decision = {
          outcome: 'deny',
          reasons: [reason('audit_unavailable')],
          actionHash: decision.actionHash,
          policyVersion: decision.policyVersion,
          requestId,
          decidedAt,
        };
      }
      if (decided.opened && decision.outcome !== 'deny') deps.events?.approvalOpened?.(decided.opened);
      deps.observer?.onDecision?.(decision.outcome, performance.now() - started, decision.reasons, decision);
      if (tracer.enabled) {
        span.set({
          'airlock.outcome': decision.outcome,
          'airlock.reasons': decision.reasons.map((r) => r.code),
          'airlock.policy_version': decision.policyVersion,
          'airlock.action_hash': decision.actionHash,
          ...(decision.auditSeq !== undefined ? { 'airlock.audit.seq': decision.auditSeq } : {}),
        });
        // A deny is a decision, not a fault; the span fails only when the pipeline did.
        const fault = decision.reasons.find((r) => r.code === 'internal_error' || r.code === 'audit_unavailable');
        if (fault) span.fail(fault.code);
      }
      span.end();
      return decision;
    },
  };
}
