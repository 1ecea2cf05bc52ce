import { hashAction } from '../core/action-hash.js';
import type { Clock } from '../core/clock.js';
import { decisionCodes } from '../core/decision-codes.js';
import { isAirlockError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { AuthorizationRequest, AuthorizeOptions, Authorizer, Caller, Decision, Outcome, Reason } from '../core/types.js';
import type { AuditWriter } from '../audit/writer.js';
import type { PolicyHolder } from './policy-holder.js';
import { evaluatePolicy } from './steps/evaluate-policy.js';
import { resolveSubject } from './steps/resolve-subject.js';
import type { EntitySource } from './entities.js';
import type { IdentityRepo } from '../store/port.js';

export interface GatewayObserver {
  onDecision?(outcome: Outcome, ms: number, reasons: Reason[]): void;
}

export interface GatewayDeps {
  policies: PolicyHolder;
  audit: AuditWriter;
  clock: Clock;
  entities?: EntitySource;
  /** The identity registry (DESIGN §2 step 2). Without it, subjects are not checked (unit tests only). */
  registry?: IdentityRepo;
  observer?: GatewayObserver;
}

export interface Gateway extends Authorizer {
  readonly policies: PolicyHolder;
}

const EMBEDDED_CALLER: Caller = { type: 'process', id: 'embedded', via: 'embedded' };

function reason(code: keyof typeof decisionCodes, message?: string, policyId?: string): Reason {
  const r: Reason = { code, message: message ?? decisionCodes[code] };
  if (policyId !== undefined) r.policyId = policyId;
  return r;
}

/**
 * The authorize() pipeline (DESIGN §2). Each step can end it. Any throw on the path becomes a deny
 * that is still audited (fail closed, DESIGN §6); if the audit write itself fails, the answer is
 * deny `audit_unavailable`, never an unrecorded allow.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  async function decide(req: AuthorizationRequest, requestId: string, decidedAt: string, vouched: boolean): Promise<Decision> {
    let actionHash = '';
    let policyVersion = 'none';
    try {
      actionHash = hashAction(req);
      const bundle = deps.policies.current();
      if (!bundle) {
        return { outcome: 'deny', reasons: [reason('no_bundle')], actionHash, policyVersion, requestId, decidedAt };
      }
      policyVersion = bundle.version;
      let prefetched;
      if (deps.registry) {
        // DESIGN §2 step 2: unknown, inactive or unowned subjects end the pipeline here.
        const subject = await resolveSubject(bundle, req, deps.registry, deps.clock.now(), vouched);
        if (!subject.ok) return { outcome: 'deny', reasons: [subject.reason], actionHash, policyVersion, requestId, decidedAt };
        prefetched = subject.entities;
      }
      const result = await evaluatePolicy(bundle, req, deps.entities, prefetched);
      const d: Decision = { outcome: result.outcome, reasons: result.reasons, actionHash, policyVersion, requestId, decidedAt };
      if (result.requirements.length > 0) d.requirements = result.requirements;
      return d;
    } catch (err) {
      // fail closed: an error anywhere in evaluation ⇒ deny (DESIGN §6)
      const code = isAirlockError(err) && err.code === 'ERR_REQUEST_INVALID' ? 'evaluation_error' : 'internal_error';
      const message = err instanceof Error ? err.message : String(err);
      return { outcome: 'deny', reasons: [reason(code, `${decisionCodes[code]}: ${message}`)], actionHash, policyVersion, requestId, decidedAt };
    }
  }

  return {
    policies: deps.policies,
    async authorize(req: AuthorizationRequest, options: AuthorizeOptions = {}): Promise<Decision> {
      const started = performance.now();
      const requestId = options.requestId ?? uuidv7(deps.clock.now());
      const decidedAt = new Date(deps.clock.now()).toISOString();
      let decision = await decide(req, requestId, decidedAt, options.vouchedSubject === true);
      const caller = options.caller ?? EMBEDDED_CALLER;
      try {
        const rec = await deps.audit.append('decision', {
          requestId,
          caller: { ...caller },
          ...(options.vouchedSubject ? { vouchedSubject: true } : {}),
          request: req as unknown as Record<string, unknown>,
          decision: {
            outcome: decision.outcome,
            reasons: decision.reasons,
            actionHash: decision.actionHash,
            policyVersion: decision.policyVersion,
            ...(decision.requirements ? { requirements: decision.requirements } : {}),
          },
        });
        decision.auditSeq = rec.seq;
      } catch (err) {
        // fail closed: audit write error ⇒ deny (DESIGN §2 step 7)
        decision = {
          outcome: 'deny',
          reasons: [reason('audit_unavailable', `${decisionCodes.audit_unavailable}: ${(err as Error).message}`)],
          actionHash: decision.actionHash,
          policyVersion: decision.policyVersion,
          requestId,
          decidedAt,
        };
      }
      deps.observer?.onDecision?.(decision.outcome, performance.now() - started, decision.reasons);
      return decision;
    },
  };
}
