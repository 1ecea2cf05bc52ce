import { hashAction } from '../core/action-hash.js';
import { decisionCodes } from '../core/decision-codes.js';
import { qualifyType, uidKey } from '../core/entity-uid.js';
import { AirlockError, isAirlockError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { SearchRequest } from '../core/request-shape.js';
import { inSpan, noopTracer, type TraceSpan } from '../core/tracing.js';
import type { AuthorizationRequest, AuthorizeOptions, Authorizer, Caller, Decision, EntityRef, Outcome, Reason } from '../core/types.js';
import { reason, type GatewayDeps, type PipelineState } from './pipeline.js';
import type { PolicyHolder } from './policy-holder.js';
import { redactRequest } from './redact-request.js';
import { searchCandidates, type SearchResult } from './search.js';
import { withGatewayContext } from './steps/caller-claims.js';
import { STEPS } from './steps/index.js';

export type { ChatStepDeps, DelegationStepDeps, GatewayDeps, GatewayEvents, GatewayObserver, IntegrityAlarm } from './pipeline.js';

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

/** The request as the audit log keeps it: secrets masked like everywhere it is shown (threats.md A3). */
function auditedRequest(req: AuthorizationRequest): Record<string, unknown> {
  // The delegation token is proof material (masked by name); the record names its verified path instead.
  return redactRequest(req) as unknown as Record<string, unknown>;
}

interface Decided {
  decision: Decision;
  /** The record's fields after `request` and `decision` (each step's part). */
  audit: Record<string, unknown>;
  /** The request as the pipeline saw it (the chat step sets `context.initiator`): what the audit records. */
  request: AuthorizationRequest;
  /** Set when every decide step went on: the record phase (authorize only) continues from it. */
  state?: PipelineState;
}

/**
 * The authorize() pipeline (DESIGN §2): the steps of `steps/index.ts`, each taking the state known
 * so far and answering "go on" or "end with this decision". Any throw on the path becomes a deny
 * that is still audited (fail closed, DESIGN §6); if the audit write itself fails, the answer is
 * deny `audit_unavailable`, never an unrecorded allow, and no grant leaves.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const steps = STEPS.map((make) => make(deps));
  const decideSteps = steps.filter((st) => st.phase === 'decide');
  const recordSteps = steps.filter((st) => st.phase === 'record');

  /**
   * Internal error text never reaches a caller (DESIGN §6): a bad request keeps our own message, any
   * other fault is the fixed text plus the request id, and its cause goes to the log.
   */
  function faultReason(err: unknown, requestId: string): Reason {
    if (isAirlockError(err) && err.code === 'ERR_REQUEST_INVALID') return reason('evaluation_error', `${decisionCodes.evaluation_error}: ${err.message}`);
    deps.onInternalError?.(err, { requestId, stage: 'decide' });
    return reason('internal_error');
  }

  /** A decision that ends the pipeline: only outcome and reasons, over what is known so far. */
  function ended(s: PipelineState, outcome: Outcome, reasons: Reason[]): Decided {
    return { decision: { outcome, reasons, actionHash: s.actionHash, policyVersion: s.bundle.version, requestId: s.requestId, decidedAt: s.decidedAt }, audit: s.audit, request: s.request };
  }

  /** Runs the record-phase steps on a completed decision; an `end` replaces the decision. */
  async function runRecordSteps(s: PipelineState, decided: Decided): Promise<void> {
    for (const step of recordSteps) {
      const r = await step.run(s);
      if (r.kind === 'end') {
        const e = ended(s, r.outcome, r.reasons);
        decided.decision = s.decision = e.decision;
        return;
      }
    }
  }

  /**
   * Steps 2–5: every entry point decides through here, so the caller-claim rules (DESIGN §2 "What a
   * caller may claim") run first for all of them: gateway-set context from the caller is refused
   * before anything is decided (the throw leaves unaudited, as a refused request).
   */
  async function decide(asked: AuthorizationRequest, options: AuthorizeOptions, at: { requestId: string; decidedAt: string; caller: Caller; span?: TraceSpan }): Promise<Decided> {
    const req = withGatewayContext(asked, options);
    const { requestId, decidedAt, caller } = at;
    let actionHash = '';
    let policyVersion = 'none';
    let s: PipelineState | undefined;
    const early = (outcome: Outcome, reasons: Reason[]): Decided => ({ decision: { outcome, reasons, actionHash, policyVersion, requestId, decidedAt }, audit: {}, request: req });
    try {
      actionHash = hashAction(req);
      const bundle = deps.policies.current();
      if (!bundle) return early('deny', [reason('no_bundle')]);
      policyVersion = bundle.version;
      s = {
        requestId,
        decidedAt,
        caller,
        vouched: options.vouchedSubject === true,
        bundle,
        requester: uidKey({ type: qualifyType(req.subject.type, bundle.namespace), id: req.subject.id }),
        span: at.span ?? NOOP_SPAN,
        request: req,
        actionHash,
        policyRequest: req,
        audit: {},
        delegatedOnly: false,
        delegationChain: [],
        delegationEndS: Infinity,
        requirements: [],
      };
      for (const step of decideSteps) {
        const r = await step.run(s);
        if (r.kind === 'end') return ended(s, r.outcome, r.reasons);
      }
      if (!s.decision) throw new Error('the decide steps ended without a decision');
      return { decision: s.decision, audit: s.audit, request: s.request, state: s };
    } catch (err) {
      // fail closed: an error anywhere in evaluation ⇒ deny (DESIGN §6)
      const r = faultReason(err, requestId);
      return s ? ended(s, 'deny', [r]) : early('deny', [r]);
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
            return (await decide(req, opts, { requestId: uuidv7(deps.clock.now()), decidedAt, caller: opts.caller ?? caller })).decision;
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
        decided = await decide(req, options, { requestId, decidedAt, caller, span });
      } catch (err) {
        // A request refused before it is decided (a reserved context key) still closes its span.
        span.fail(err instanceof AirlockError ? err.code : 'internal_error');
        span.end();
        throw err;
      }
      const s = decided.state;
      const recordOf = () => ({
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
      // Step 7 stays here rather than in the step list: it is the transaction the state-changing
      // record steps run inside, and its failure replaces whatever they decided (audit_unavailable).
      const inUnit = s !== undefined && recordSteps.some((st) => st.changesState?.(s) === true);
      if (s && !inUnit) {
        // No state change: step 8 before step 7 (the record holds the grant's claims); a fault is
        // an audited deny, as in steps 2–5.
        try {
          await runRecordSteps(s, decided);
        } catch (err) {
          decided = ended(s, 'deny', [faultReason(err, requestId)]);
        }
      }
      let decision = decided.decision;
      try {
        if (s && inUnit) {
          let stepError: unknown;
          // Reads the unit may not do through its tx (the signing key) happen first.
          for (const st of recordSteps) await st.beforeUnit?.(s);
          try {
            // Steps 6–8 in one unit of work: the approval opened or used, the decision's record and
            // the approval's record commit together or not at all (docs/approvals.md, "Atomicity").
            const rec = await inSpan(span, 'airlock.audit_commit', () => deps.audit.transaction(async (tx, log) => {
              s.unit = tx;
              try {
                await runRecordSteps(s, decided);
              } catch (err) {
                stepError = err;
                throw err;
              }
              const r = await log('decision', recordOf());
              const a = s.opened;
              if (a) await log('approval.opened', { requestId, approvalId: a.id, kind: a.kind, actionHash: a.actionHash, requester: a.requester, approvers: a.approvers ?? null, quorum: a.quorum, expiresAt: a.expiresAt });
              if (s.consumed) await log('approval.consumed', { requestId, approvalId: s.consumed.id, consumedBy: requestId });
              return r;
            }));
            decision = decided.decision;
            decision.auditSeq = rec.seq;
          } catch (err) {
            if (stepError === undefined) throw err;
            // fail closed: step 6 or 8 failed ⇒ deny, recorded on its own (nothing of the unit was
            // written); the cause goes to the log, like every internal fault.
            deps.onInternalError?.(stepError, { requestId, stage: 'decide' });
            delete s.opened;
            delete s.consumed;
            decision = decided.decision = { ...decided.decision, outcome: 'deny', reasons: [reason('internal_error', decisionCodes.internal_error)] };
            delete decision.grant;
            delete decided.audit['grant'];
            decision.auditSeq = (await inSpan(span, 'airlock.audit_commit', () => deps.audit.append('decision', recordOf()))).seq;
          }
          if (s.unverified) deps.observer?.onIntegrityAlarm?.({ kind: 'approval_unverified', requestId, approvalId: s.unverified.approvalId, problem: s.unverified.problem });
        } else {
          decision.auditSeq = (await inSpan(span, 'airlock.audit_commit', () => deps.audit.append('decision', recordOf()))).seq;
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
      const opened = s?.opened;
      if (opened && decision.outcome !== 'deny') deps.events?.approvalOpened?.(opened);
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
